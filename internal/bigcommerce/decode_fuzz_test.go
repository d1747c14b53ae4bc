package bigcommerce

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// FuzzFormValue: any JSON the API may send as a form field value decodes
// without panicking, and what decodes re-encodes to an equal value.
func FuzzFormValue(f *testing.F) {
	for _, s := range []string{`"blue"`, `12.345`, `["red","green"]`, `null`, `[]`, `-0`, `1e400`, `"\u00e9"`, `[1]`, `{}`, `tru`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v FormValue
		if err := json.Unmarshal(b, &v); err != nil {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("decoded %q but cannot encode it: %v", b, err)
		}
		var w FormValue
		if err := json.Unmarshal(out, &w); err != nil {
			t.Fatalf("re-decoding %q: %v", out, err)
		}
		if v.Kind != w.Kind || v.String != w.String || v.Number != w.Number || len(v.List) != len(w.List) {
			t.Fatalf("round trip changed %#v to %#v", v, w)
		}
	})
}

// FuzzDecodeCustomerPage: a response body of any shape never panics the
// decoder, and the error path (checkResponse) handles it too.
func FuzzDecodeCustomerPage(f *testing.F) {
	f.Add([]byte(`{"data":[{"id":1,"email":"a@b.co","addresses":[{"id":2,"form_fields":[{"name":"x","value":[ "a"]}]}],"attributes":[{"attribute_id":1,"attribute_value":"v"}]}],"meta":{"pagination":{"total":1},"cursor_pagination":{"end_cursor":"x"}}}`), 200)
	f.Add([]byte(`{"status":422,"title":"t","errors":{"a":"b"}}`), 422)
	f.Add([]byte(`<html>`), 502)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if status < 100 || status > 599 {
			return
		}
		r := newResponse(&http.Response{StatusCode: status, Header: http.Header{}}, body, time.Unix(0, 0))
		if err := checkResponse("GET /customers", r, func(s string) string { return Redact(s, "fuzz-secret") }); err != nil {
			_ = err.Error()
			return
		}
		var out []Customer
		_ = r.decode(&out)
		_ = r.NextCursor()
		_ = r.NextPage()
	})
}
