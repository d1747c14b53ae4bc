package sandboxtest_test

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
)

// A randomised test's seed is its default unless BCETL_SEED sets it.
func TestSeed(t *testing.T) {
	t.Setenv(sandboxtest.SeedEnv, "")
	if got := sandboxtest.Seed(t, 7); got != 7 {
		t.Errorf("Seed(7) without %s = %d", sandboxtest.SeedEnv, got)
	}
	t.Setenv(sandboxtest.SeedEnv, "12345678901234567890")
	if got := sandboxtest.Seed(t, 7); got != 12345678901234567890 {
		t.Errorf("Seed with %s=12345678901234567890 = %d", sandboxtest.SeedEnv, got)
	}
}

// The store answers its client and raw requests at URL, Wrap sees every
// request first, and the defaults fill an empty hash and token.
func TestStart(t *testing.T) {
	var seen atomic.Int64
	st := sandboxtest.Start(t, sandbox.Options{}, sandboxtest.Wrap(func(srv *sandbox.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen.Add(1)
			srv.ServeHTTP(w, r)
		})
	}))
	if st.StoreHash != sandboxtest.StoreHash || st.Token != sandboxtest.Token {
		t.Fatalf("store %q token %q", st.StoreHash, st.Token)
	}
	if _, err := st.Server.CreateCustomerDirect(sandbox.CustomerFields{Email: "a@example.com", FirstName: "A", LastName: "B"}); err != nil {
		t.Fatal(err)
	}
	got, _, err := st.Client.Customers.List(t.Context(), nil)
	if err != nil || len(got) != 1 {
		t.Fatalf("List: %v, %v", got, err)
	}
	req, _ := http.NewRequest(http.MethodGet, st.URL+"/customers", nil)
	req.Header.Set("X-Auth-Token", st.Token)
	res, err := st.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || seen.Load() != 2 || st.Server.RequestCount() != 2 {
		t.Errorf("raw request: %d; Wrap saw %d requests, the sandbox %d", res.StatusCode, seen.Load(), st.Server.RequestCount())
	}
}
