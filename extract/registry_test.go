package extract_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bcetl/bcetl/extract"
	_ "github.com/bcetl/bcetl/extract/all"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// What a source declares it needs is all Open checks: a spec or an option
// the source does not take is a UsageError naming it, before any I/O.
func TestOpenRefusesWhatTheSourceDoesNotTake(t *testing.T) {
	c, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: "http://127.0.0.1:1/stores/h/v3", StoreHash: "h", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		spec string
		o    extract.Options
		want string
	}{
		{"xml:f.xml", extract.Options{}, `unknown kind "xml" (want bigcommerce, voucherify-api or KIND:PATH with KIND one of csv, parquet, shopify-csv, `},
		{"f.json", extract.Options{}, "want bigcommerce, voucherify-api or KIND:PATH"},
		{"bigcommerce:x", extract.Options{Store: c}, "bigcommerce takes no path"},
		{"csv:", extract.Options{Mapping: "m.json"}, "want csv:PATH"},
		{"csv:f.csv", extract.Options{}, "a csv: source needs --mapping FILE"},
		{"voucherify:f.json", extract.Options{Mapping: "m.json"}, "--mapping applies to csv: sources only"},
		{"shopify-csv:f.csv", extract.Options{StatePath: "s.json"}, "--state and --since apply to a source with a watermark (bigcommerce, voucherify-api)"},
		{"csv:f.csv", extract.Options{Mapping: "m.json", APIURL: "https://us1.api.voucherify.io"}, "an API URL applies to voucherify-api only"},
		{"parquet:d", extract.Options{Since: &since}, "--state and --since apply"},
		{"voucherify:f.json", extract.Options{IDs: []int64{1}}, "applies to bigcommerce only"},
		{"voucherify:f.json", extract.Options{Entities: []string{staging.EntityCustomers}}, "--entities applies to bigcommerce, not to --from voucherify:f.json"},
		{"bigcommerce", extract.Options{Store: c, Entities: []string{"orders"}}, `--entities: unknown entity "orders"`},
		{"bigcommerce", extract.Options{}, "no store client"},
	} {
		_, err := extract.Open(tc.spec, tc.o)
		var ue *extract.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%q, %+v) = %v, want a UsageError with %q", tc.spec, tc.o, err, tc.want)
		}
	}
	if _, err := extract.Open("bigcommerce", extract.Options{Store: c, Since: &since, Entities: []string{staging.EntityCustomers}}); err != nil {
		t.Errorf("a store with --since and --entities: %v", err)
	}
}

// --help lists every registered source with its summary, in the form it
// is written after --from.
func TestHelpListsEveryRegisteredSource(t *testing.T) {
	var schemes []string
	for _, r := range extract.Registered() {
		if !strings.HasPrefix(r.Scheme, "test-") { // this file's
			schemes = append(schemes, r.Scheme)
		}
		if !strings.Contains(extract.Help(), r.Spec()) || !strings.Contains(extract.Help(), r.Summary) || r.Summary == "" {
			t.Errorf("help lacks %s (%q):\n%s", r.Spec(), r.Summary, extract.Help())
		}
	}
	if got := strings.Join(schemes, " "); got != "bigcommerce csv parquet shopify-csv voucherify voucherify-api voucherify-csv" {
		t.Errorf("registered %s", got)
	}
	if got := extract.Specs(); !strings.HasPrefix(got, "bigcommerce, csv:PATH, parquet:DIR, shopify-csv:PATH, ") || !strings.HasSuffix(got, ", voucherify:PATH, voucherify-api, voucherify-csv:PATH") {
		t.Errorf("specs %q", got)
	}
}

// A source registered anywhere is opened by its scheme and written through
// the one sink and manifest builder: its kind and path, its declared input
// hashed as it was read with the records counted, the entity files and
// rejects, attribute definitions from the values.
func TestARegisteredSourceNeedsNothingElse(t *testing.T) {
	in := filepath.Join(t.TempDir(), "people.txt")
	body := "ann@example.com\n\nbo@example.com\nann@example.com\n"
	if err := os.WriteFile(in, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	job, err := extract.Open("test-lines:"+in, extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	m, err := job.Extract(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	if m.Source.Kind != "test-lines" || m.Source.Path != in || m.Inputs["people.txt"] != (staging.FileStats{Rows: 4, Bytes: int64(len(body)), SHA256: hex.EncodeToString(sum[:])}) {
		t.Errorf("manifest source %+v inputs %+v", m.Source, m.Inputs)
	}
	if err := m.Verify(out); err != nil || len(m.Entities) != len(staging.Entities) {
		t.Errorf("manifest entities %+v: %v", m.Entities, err)
	}
	if m.Entities[staging.EntityCustomers].Rows != 2 || m.Entities[staging.EntityAttributes].Rows != 1 || m.Entities[staging.EntityAttributeValues].Rows != 2 {
		t.Errorf("rows %+v", m.Entities)
	}
	rejects, err := staging.ReadAll[staging.Reject](filepath.Join(out, staging.RejectsFile))
	if err != nil || len(rejects) != 1 || rejects[0].Rule != "duplicate-source-key" || rejects[0].Stage != "extract" {
		t.Errorf("rejects %+v, %v", rejects, err)
	}

	job, err = extract.Open("test-unread:"+in, extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(t.TempDir(), "out")
	if _, err := job.Extract(context.Background(), out); err == nil || !strings.Contains(err.Error(), "did not read its input") {
		t.Errorf("a declared input never read: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, staging.ManifestFile)); !os.IsNotExist(err) {
		t.Errorf("a manifest was written: %v", err)
	}
}

func init() {
	extract.Register(&extract.Registration{Scheme: "test-lines", Location: "PATH", Summary: "one customer per line (a test)",
		New: func(path string, _ extract.Options) (extract.Source, error) { return lines(path), nil }})
	extract.Register(&extract.Registration{Scheme: "test-unread", Location: "PATH", Summary: "declares an input it never reads (a test)",
		New: func(path string, _ extract.Options) (extract.Source, error) { return unread(path), nil }})
}

// lines reads one customer per non-empty line, keyed by its text.
type lines string

func (l lines) Describe() extract.Description {
	return extract.FileDescription("test-lines", string(l))
}

func (l lines) Read(_ context.Context, s *extract.Sink) (extract.Report, error) {
	in, err := s.Open(string(l))
	if err != nil {
		return extract.Report{}, err
	}
	defer in.Close()
	sc := bufio.NewScanner(in)
	for n := 1; sc.Scan(); n++ {
		in.Records++
		if sc.Text() == "" {
			continue
		}
		r := &extract.Record{Customer: staging.Customer{SourceKey: sc.Text(), Email: sc.Text()}}
		r.AddAttribute("line", "number", fmt.Sprint(n))
		if err := s.Add(r, fmt.Sprintf("line %d", n)); err != nil {
			return extract.Report{}, err
		}
	}
	return extract.Report{}, sc.Err()
}

// unread declares its file and reads nothing.
type unread string

func (u unread) Describe() extract.Description {
	return extract.FileDescription("test-unread", string(u))
}

func (unread) Read(context.Context, *extract.Sink) (extract.Report, error) {
	return extract.Report{}, nil
}
