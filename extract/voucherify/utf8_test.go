package voucherify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bcetl/bcetl/extract/internal/sourcetest"
)

// A Voucherify record with bytes that are not UTF-8 is a reject (rule
// utf8, naming the field), not a customer whose name encoding/json
// silently turned into U+FFFD; the other records load, and every file
// written reads as valid UTF-8.
func TestVoucherifyInvalidUTF8IsRejected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "latin1.ndjson")
	data := `{"source_id":"ok","name":"Ann Lee","email":"ann@example.com"}` + "\n" +
		"{\"source_id\":\"bad\",\"name\":\"J\xfcrgen Stra\xdfe\",\"email\":\"j@example.com\",\"address\":{\"city\":\"K\xf6ln\",\"country\":\"DE\"}}\n" +
		`{"source_id":"ok2","name":"Bo Li","email":"bo@example.com"}` + "\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	x := sourcetest.MustExtract(t, "voucherify:"+path, "")
	sourcetest.AssertValidUTF8(t, x.Dir)
	if len(x.Customers) != 2 || len(x.Addresses) != 0 {
		t.Fatalf("%d customers, %d addresses; want the two good records only: %+v", len(x.Customers), len(x.Addresses), x.Customers)
	}
	for _, c := range x.Customers {
		if strings.ContainsRune(c.FirstName+c.LastName, utf8.RuneError) {
			t.Errorf("customer %s has a name with U+FFFD: %q %q", c.SourceKey, c.FirstName, c.LastName)
		}
	}
	if len(x.Rejects) != 1 {
		t.Fatalf("rejects %+v, want one", x.Rejects)
	}
	r := x.Rejects[0]
	if r.Rule != "utf8" || r.SourceKey != "voucherify:bad" || r.Field != "address" && r.Field != "name" ||
		!strings.Contains(r.Message, "not valid UTF-8") || !strings.Contains(r.Value, `J\xfcrgen`) {
		t.Errorf("reject %+v, want rule utf8 for voucherify:bad naming its field, the bytes escaped", r)
	}
}
