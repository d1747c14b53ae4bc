package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPersistSnapshotAndJournal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state")
	opts := Options{StoreHash: "abc123", Token: testToken, StatePath: path}
	s1, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	s1.Generate(50, 1)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("snapshot after Generate: %v %v", fi, err)
	}
	// Acknowledged writes after the snapshot live only in the journal.
	e := &env{t: t, srv: s1}
	hs := newHTTP(t, s1)
	e.http, e.base = hs, hs.URL+"/stores/abc123/v3"
	ids := e.createCustomers(merge(cust("late@example.com", "L", "Ate"), map[string]any{"addresses": []any{usAddress(nil)}}))
	e.want(e.do("PUT", "/customers/form-field-values", []any{map[string]any{"customer_id": ids[0], "name": "Loyalty Points", "value": 1.5}}), 200)
	e.want(e.do("DELETE", "/customers?id:in=1,2", nil), 204)
	e.want(e.do("PUT", "/customers/attributes", []any{map[string]any{"id": 1, "name": "Renamed"}}), 200)
	c1, a1, v1, f1 := s1.Counts()

	// "Kill" s1: no Close, no snapshot. Its journal holds the writes; a torn
	// line at the end (an unacknowledged write) is ignored.
	kill(s1)
	gens := journalGens(path)
	f, _ := os.OpenFile(journalName(path, gens[len(gens)-1]), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"op":"c","c":{"ID":9999,"Em`)
	f.Close()
	s2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c2, a2, v2, f2 := s2.Counts()
	if c1 != c2 || a1 != a2 || v1 != v2 || f1 != f2 {
		t.Fatalf("after crash: %d/%d/%d/%d, want %d/%d/%d/%d", c2, a2, v2, f2, c1, a1, v1, f1)
	}
	if _, ok := s2.CustomerByEmail("LATE@example.com"); !ok {
		t.Fatal("acknowledged customer lost")
	}
	if _, ok := s2.Customer(1); ok {
		t.Fatal("deleted customer came back")
	}
	if s2.st.attr(1).Name != "Renamed" {
		t.Fatal("attribute rename lost")
	}
	// New ids continue after the old ones.
	id, err := s2.CreateCustomerDirect(CustomerFields{Email: "next@example.com", FirstName: "N", LastName: "X"})
	if err != nil || id != ids[0]+1 {
		t.Fatalf("next id %d (%v), want %d", id, err, ids[0]+1)
	}
	c1, _, _, _ = s2.Counts()
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}

	// A clean restart after Close: one snapshot, journals compacted.
	s3, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	if c, _, _, _ := s3.Counts(); c != c1 {
		t.Fatalf("after restart %d customers, want %d", c, c1)
	}
	if len(journalGens(path)) > 2 {
		t.Errorf("journals not compacted: %v", journalGens(path))
	}
}

func TestPersistConcurrentWritesGroupCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	e := newEnv(t, Options{StatePath: path})
	start := time.Now()
	done := make(chan int, 8)
	for w := 0; w < 8; w++ {
		go func(w int) {
			n := 0
			for i := 0; i < 25; i++ {
				r := e.do("POST", "/customers", []any{cust(fmt.Sprintf("w%d-%d@example.com", w, i), "A", "B")})
				if r.status == 200 {
					n++
				}
			}
			done <- n
		}(w)
	}
	total := 0
	for w := 0; w < 8; w++ {
		total += <-done
	}
	t.Logf("200 durable POSTs from 8 writers in %v", time.Since(start))
	s2, err := New(Options{StoreHash: "abc123", Token: testToken, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	if c, _, _, _ := s2.Counts(); c != total || total != 200 {
		t.Fatalf("recovered %d of %d", c, total)
	}
	kill(s2)
}

// kill stops a server as SIGKILL would: no snapshot, files left as they are.
func kill(s *Server) {
	s.closed.Store(true)
	close(s.stop)
	s.wg.Wait()
	s.j.close()
}

// The configuration and the resources beside customers survive a crash
// (journal) and a restart (snapshot); Config cannot override a state.
func TestPersistConfigAndExtras(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	cfg := &StoreConfig{Channels: []Channel{{ID: 9, Name: "Pos", Type: "pos", Platform: "square"}},
		CustomerFields: []FormField{{Name: "Licence", FieldType: "text"}}}
	opts := Options{StoreHash: "abc123", Token: testToken, StatePath: path}
	withCfg := opts
	withCfg.Config = cfg
	s1, err := New(withCfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: s1}
	hs := newHTTP(t, s1)
	e.http, e.base = hs, hs.URL+"/stores/abc123/v3"
	e.want(e.at("/v2").do("POST", "/customer_groups", map[string]any{"name": "B2B"}), 200)
	id := e.createCustomers(merge(cust("p@example.com", "P", "P"), map[string]any{"customer_group_id": 1, "channel_ids": []int{9},
		"form_fields": []any{map[string]any{"name": "Licence", "value": "L-1"}}, "store_credit_amounts": []any{map[string]any{"amount": json.RawMessage("98765432109876.5432")}}}))[0]
	e.want(e.do("POST", "/customers/subscribers", map[string]any{"email": "p@example.com", "consents": []string{"marketing_newsletter"}}), 200)
	e.want(e.do("POST", "/customers/metafields", []any{map[string]any{"resource_id": id, "namespace": "n", "key": "k", "value": "v", "permission_set": "read"}}), 200)
	e.want(e.do("PUT", "/customers/"+itoa(id)+"/consent", map[string]any{"allow": []string{"essential"}, "deny": []string{"targeting"}}), 200)
	snapshot := func(e *env) string {
		var b strings.Builder
		for _, p := range []string{"/customers?include=storecredit,formfields", "/customers/subscribers", "/customers/metafields",
			"/customers/" + itoa(id) + "/consent", "/channels"} {
			r := e.do("GET", p, nil)
			b.WriteString(strings.ReplaceAll(string(r.raw), `"updated_at":"`+e.srv.now().UTC().Format(time.RFC3339)+`"`, ""))
		}
		b.Write(e.at("/v2").do("GET", "/customer_groups", nil).raw)
		b.WriteString(fmt.Sprint(e.srv.Config()))
		return b.String()
	}
	before := snapshot(e)
	kill(s1)
	for round := range 2 {
		s2, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		e2 := &env{t: t, srv: s2}
		hs2 := newHTTP(t, s2)
		e2.http, e2.base = hs2, hs2.URL+"/stores/abc123/v3"
		if after := snapshot(e2); after != before {
			t.Fatalf("round %d:\nbefore %s\nafter  %s", round, before, after)
		}
		if round == 0 { // after the journal replay, a snapshot for round 1
			if err := s2.Close(); err != nil {
				t.Fatal(err)
			}
		} else {
			s2.Close()
		}
	}
	if _, err := New(withCfg); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Config over an existing state: %v", err)
	}
}
