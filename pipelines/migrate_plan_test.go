package pipelines

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/transform"
)

// requestLog is the methods and paths a store answered.
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) wrap(srv *sandbox.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.reqs = append(l.reqs, r.Method+" "+r.URL.Path)
		l.mu.Unlock()
		srv.ServeHTTP(w, r)
	})
}

// take returns the requests logged since the last take.
func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.reqs
	l.reqs = nil
	return r
}

// tree maps every file under dir to its content's SHA-256 (nil: dir does
// not exist).
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(a, b map[string]string) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// migrate --dry-run prints the load's plan — requests per endpoint, the
// time at the target's quota, the mapping — and writes nothing: the
// target answers only GETs and holds no customer, --work is not created
// (first run) or not changed (after a real run, whose finished stages
// and load state it plans from), and the scratch directory under $TMPDIR
// is gone.
func TestMigrateDryRunWritesNothing(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx := context.Background()
	src, source := newStore(t, "source", 300, 7)
	cfg := src.Config()
	var log requestLog
	tgt := sandboxtest.Start(t, sandbox.Options{StoreHash: "target", Token: "target-token", Quota: 1000, Window: time.Second, Config: &cfg},
		sandboxtest.Wrap(log.wrap))
	work := filepath.Join(t.TempDir(), "work")
	opts := MigrateOptions{From: "bigcommerce", Source: source, SourceStoreHash: "source", Work: work, Target: tgt.Client,
		Transform: transform.Options{CustomerSurvivor: transform.SurvivorNewest}, Load: load.Options{DryRun: true}}

	onlyReads := func(what string) {
		t.Helper()
		reqs := log.take()
		if len(reqs) == 0 {
			t.Errorf("%s: the target got no request; the plan needs its quota and its groups, channels and attributes", what)
		}
		for _, r := range reqs {
			if r[:4] != "GET " {
				t.Errorf("%s sent %s to the target", what, r)
			}
		}
		if n, _, _, _ := tgt.Server.Counts(); what == "the first dry run" && n != 0 {
			t.Errorf("%s: the target holds %d customers", what, n)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("%s left %d entries in $TMPDIR (%s)", what, len(left), left[0].Name())
		}
	}
	checkPlan := func(what string, res *MigrateResult) *load.Plan {
		t.Helper()
		if res.Load == nil || !res.Load.DryRun || res.Load.Plan == nil {
			t.Fatalf("%s: no plan: %+v", what, res.Load)
		}
		p := res.Load.Plan
		if p.Requests["POST /customers"] == 0 || p.TotalRequests == 0 || p.Quota != 1000 || p.MinSeconds <= 0 || p.Mapping == nil {
			t.Errorf("%s: plan %+v", what, p)
		}
		if res.Ledger[staging.EntityCustomers].Read != 300 {
			t.Errorf("%s: ledger %+v", what, res.Ledger[staging.EntityCustomers])
		}
		return p
	}

	res, err := Migrate(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan("the first dry run", res)
	onlyReads("the first dry run")
	if got := tree(t, work); got != nil {
		t.Errorf("the dry run created --work: %v", got)
	}

	// A real run, then the dry run again: it reads --work's stages and
	// state and changes none of them.
	opts.Load.DryRun = false
	if _, err := Migrate(ctx, opts); err != nil {
		t.Fatal(err)
	}
	log.take()
	before := tree(t, work)
	opts.Load.DryRun = true
	res, err = Migrate(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	p := checkPlan("the dry run after a real run", res)
	onlyReads("the dry run after a real run")
	if !res.ExtractSkipped || !res.TransformSkipped {
		t.Errorf("the dry run redid a stage --work holds complete (extract skipped %v, transform %v)", res.ExtractSkipped, res.TransformSkipped)
	}
	if n, _, _, _ := tgt.Server.Counts(); p.TargetCustomers != int64(n) || p.ExistingCustomers != 0 {
		t.Errorf("plan after the run: target holds %d (the store %d), %d of the input still to look up; want none left",
			p.TargetCustomers, n, p.ExistingCustomers)
	}
	if after := tree(t, work); !sameTree(before, after) {
		t.Errorf("the dry run changed --work:\nbefore %v\nafter  %v", before, after)
	}
}
