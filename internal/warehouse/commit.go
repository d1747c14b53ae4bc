package warehouse

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/atomicfile"
	"github.com/bcetl/bcetl/internal/staging"
)

// Part says where in a dataset a file goes.
type Part struct {
	Day string // the partition: extracted_on=Day (2026-11-25)
	// Label "" numbers the part: part-NNNNN.parquet, the next free number.
	// Otherwise the part is part-LABEL.parquet, a name its caller owns
	// (derived from a nightly claim, so a rerun writes the same name).
	Label string
}

func (p Part) dir(dataset string) string { return path.Join(dataset, PartitionKey+"="+p.Day) }

func (p Part) name(dataset string) string {
	return path.Join(p.dir(dataset), "part-"+p.Label+".parquet")
}

// File publishes the complete local file src (written in a Stage
// directory) as a part of dataset and returns its name: the one way a
// file enters the dataset. A numbered part takes the next free number, and
// a number another writer took since it was chosen is skipped, never
// overwritten. A labelled part replaces a file of its name: an earlier try
// of the same claim filed it and failed before committing.
func (w *Warehouse) File(ctx context.Context, dataset, src string, p Part) (string, error) {
	if p.Label != "" {
		name := p.name(dataset)
		if err := w.b.Remove(ctx, name); err != nil {
			return "", err
		}
		return name, w.b.Publish(ctx, src, name)
	}
	names, err := w.b.List(ctx, p.dir(dataset))
	if err != nil {
		return "", err
	}
	next := 0
	for _, name := range names {
		rest, isPart := strings.CutPrefix(path.Base(name), "part-")
		digits, isParquet := strings.CutSuffix(rest, ".parquet")
		if n, err := strconv.Atoi(digits); isPart && isParquet && err == nil && n >= next {
			next = n + 1
		}
	}
	return w.publishFree(ctx, src, next, func(n int) string {
		return path.Join(p.dir(dataset), fmt.Sprintf("part-%05d.parquet", n))
	})
}

// publishFree publishes src under the first free name of name(first),
// name(first+1), …
func (w *Warehouse) publishFree(ctx context.Context, src string, first int, name func(int) string) (string, error) {
	for n := first; ; n++ {
		if err := w.b.Publish(ctx, src, name(n)); !errors.Is(err, fs.ErrExist) {
			return name(n), err
		}
	}
}

// Has reports whether the labelled part p of dataset is in place: the
// output of a nightly claim, committed before a crash.
func (w *Warehouse) Has(ctx context.Context, dataset string, p Part) (bool, error) {
	return w.b.Exists(ctx, p.name(dataset))
}

func manifestName(run string) string { return path.Join(ManifestsDir, run+".json") }

// Committed reports whether the run's manifest is published, and so all
// of its parts.
func (w *Warehouse) Committed(ctx context.Context, run string) (bool, error) {
	return w.b.Exists(ctx, manifestName(run))
}

// fileOrder is the order in which Commit files a run's datasets:
// customers last. A customer row is what makes a read of the customer the
// latest (schema.go), so it enters the dataset only after every child row
// of the same read is in place: a run killed between two parts leaves
// child rows no customer row points to, never a customer whose children
// are missing.
var fileOrder = func() []string {
	var order []string
	for _, e := range staging.Entities {
		if e != staging.EntityCustomers {
			order = append(order, e)
		}
	}
	return append(order, CustomerDeletions, staging.EntityCustomers)
}()

// Commit files the extract in dir, described by its manifest m, into the
// warehouse: every staging entity file is rewritten with the store_hash
// and extracted_at (m.StartedAt) columns first, so a failure there
// publishes nothing; a customer_deletions file m lists (already in
// warehouse rows) is filed as it is, and a dataset the run lacks and the
// warehouse has not yet (customer_deletions, or an entity not extracted)
// gets an empty part. Then each is filed as a part p of its
// dataset (File), in fileOrder, and m, updated to describe the parts as
// filed, as the run manifest _manifests/RUN.json. The manifest goes last,
// so it names only parts in place. Two runs of one name (started in the
// same millisecond) each keep their manifest: the second is RUN-1.json.
// Commit returns the parts' paths by dataset and the manifest's path.
func (w *Warehouse) Commit(ctx context.Context, run, dir string, m *staging.Manifest, p Part) (map[string]string, string, error) {
	files := map[string]string{} // dataset → its file to publish, then its part's path
	rc := runColumns{StoreHash: w.storeHash, ExtractedAt: m.StartedAt.UTC().Truncate(time.Millisecond)}
	for _, entity := range staging.Entities {
		e, ok := m.Entities[entity]
		if !ok {
			if w.has[entity] {
				continue
			}
			// A dataset this run did not extract and the warehouse
			// does not have yet: an empty part, so the README's views
			// (one read_parquet glob per dataset) find a file.
			st, err := writeEmptyStaging(filepath.Join(dir, staging.FileName(entity)), entity)
			if err != nil {
				return nil, "", err
			}
			e = staging.EntityManifest{File: staging.FileName(entity), FileStats: st}
		}
		src, err := withRunColumns(dir, entity, &e, rc)
		if err != nil {
			return nil, "", err
		}
		m.Entities[entity], files[entity] = e, src
	}
	if e, ok := m.Entities[CustomerDeletions]; ok {
		files[CustomerDeletions] = filepath.Join(dir, e.File)
	} else if !w.has[CustomerDeletions] {
		src := filepath.Join(dir, CustomerDeletions+".parquet")
		st, err := staging.WriteAll[CustomerDeletion](src, nil)
		if err != nil {
			return nil, "", err
		}
		m.Entities[CustomerDeletions], files[CustomerDeletions] = staging.EntityManifest{File: filepath.Base(src), FileStats: st}, src
	}
	for _, dataset := range fileOrder {
		e, ok := m.Entities[dataset]
		if !ok {
			continue
		}
		var err error
		if e.File, err = w.File(ctx, dataset, files[dataset], p); err != nil {
			return nil, "", err
		}
		m.Entities[dataset], files[dataset] = e, w.b.Path(e.File)
	}
	staged := filepath.Join(dir, "run-manifest.json")
	if err := atomicfile.WriteJSON(staged, m); err != nil {
		return nil, "", err
	}
	var name string
	var err error
	if p.Label != "" { // a claim's run: committed once (Committed)
		name = manifestName(run)
		err = w.b.Publish(ctx, staged, name)
	} else {
		name, err = w.publishFree(ctx, staged, 0, func(n int) string {
			if n == 0 {
				return manifestName(run)
			}
			return manifestName(fmt.Sprintf("%s-%d", run, n))
		})
	}
	if err == nil {
		for dataset := range files {
			w.has[dataset] = true
		}
	}
	return files, w.b.Path(name), err
}
