package pipelines

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/bcetl/bcetl/extract/store"
	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/staging"
	"github.com/bcetl/bcetl/load"
	"github.com/bcetl/bcetl/transform"
)

const (
	echoSourceToken = "src-t0ken-echoed-by-the-server"
	echoTargetToken = "dst-t0ken-echoed-by-the-server"
	echoURLPassword = "url-passw0rd-in-api-url"
)

// echoing wraps the real sandbox so that most answers are real, but every
// answer carries the request's X-Auth-Token in a header, and fail(r, body)
// may answer instead (with the token wherever it likes).
func echoing(t *testing.T, hash, token string, gen int, fail func(w http.ResponseWriter, r *http.Request, body []byte, tok string) bool) (*sandbox.Server, string) {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{StoreHash: hash, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if gen > 0 {
		srv.Generate(gen, 7)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("X-Auth-Token")
		w.Header().Set("X-Echo-Token", tok)
		body, _ := io.ReadAll(r.Body)
		if fail != nil && fail(w, r, body, tok) {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return srv, strings.Replace(hs.URL, "http://", "http://bcetl:"+echoURLPassword+"@", 1) + "/stores/" + hash + "/v3"
}

// A migration whose source and target echo their tokens into 422, 500 and
// 401 bodies, titles, field errors and headers, through a real extract and
// a real load.Run: no file written (state database bytes, results.parquet
// and every other Parquet file's values, summary, ledger, manifests) and
// no log line holds a token or the API URL's password.
func TestEchoedTokensReachNoFileAndNoLog(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	failed := map[string]bool{}
	once := func(what string) bool {
		mu.Lock()
		defer mu.Unlock()
		if failed[what] {
			return false
		}
		failed[what] = true
		return true
	}
	// The source: the first page of customers and of attributes is a 500
	// (retried: GETs are idempotent) with the token in its body.
	_, srcURL := echoing(t, "src", echoSourceToken, 40, func(w http.ResponseWriter, r *http.Request, _ []byte, tok string) bool {
		if r.Method == http.MethodGet && (strings.HasSuffix(r.URL.Path, "/customers") || strings.HasSuffix(r.URL.Path, "/attributes")) && once(r.URL.Path) {
			w.WriteHeader(500)
			fmt.Fprintf(w, "upstream said: token %s is fine but we are not", tok)
			return true
		}
		return false
	})
	src, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: srcURL, Token: echoSourceToken},
		bigcommerce.WithRetryPolicy(bigcommerce.RetryPolicy{MaxRetries: 3, MaxRateLimitRetries: 3}))
	if err != nil {
		t.Fatal(err)
	}
	// The target refuses the first customer it is sent, wherever it is
	// sent again, with a 422 that names it and echoes the token; the first
	// batch without it gets a 500 (an unknown outcome: reconciled, resent).
	var refused string
	dstSrv, dstURL := echoing(t, "dst", echoTargetToken, 0, func(w http.ResponseWriter, r *http.Request, body []byte, tok string) bool {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/customers") {
			return false
		}
		var batch []struct {
			Email string `json:"email"`
		}
		json.Unmarshal(body, &batch)
		mu.Lock()
		if refused == "" && len(batch) > 0 {
			refused = batch[0].Email
		}
		first := refused
		mu.Unlock()
		for i, c := range batch {
			if strings.EqualFold(c.Email, first) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(422)
				json.NewEncoder(w).Encode(map[string]any{"status": 422, "title": "The token " + tok + " may not create this",
					"type": "https://example.com/" + tok, "errors": map[string]string{fmt.Sprintf("[%d].email", i): "refused for " + tok}})
				return true
			}
		}
		if once("unknown") {
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"status":500,"title":"crashed holding %s"}`, tok)
			return true
		}
		return false
	})
	dst, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: dstURL, Token: echoTargetToken})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	work := t.TempDir()
	res, err := Migrate(ctx, MigrateOptions{From: store.Scheme, Source: src, SourceStoreHash: "src", Work: work, Target: dst,
		Transform: transform.Options{CustomerSurvivor: transform.SurvivorNewest}, Options: accounting.Options{Log: log}})
	if err != nil {
		t.Fatal(err)
	}
	// The echoes were exercised: one customer refused with the API's
	// (scrubbed) words, the unknown one loaded once, the retries made.
	results, err := staging.ReadAll[load.Result](res.ResultsPath)
	if err != nil {
		t.Fatal(err)
	}
	var sawRefusal bool
	for _, r := range results {
		if r.Entity == staging.EntityCustomers && r.Status == "rejected" && strings.Contains(r.Message, "refused for ") {
			sawRefusal = true
		}
	}
	if !sawRefusal || !failed["unknown"] || len(failed) != 3 || src.Stats().Retries.Load() < 2 {
		t.Fatalf("the echoes were not all exercised: refusal %v, failures %v, source retries %d", sawRefusal, failed, src.Stats().Retries.Load())
	}
	if n, _, _, _ := dstSrv.Counts(); n == 0 {
		t.Fatal("nothing loaded")
	}

	// A second target that refuses the token outright: the run fails,
	// and its error names the 401 without the token.
	_, badURL := echoing(t, "bad", echoTargetToken, 0, func(w http.ResponseWriter, r *http.Request, _ []byte, tok string) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		fmt.Fprintf(w, `{"status":401,"title":"%s is not a valid token","errors":{"%s":"unknown"}}`, tok, tok)
		return true
	})
	bad, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: badURL, Token: echoTargetToken})
	if err != nil {
		t.Fatal(err)
	}
	work2 := t.TempDir()
	_, err = Migrate(ctx, MigrateOptions{From: "parquet:" + filepath.Join(work, TransformDir), Work: work2, Target: bad, Options: accounting.Options{Log: log}})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("want the 401, got %v", err)
	}
	log.Error("failed", "err", err)

	secrets := []string{echoSourceToken, echoTargetToken, echoURLPassword}
	for _, dir := range []string{work, work2} {
		files := 0
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			files++
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			text := string(b)
			if strings.HasSuffix(path, ".parquet") {
				text += parquetValues(t, path) // the raw bytes are compressed
			}
			for _, s := range secrets {
				if strings.Contains(text, s) {
					t.Errorf("%s holds %q", path, s)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if files < 10 {
			t.Fatalf("%s: only %d files", dir, files)
		}
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log holds %q", s)
		}
	}
	for _, p := range []string{filepath.Join(work, ExtractDir, staging.ManifestFile), filepath.Join(work, StateFile)} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("not written: %v", err)
		}
	}
}

// parquetValues is every value of a Parquet file as text.
func parquetValues(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var sb strings.Builder
	buf := make([]parquet.Row, 64)
	for _, rg := range pf.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			for _, r := range buf[:n] {
				for _, v := range r {
					sb.WriteString(v.String())
					sb.WriteByte('\n')
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		rows.Close()
	}
	return sb.String()
}
