package pipelines

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/extract/store"
	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/internal/warehouse"
)

// ExportOptions configures a warehouse export.
type ExportOptions struct {
	// Out is the warehouse (internal/warehouse): a directory, or
	// s3://bucket/prefix, gs://…, azblob://….
	Out string
	// StatePath is the watermark between runs, a file or s3://bucket/key;
	// empty: always a full export.
	StatePath string
	// Blob reaches an object store --out or --state (endpoint, region;
	// never credentials).
	Blob      warehouse.BlobOptions
	Client    *bigcommerce.Client
	StoreHash string
	// Options are the logger and the progress bars' terminal.
	accounting.Options
	// Now stamps the partition; nil means time.Now.
	Now func() time.Time
}

// ExportResult says what a run added.
type ExportResult struct {
	Manifest     *staging.Manifest
	ManifestPath string
	Files        map[string]string // entity → partition file
	Incremental  bool
}

// Export extracts the store (incrementally when the state file has a
// watermark) and files the result into the partitioned dataset. The state
// moves only after the files and the run manifest are in place, so a crash
// at any point leaves at worst a run that will be read again. The state
// file has one writer at a time (openWarehouse).
func Export(ctx context.Context, o ExportOptions) (*ExportResult, error) {
	if o.Client == nil {
		return nil, errors.New("export: no store client")
	}
	var err error
	if o.StoreHash, err = warehouse.StoreHashOf(o.StoreHash, o.Client.BaseURL()); err != nil {
		return nil, err
	}
	wh, err := openWarehouse(ctx, o.Out, o.StatePath, o.StoreHash, "bcetl export", o.Blob)
	if err != nil {
		return nil, err
	}
	defer wh.close()
	return export(ctx, o, wh)
}

// exportState is the state a run read, and its version for the
// conditional write back.
type exportState struct {
	*store.State // nil: no watermark yet
	version      string
}

// readState reads the export's state, refusing one of another store.
func readState(ctx context.Context, sf warehouse.StateFile, storeHash, apiURL string) (exportState, error) {
	if sf == nil {
		return exportState{}, nil
	}
	data, version, err := sf.Read(ctx)
	if err != nil || data == nil {
		return exportState{version: version}, err
	}
	st, err := store.ParseState(sf.String(), data)
	if err == nil {
		err = st.CheckFor(sf.String(), storeHash, apiURL)
	}
	return exportState{st, version}, err
}

// export extracts the store (incrementally when the state file has a
// watermark) into the warehouse's staging area and commits it there. The
// state moves only after the parts and the run manifest are in place, so a
// crash at any point leaves at worst a run that will be read again. The
// caller holds the run's locks and opened wh for o.StoreHash (Export,
// Nightly).
func export(ctx context.Context, o ExportOptions, wh *openedWarehouse) (*ExportResult, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	st, err := readState(ctx, wh.state, o.StoreHash, o.Client.BaseURL())
	if err != nil {
		return nil, err
	}
	run := warehouse.RunName(o.Now())
	tmp := wh.Stage(run)
	defer os.RemoveAll(tmp)

	opts := extract.Options{Store: o.Client, StoreHash: o.StoreHash, Options: o.Options, Now: o.Now}
	if st.State != nil {
		since := st.Since()
		opts.Since = &since
	}
	src, err := extract.Open(store.Scheme, opts)
	if err != nil {
		return nil, err
	}
	m, err := src.Extract(ctx, tmp)
	if err != nil {
		return nil, err
	}
	res := &ExportResult{Manifest: m, Incremental: opts.Since != nil}
	day := m.StartedAt.UTC().Format(time.DateOnly)
	if res.Files, res.ManifestPath, err = wh.Commit(ctx, run, tmp, m, warehouse.Part{Day: day}); err != nil {
		return nil, err
	}
	if wh.state != nil && m.Watermark != nil {
		data, err := store.EncodeState(&store.State{
			StoreHash: o.StoreHash, APIURL: o.Client.BaseURL(), Watermark: *m.Watermark,
			LastOutput: res.ManifestPath, FinishedAt: m.FinishedAt,
		})
		if err == nil {
			err = wh.state.Write(ctx, data, st.version)
		}
		if errors.Is(err, warehouse.ErrStateMoved) {
			return nil, fmt.Errorf("the run is committed (%s), but its watermark was not saved: %w; "+
				"its rows are a valid read that the latest-version query takes or leaves as any other", res.ManifestPath, err)
		}
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}
