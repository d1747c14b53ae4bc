package pipelines

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/transform"
)

// storeTarget is a target store reached over loopback, with its
// storefront's address and the requests it answered, by endpoint and
// status.
type storeTarget struct {
	srv        *sandbox.Server
	c          *bigcommerce.Client
	storefront string
	mu         sync.Mutex
	answered   map[string]int // "POST /customers 422" → n
}

func newStoreTarget(t *testing.T, cfg sandbox.StoreConfig) *storeTarget {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{StoreHash: "target", Token: "target-token", Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	st := &storeTarget{srv: srv, answered: map[string]int{}}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		srv.ServeHTTP(sw, r)
		p := r.URL.Path
		if i := strings.Index(p, "/v3/"); i >= 0 {
			p = p[i+3:]
		}
		st.mu.Lock()
		st.answered[fmt.Sprintf("%s %s %d", r.Method, p, sw.status)]++
		st.mu.Unlock()
	}))
	t.Cleanup(func() { hs.Close(); srv.Close() })
	if st.c, err = bigcommerce.NewClient(bigcommerce.Config{BaseURL: hs.URL + "/stores/target/v3", Token: "target-token"}); err != nil {
		t.Fatal(err)
	}
	st.storefront = hs.URL
	return st
}

func (st *storeTarget) n(key string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.answered[key]
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }

// customersByEmail lists a store's customers (with their store credit).
func customersByEmail(t *testing.T, c *bigcommerce.Client) map[string]bigcommerce.Customer {
	t.Helper()
	out := map[string]bigcommerce.Customer{}
	for cu, err := range c.Customers.All(context.Background(), bigcommerce.CustomerListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250},
		Include: []string{"storecredit"}}) {
		if err != nil {
			t.Fatal(err)
		}
		out[strings.ToLower(cu.Email)] = cu
	}
	return out
}

// metafieldsOf lists a store's visible metafields as customer email →
// "namespace/key=value" entries.
func metafieldsOf(t *testing.T, c *bigcommerce.Client, emails map[int64]string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for m, err := range c.Metafields.All(context.Background(), bigcommerce.MetafieldListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		e := emails[m.ResourceID]
		out[e] = append(out[e], m.Namespace+"/"+m.Key+"="+m.Value)
	}
	for _, l := range out {
		slices.Sort(l)
	}
	return out
}

// The "done when": a generated source store with groups, two
// channels besides the default, form fields, metafields, subscribers and
// store credit migrates into a target whose groups share the names but
// not the ids, whose channels have other ids (mapped by --channel-map),
// and whose sign-up form lacks one field. Every customer lands in the
// group of the same name, on the mapped channels, with its metafields;
// every subscriber of the source is one of the target exactly once; the
// values of the missing field are rejected with a reason while their
// customers load; the ledger adds up for every entity; store credit is a
// DECIMAL in Parquet and exact in the target. Run twice: with the target's
// storefront (the field is known missing before anything is sent) and
// without (the first refusal teaches it: one refused request for the
// name, not one per record).
func TestStoreToStore(t *testing.T) {
	for _, withStorefront := range []bool{true, false} {
		t.Run(map[bool]string{true: "storefront", false: "learned"}[withStorefront], func(t *testing.T) {
			testStoreToStore(t, withStorefront)
		})
	}
}

func testStoreToStore(t *testing.T, withStorefront bool) {
	ctx := context.Background()
	src, source := newStore(t, "source", 300, 7)
	scfg := src.Config()
	// The target: the same group names under other ids (in another
	// order), the channels under other ids, a form without "Loyalty
	// Points".
	var tcfg sandbox.StoreConfig
	for i, g := range slices.Backward(scfg.Groups) {
		g.ID = int64(500 + i)
		tcfg.Groups = append(tcfg.Groups, g)
	}
	chMap := map[int64]int64{}
	for _, ch := range scfg.Channels {
		if ch.ID != 1 {
			chMap[ch.ID] = ch.ID + 1000
			ch.ID += 1000
		}
		tcfg.Channels = append(tcfg.Channels, ch)
	}
	const missing = "Loyalty Points"
	for _, f := range scfg.CustomerFields {
		if f.Name != missing {
			tcfg.CustomerFields = append(tcfg.CustomerFields, f)
		}
	}
	tcfg.AddressFields = scfg.AddressFields
	tgt := newStoreTarget(t, tcfg)

	lo := load.Options{ChannelMap: chMap}
	if withStorefront {
		sf, err := bigcommerce.NewStorefront(tgt.storefront)
		if err != nil {
			t.Fatal(err)
		}
		lo.Storefront = sf
	}
	work := t.TempDir()
	res, err := Migrate(ctx, MigrateOptions{From: "bigcommerce", Source: source, SourceStoreHash: "source", Work: work, Target: tgt.c,
		Load: lo, Transform: transform.Options{CustomerSurvivor: transform.SurvivorNewest}})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Ledger.Check(); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{staging.EntityCustomers, staging.EntityCustomerGroups, staging.EntityMetafields, staging.EntitySubscribers} {
		if l := res.Ledger[e]; l == nil || l.Read == 0 || l.Loaded+l.Skipped != l.Read-l.Merged-l.RejectedTransform {
			t.Errorf("ledger %s: %+v", e, l)
		}
	}

	srcGroup, tgtGroup := map[int64]string{0: ""}, map[int64]string{0: ""}
	for _, g := range scfg.Groups {
		srcGroup[g.ID] = g.Name
	}
	for _, g := range tgt.srv.Config().Groups {
		tgtGroup[g.ID] = g.Name
	}
	srcCustomers, tgtCustomers := customersByEmail(t, source), customersByEmail(t, tgt.c)
	srcEmails, tgtEmails := map[int64]string{}, map[int64]string{}
	withCredit := 0
	for e, sc := range srcCustomers {
		tc, ok := tgtCustomers[e]
		if !ok {
			t.Errorf("customer %s is not in the target", e)
			continue
		}
		srcEmails[sc.ID], tgtEmails[tc.ID] = e, e
		if srcGroup[sc.CustomerGroupID] != tgtGroup[tc.CustomerGroupID] {
			t.Errorf("%s: source group %q, target group %d %q", e, srcGroup[sc.CustomerGroupID], tc.CustomerGroupID, tgtGroup[tc.CustomerGroupID])
		}
		var want []int64
		for _, ch := range sc.ChannelIDs {
			if m, ok := chMap[ch]; ok {
				ch = m
			}
			want = append(want, ch)
		}
		if !slices.Equal(want, tc.ChannelIDs) {
			t.Errorf("%s: channels %v in the source, %v in the target; want %v", e, sc.ChannelIDs, tc.ChannelIDs, want)
		}
		credit := func(c bigcommerce.Customer) (s []string) {
			for _, a := range c.StoreCreditAmounts {
				if a.Amount != "0" {
					s = append(s, string(a.Amount))
				}
			}
			return s
		}
		if sc, tc := credit(sc), credit(tc); !slices.Equal(sc, tc) {
			t.Errorf("%s: store credit %v in the source, %v in the target", e, sc, tc)
		} else if len(sc) > 0 {
			withCredit++
		}
	}
	if len(tgtCustomers) != len(srcCustomers) || withCredit == 0 {
		t.Errorf("target has %d customers, source %d; %d with store credit", len(tgtCustomers), len(srcCustomers), withCredit)
	}

	sm, tm := metafieldsOf(t, source, srcEmails), metafieldsOf(t, tgt.c, tgtEmails)
	if len(sm) == 0 {
		t.Fatal("the source has no metafields")
	}
	for e, l := range sm {
		if !slices.Equal(l, tm[e]) {
			t.Errorf("%s: metafields %v in the source, %v in the target", e, l, tm[e])
		}
	}

	subs := map[string]int{}
	for s, err := range tgt.c.Subscribers.All(ctx, bigcommerce.SubscriberListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		subs[strings.ToLower(s.Email)]++
	}
	n := 0
	for s, err := range source.Subscribers.All(ctx, bigcommerce.SubscriberListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if got := subs[strings.ToLower(s.Email)]; got != 1 {
			t.Errorf("subscriber %s is in the target %d times", s.Email, got)
		}
	}
	if n == 0 || len(subs) != n {
		t.Errorf("source %d subscribers, target %d", n, len(subs))
	}

	// The missing field's values are rejected with a reason; their
	// customers are loaded.
	results, err := staging.ReadAll[load.Result](res.ResultsPath)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]staging.Status{}
	var missingValues []load.Result
	for _, r := range results {
		status[r.Entity+"/"+r.SourceKey] = r.Status
		if r.Entity == staging.EntityFormFieldValues && r.Status == staging.StatusRejected {
			missingValues = append(missingValues, r)
		}
	}
	forms, err := staging.ReadAll[staging.FormFieldValue](filepath.Join(work, TransformDir, staging.FileName(staging.EntityFormFieldValues)))
	if err != nil {
		t.Fatal(err)
	}
	wantMissing := 0
	for _, f := range forms {
		if f.Name == missing {
			wantMissing++
			if st := status[staging.EntityCustomers+"/"+f.CustomerSourceKey]; st != staging.StatusLoaded {
				t.Errorf("customer %s of a %q value: %s", f.CustomerSourceKey, missing, st)
			}
		}
	}
	if wantMissing == 0 || len(missingValues) != wantMissing {
		t.Errorf("%d form field values rejected, want the %d of %q", len(missingValues), wantMissing, missing)
	}
	for _, r := range missingValues {
		if !strings.Contains(r.Message, missing) || !strings.Contains(r.Message, "create the field in the target") {
			t.Errorf("%s: %q", r.SourceKey, r.Message)
		}
	}
	refused := tgt.n("POST /customers 422")
	if withStorefront && refused != 0 {
		t.Errorf("%d POST /customers refused with the storefront's form fields known", refused)
	}
	if !withStorefront && refused != 1 {
		t.Errorf("%d POST /customers refused; want one, teaching the missing name", refused)
	}

	// Store credit is an exact DECIMAL in Parquet (what DuckDB reads).
	if typ := parquetColumnType(t, filepath.Join(work, ExtractDir, staging.FileName(staging.EntityCustomers)), "store_credit_amounts"); !strings.HasSuffix(typ, ": decimal(20, 4), nullable>") {
		t.Errorf("store_credit_amounts is %s", typ)
	}

	// The dry run (a new state) shows the group, channel and form field plan.
	sum, err := load.Run(ctx, load.Options{In: filepath.Join(work, TransformDir), StatePath: filepath.Join(t.TempDir(), "dry.db"),
		Client: tgt.c, DryRun: true, ChannelMap: chMap, Storefront: lo.Storefront})
	if err != nil {
		t.Fatal(err)
	}
	plan := sum.String()
	for _, g := range scfg.Groups {
		if !strings.Contains(plan, g.Name) {
			t.Errorf("the dry run does not show group %q:\n%s", g.Name, plan)
		}
	}
	for s, d := range chMap {
		if !strings.Contains(plan, fmt.Sprintf("→ %d", d)) || !strings.Contains(plan, fmt.Sprint(s)) {
			t.Errorf("the dry run does not show channel %d → %d:\n%s", s, d, plan)
		}
	}
	wantForm := "not checked (give --target-storefront-url)"
	if withStorefront {
		wantForm = "values rejected"
	}
	if !strings.Contains(plan, fmt.Sprintf("%q", missing)) || !strings.Contains(plan, wantForm) {
		t.Errorf("the dry run does not show the missing form field:\n%s", plan)
	}
}

// parquetColumnType is a column's type as Arrow reads it.
func parquetColumnType(t *testing.T, path, column string) string {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	var typ arrow.DataType
	if i := s.FieldIndices(column); len(i) == 1 {
		typ = s.Field(i[0]).Type
	}
	return fmt.Sprint(typ)
}
