package bigcommerce

import (
	stdjson "encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/bcetl/bcetl/internal/sandbox"
)

// TestCodecMatchesEncodingJSON: the client's codec (json.go) decodes what
// the API may send as encoding/json does — the same values, and an error
// for the same bodies — and Response.decode hands out nothing of a body
// it could not decode.
func TestCodecMatchesEncodingJSON(t *testing.T) {
	for _, body := range []string{
		"{\"data\":[{\"id\":1,\"email\":\"a\xffb@x\",\"first_name\":\"\\ud800x\",\"store_credit_amounts\":[{\"amount\":12.3400}],\"date_created\":\"2021-03-31T07:56:54Z\"," +
			"\"form_fields\":[{\"name\":\"n\",\"value\":[\"a\",\"b\"]},{\"name\":\"m\",\"value\":1e400},{\"name\":\"o\",\"value\":null},{\"name\":\"p\",\"value\":\"\\u00e9\\\"\"}]}],\"meta\":{}}",
		`{"data":[{"ID":5,"EMAIL":"x","Addresses":[{"ID":2,"CITY":"c"}]}]}`, // keys match without regard to case
		`{"data":[{"id":1,"id":2,"email":"a","email":"b"}]}`,                // the last duplicate wins
		`{"data":[{"id":5,"store_credit_amounts":[{"amount":"12"}]}]}`,
		`{"data":null,"meta":{"pagination":{"total":3}}}`,
		`{"meta":{"cursor_pagination":{"count":1,"per_page":1,"end_cursor":"x"}}}`,
		`{"data":[],"extra":{"deep":[1,2,{"x":null}]}}`,
		`{"data":[{"id":1e3}]}`,
		`{"data":[{"id":99999999999999999999}]}`,
		`{"data":[{"id":1,"date_created":"bad"}]}`,
		`{"data":[{"id":1}],"meta":{"pagination":{"total":"x"}}}`,
		`{"data":[{"id":1,"addresses":[{"id":2,"form_fields":[{"name":"x","value":{}}]}]}]}`,
		`{"data":[{"id":1}]} trailing`,
		"{\"data\":[{\"id\":1,\"email\":\"a\tb\"}]}", // a control character in a string
		`{"data":[{"id":1,}]}`,
		`{"data":[{"id":1`,
		`[]`,
	} {
		var want []Customer
		var wantMeta Meta
		wantErr := stdjson.Unmarshal([]byte(body), &struct {
			Data *[]Customer `json:"data"`
			Meta *Meta       `json:"meta"`
		}{&want, &wantMeta})
		r := &Response{body: []byte(body)}
		got := []Customer{{ID: 42}} // a decode error must not leave this nor half a page
		err := r.decode(&got)
		if (err == nil) != (wantErr == nil) {
			t.Errorf("%q: error %v, encoding/json's %v", body, err, wantErr)
			continue
		}
		if err != nil {
			if got != nil {
				t.Errorf("%q: a failed decode left %+v", body, got)
			}
			continue
		}
		if want == nil && body != `{"data":[],"extra":{"deep":[1,2,{"x":null}]}}` {
			want = []Customer{{ID: 42}} // data null or absent: out untouched
		}
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(r.Meta, wantMeta) {
			t.Errorf("%q:\n got  %+v %+v\n want %+v %+v", body, got, r.Meta, want, wantMeta)
		}
	}
	// Request bodies: the same JSON as encoding/json writes.
	in := []CustomerCreate{{Email: "a<b>&c@x", FirstName: "é\u2028", StoreCreditAmounts: []StoreCreditAmount{{Amount: "0.1000"}},
		FormFields: []FormField{{Name: "n", Value: NumberValue("12345678901234567890")}, {Name: "l", Value: ListValue(nil)}}}}
	a, err := marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := stdjson.Marshal(in)
	if string(a) != string(b) {
		t.Errorf("request body\n got  %s\n want %s", a, b)
	}
}

// customerPageBody is one page of 250 generated customers with every
// sub-resource embedded, as the sandbox serves it.
func customerPageBody(b testing.TB) []byte {
	srv, err := sandbox.New(sandbox.Options{StoreHash: "h", Token: "t", Quota: 0})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	srv.Generate(1000, 1)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/stores/h/v3/customers?limit=250&include=addresses,attributes,formfields,storecredit", nil)
	req.Header.Set("X-Auth-Token", "t")
	resp, err := hs.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("%d %v", resp.StatusCode, err)
	}
	return body
}

// BenchmarkDecodeCustomerPage decodes a page of 250 customers with every
// sub-resource, the extract's hot path, with the client's codec and, for
// comparison, with encoding/json the way the client decoded before (the
// envelope first, data as a RawMessage, then data).
//
//	go test -run '^$' -bench DecodeCustomerPage ./internal/bigcommerce/
func BenchmarkDecodeCustomerPage(b *testing.B) {
	body := customerPageBody(b)
	b.Run("client", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var out []Customer
			r := &Response{body: body}
			if err := r.decode(&out); err != nil || len(out) != 250 {
				b.Fatal(len(out), err)
			}
		}
	})
	b.Run("encoding-json-two-pass", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var env struct {
				Data stdjson.RawMessage `json:"data"`
				Meta Meta               `json:"meta"`
			}
			var out []Customer
			if err := stdjson.Unmarshal(body, &env); err != nil {
				b.Fatal(err)
			}
			if err := stdjson.Unmarshal(env.Data, &out); err != nil || len(out) != 250 {
				b.Fatal(len(out), err)
			}
		}
	})
}
