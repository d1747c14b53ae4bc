package vsandbox

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// createExport posts an export and returns its id.
func (e *env) createExport(body string) (string, resp) {
	e.t.Helper()
	r := e.do("POST", "/v1/exports", body)
	if r.status != http.StatusOK {
		e.t.Fatalf("create export %s: %d %s", body, r.status, r.raw)
	}
	return r.body["id"].(string), r
}

// waitDone polls Get Export until the export is DONE and returns its
// result URL and the number of polls.
func (e *env) waitDone(id string) (string, int) {
	e.t.Helper()
	for polls := 1; polls < 20; polls++ {
		r := e.do("GET", "/v1/exports/"+id, "")
		if r.status != 200 {
			e.t.Fatalf("get export: %d %s", r.status, r.raw)
		}
		switch r.body["status"] {
		case "DONE":
			return r.body["result"].(map[string]any)["url"].(string), polls
		case "IN_PROGRESS":
			if r.body["result"] != nil {
				e.t.Fatalf("IN_PROGRESS with a result: %s", r.raw)
			}
		default:
			e.t.Fatalf("export status %v: %s", r.body["status"], r.raw)
		}
	}
	e.t.Fatal("export never DONE")
	return "", 0
}

// download GETs a result URL as a client should: as given, no headers.
func (e *env) download(u string) resp {
	e.t.Helper()
	return e.doAuth("GET", u, "", "", "")
}

// The lifecycle: created SCHEDULED with result null; IN_PROGRESS for
// ExportPolls polls; then DONE with a result URL on the download host
// (not the API's path) holding a token, which alone authorises the
// download; listed; deleted, after which neither it nor its file exists.
func TestExportLifecycle(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(3, at("2024-01-01T00:00:00Z"))
	id, r := e.createExport(`{"exported_object":"customer"}`)
	if !strings.HasPrefix(id, "exp_") || len(id) != 28 || r.body["status"] != "SCHEDULED" || r.body["result"] != nil ||
		r.body["user_id"] != nil || r.body["channel"] != "API" || r.body["object"] != "export" {
		t.Fatalf("create: %s", r.raw)
	}
	if f := r.body["parameters"].(map[string]any)["fields"]; !slices.Equal(toStrings(f), []string{"name", "source_id"}) {
		t.Errorf("default fields: %v", f)
	}
	u, polls := e.waitDone(id)
	if polls != DefaultExportPolls+1 {
		t.Errorf("DONE after %d polls, want %d", polls, DefaultExportPolls+1)
	}
	pu, err := url.Parse(u)
	if err != nil || pu.Path != "/download/v1/exports/"+id || len(pu.Query().Get("token")) < 32 {
		t.Fatalf("result url %q", u)
	}
	if again, _ := e.waitDone(id); again != u {
		t.Errorf("result url changed: %q then %q", u, again)
	}
	d := e.download(u)
	if d.status != 200 || !strings.HasPrefix(d.header.Get("Content-Type"), "text/plain") ||
		!sameLines(string(d.raw), "\ufeffName,Source ID", "C 0,s0", "C 1,s1", "C 2,s2") {
		t.Errorf("download: %d %q", d.status, d.raw)
	}
	if l := e.do("GET", "/v1/exports", ""); l.num("total") != 1 || l.body["data_ref"] != "exports" {
		t.Errorf("list: %s", l.raw)
	}
	if r := e.do("DELETE", "/v1/exports/"+id, ""); r.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.status, r.raw)
	}
	e.do("GET", "/v1/exports/"+id, "").wantError(t, http.StatusNotFound, "not_found")
	e.do("DELETE", "/v1/exports/"+id, "").wantError(t, http.StatusNotFound, "not_found")
	if d := e.download(u); d.status != http.StatusUnauthorized {
		t.Errorf("download after delete: %d %s", d.status, d.raw)
	}
}

// The download's token must be the export's: a wrong one is refused even
// with the right headers; without a token the headers suffice (the
// document lists them for the download too); an export without a file is
// not found.
func TestExportDownloadAuth(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(1, at("2024-01-01T00:00:00Z"))
	id, _ := e.createExport(`{"exported_object":"customer","parameters":{"fields":["id"]}}`)
	path := "/download/v1/exports/" + id
	e.do("GET", path, "").wantError(t, http.StatusNotFound, "not_found") // no file yet
	u, _ := e.waitDone(id)
	if r := e.do("GET", path+"?token=wrong", ""); r.status != http.StatusUnauthorized {
		t.Errorf("wrong token with headers: %d", r.status)
	}
	if r := e.download(e.hs.URL + path); r.status != http.StatusUnauthorized {
		t.Errorf("no token, no headers: %d", r.status)
	}
	if r := e.do("GET", path, ""); r.status != 200 {
		t.Errorf("headers, no token: %d %s", r.status, r.raw)
	}
	other, _ := e.createExport(`{"exported_object":"customer"}`)
	e.waitDone(other)
	tok := strings.SplitN(u, "token=", 2)[1]
	if r := e.download(e.hs.URL + "/download/v1/exports/" + other + "?token=" + tok); r.status != http.StatusUnauthorized {
		t.Errorf("another export's token: %d", r.status)
	}
}

// Create Export refuses what the document does not allow, with the
// documented errors; only customer exports are emulated.
func TestExportRequestValidation(t *testing.T) {
	e := newEnv(t, Options{})
	for _, c := range []struct{ body, key, details string }{
		{`{"exported_object":"customers"}`, "invalid_payload",
			"Property .exported_object should be equal to one of the allowed values [ voucher, redemption, customer, publication, order, points_expiration ]"},
		{`{}`, "invalid_payload", "Property .exported_object is required"},
		{`not json`, "invalid_payload", ""},
		{`{"exported_object":"voucher"}`, "invalid_payload", ""},
		{`{"exported_object":"customer","parameters":{"fields":["name","first_name"]}}`, "invalid_export_fields",
			"Unsupported field used. Allowed fields: " + strings.Join(customerFields, ", ")},
		{`{"exported_object":"customer","parameters":{"order":"date"}}`, "invalid_payload", ""},
		{`{"exported_object":"customer","parameters":{"filters":{"summary.orders.total_amount":{"conditions":{"$more_than":[1]}}}}}`, "invalid_payload", ""},
		{`{"exported_object":"customer","parameters":{"filters":{"created_at":{"conditions":{"$is_days_ago":[3]}}}}}`, "invalid_payload", ""},
		{`{"exported_object":"customer","parameters":{"filters":{"email":{"conditions":{"$is":"a@b.c"}}}}}`, "invalid_payload", ""},
		{`{"exported_object":"customer","parameters":{"filters":{"junction":"xor"}}}`, "invalid_payload", ""},
	} {
		r := e.do("POST", "/v1/exports", c.body)
		r.wantError(t, http.StatusBadRequest, c.key)
		if c.details != "" && r.body["details"] != c.details {
			t.Errorf("%s: details %q", c.body, r.body["details"])
		}
		if c.key == "invalid_export_fields" && r.body["message"] != "Invalid Export" {
			t.Errorf("%s: message %q", c.body, r.body["message"])
		}
	}
}

// An export that fails ends in ERROR with no result and no file; with
// ExportPolls < 0 an export is DONE at the first poll; DownloadURL moves
// the result URLs to another host.
func TestExportErrorAndOptions(t *testing.T) {
	e := newEnv(t, Options{ExportPolls: -1, DownloadURL: "https://dl.example.test/"})
	e.seed(1, at("2024-01-01T00:00:00Z"))
	e.srv.FailExports(1)
	id, _ := e.createExport(`{"exported_object":"customer"}`)
	r := e.do("GET", "/v1/exports/"+id, "")
	if r.body["status"] != "ERROR" || r.body["result"] != nil {
		t.Errorf("failed export: %s", r.raw)
	}
	e.do("GET", "/download/v1/exports/"+id, "").wantError(t, http.StatusNotFound, "not_found")
	id, _ = e.createExport(`{"exported_object":"customer"}`)
	u, polls := e.waitDone(id)
	if polls != 1 || !strings.HasPrefix(u, "https://dl.example.test/v1/exports/"+id+"?token=") {
		t.Errorf("ExportPolls -1, DownloadURL: %d polls, %q", polls, u)
	}
}

// The file holds the project as it is when the export becomes DONE:
// customers created after the create are in it, those created after DONE
// are not (the file does not change).
func TestExportContentIsFixedWhenDone(t *testing.T) {
	e := newEnv(t, Options{CSV: CSVOptions{NoBOM: true, LF: true, Header: CSVHeaderFields}})
	e.seed(1, at("2024-01-01T00:00:00Z"))
	id, _ := e.createExport(`{"exported_object":"customer","parameters":{"fields":["source_id"],"order":"source_id"}}`)
	_, err := e.srv.CreateCustomer(Customer{SourceID: "s9", CreatedAt: at("2024-02-01T00:00:00Z")})
	must(t, err)
	u, _ := e.waitDone(id)
	_, err = e.srv.CreateCustomer(Customer{SourceID: "s5", CreatedAt: at("2024-03-01T00:00:00Z")})
	must(t, err)
	if d := e.download(u); string(d.raw) != "source_id\ns0\ns9\n" {
		t.Errorf("file: %q", d.raw)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// sameLines compares a CRLF file with lines in any order after the first.
func sameLines(got string, head string, rows ...string) bool {
	lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
	if len(lines) == 0 || lines[0] != head {
		return false
	}
	a, b := slices.Clone(lines[1:]), slices.Clone(rows)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
