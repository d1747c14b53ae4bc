package warehouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/bcetl/bcetl/internal/staging"
)

// Parts returns the names of every part of dataset, in every partition:
// the files a reader's dataset/*/*.parquet glob matches.
func (w *Warehouse) Parts(ctx context.Context, dataset string) ([]string, error) {
	names, err := w.b.ListTree(ctx, dataset)
	if err != nil {
		return nil, err
	}
	var parts []string
	for _, name := range names {
		dir, file := path.Split(name)
		if strings.HasPrefix(path.Base(dir), PartitionKey+"=") && strings.HasSuffix(file, ".parquet") &&
			path.Dir(path.Dir(name)) == dataset {
			parts = append(parts, name)
		}
	}
	return parts, nil
}

// IDs returns the distinct values of the integer column of dataset
// (customers' id, customer_deletions' customer_id), sorted. It reads only
// that column's chunks of each part (ranged reads in an object store).
func (w *Warehouse) IDs(ctx context.Context, dataset, column string) ([]int64, error) {
	parts, err := w.Parts(ctx, dataset)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, name := range parts {
		if ids, err = w.appendColumn(ctx, ids, name, column); err != nil {
			return nil, fmt.Errorf("%s: %w", w.b.Path(name), err)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// CustomerIDs are the customers the warehouse has and has no tombstone
// for: what export --reconcile compares with the store.
func (w *Warehouse) CustomerIDs(ctx context.Context) ([]int64, error) {
	have, err := w.IDs(ctx, staging.EntityCustomers, "id")
	if err != nil {
		return nil, err
	}
	gone, err := w.IDs(ctx, CustomerDeletions, "customer_id")
	if err != nil {
		return nil, err
	}
	return Minus(have, gone), nil
}

// Minus returns the values of a that are not in b; both sorted.
func Minus(a, b []int64) []int64 {
	var out []int64
	j := 0
	for _, v := range a {
		for j < len(b) && b[j] < v {
			j++
		}
		if j == len(b) || b[j] != v {
			out = append(out, v)
		}
	}
	return out
}

func (w *Warehouse) appendColumn(ctx context.Context, ids []int64, name, column string) ([]int64, error) {
	r, err := w.b.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	pf, err := parquet.OpenFile(r, r.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, err
	}
	leaf, ok := pf.Schema().Lookup(column)
	if !ok {
		return nil, fmt.Errorf("no column %q", column)
	}
	for _, rg := range pf.RowGroups() {
		pages := rg.ColumnChunks()[leaf.ColumnIndex].Pages()
		for {
			p, err := pages.ReadPage()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				pages.Close()
				return nil, err
			}
			vals := make([]parquet.Value, p.NumValues())
			n, err := p.Values().ReadValues(vals)
			if err != nil && !errors.Is(err, io.EOF) {
				pages.Close()
				return nil, err
			}
			for _, v := range vals[:n] {
				if !v.IsNull() {
					ids = append(ids, v.Int64())
				}
			}
			parquet.Release(p)
		}
		pages.Close()
	}
	return ids, nil
}
