package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The other value of each fidelity option: the sandbox's earlier answers,
// for tests that still rely on them (recorded_test.go has the defaults).

func TestOptionErrorKeysBracketed(t *testing.T) {
	e := newEnv(t, Options{ErrorKeys: ErrorKeysBracketed})
	ids := e.createCustomers(cust("a@example.com", "A", "A"))
	errs := e.wantError(e.do("POST", "/customers", []any{
		merge(cust("b@example.com", "B", "B"), map[string]any{"addresses": []any{usAddress(nil), usAddress(map[string]any{"state_or_province": "CA"})}}),
		cust("not-an-email", "C", "C"),
		cust("A@example.com", "D", "D"), // in use: an item error beside the others
	}), 422)
	for _, k := range []string{"[0].addresses[1].state_or_province", "[1].email", "[2].email"} {
		if errs[k] == nil {
			t.Errorf("errors lack %q: %v", k, errs)
		}
	}
	e.wantBody(e.do("PUT", "/customers", []any{map[string]any{"id": 999, "notes": "x"}}), 422, "Update customers failed.",
		map[string]string{"[0].id": "customer 999 does not exist"})
	e.wantBody(e.do("PUT", "/customers", []any{map[string]any{"id": ids[0], "notes": "x"}, map[string]any{"notes": "y"}}), 422,
		"Update customers failed.", map[string]string{"[1].id": "is required"})
	e.wantBody(e.do("GET", "/customers?foo=1", nil), 422, "The filter parameter was not valid.", map[string]string{"foo": "unknown query parameter"})
	errs = e.wantError(e.do("GET", "/customers?id:in=hello", nil), 422)
	if errs["id:in"] == nil || len(errs) != 1 {
		t.Errorf("id:in=hello: %v", errs)
	}
}

func TestOptionShapesDocumented(t *testing.T) {
	e := newEnv(t, Options{Shapes: ShapesDocumented})
	post := e.do("POST", "/customers", []any{cust("a@example.com", "A", "A"),
		merge(cust("b@example.com", "B", "B"), map[string]any{"channel_ids": []int{1}})})
	e.want(post, 200)
	if !strings.Contains(string(post.raw), `"store_credit_amounts":[]`) || strings.Count(string(post.raw), `"channel_ids"`) != 1 {
		t.Errorf("write answer: %s", post.raw)
	}
	r := e.do("GET", "/customers", nil)
	e.want(r, 200)
	a, b := r.data()[0].(map[string]any), r.data()[1].(map[string]any)
	if _, ok := a["channel_ids"]; ok {
		t.Errorf("channel_ids sent for a customer of all channels: %v", a)
	}
	if fmt.Sprint(b["channel_ids"]) != "[1]" {
		t.Errorf("channel_ids %v", b["channel_ids"])
	}
	if _, ok := a["store_credit_amounts"]; ok {
		t.Errorf("store_credit_amounts without include=storecredit: %v", a)
	}
	if r.meta()["pagination"].(map[string]any)["links"] == nil {
		t.Errorf("no pagination links: %v", r.meta())
	}
	r = e.do("GET", "/customers?include=storecredit", nil)
	if !strings.Contains(string(r.raw), `"store_credit_amounts":[]`) {
		t.Errorf("include=storecredit: %s", r.raw)
	}
}

func TestOptionSendCounts(t *testing.T) {
	e := newEnv(t, Options{SendCounts: true})
	r := e.do("POST", "/customers", []any{merge(cust("a@example.com", "A", "A"), map[string]any{"addresses": []any{usAddress(nil), usAddress(map[string]any{"city": "Dallas"})}}),
		cust("b@example.com", "B", "B")})
	e.want(r, 200)
	for _, rr := range []resp{r, e.do("GET", "/customers", nil), e.do("GET", "/customers?include=addresses", nil)} {
		a, b := rr.data()[0].(map[string]any), rr.data()[1].(map[string]any)
		if a["address_count"] != json.Number("2") || a["attribute_count"] != json.Number("0") || b["address_count"] != json.Number("0") {
			t.Errorf("counts: %s", rr.raw)
		}
	}
}

func TestOptionDateBoundsInclusive(t *testing.T) {
	e := newEnv(t, Options{DateBounds: DateBoundsInclusive}) // clock: 2026-03-01T12:00:00Z
	var made []int64
	for _, s := range []string{"2024-05-14T00:00:00Z", "2024-05-14T09:34:00Z", "2024-05-15T00:00:00Z"} {
		tm, _ := time.Parse(time.RFC3339, s)
		id, err := e.srv.CreateCustomerDirect(CustomerFields{Email: s + "@example.com", FirstName: "A", LastName: "B", DateCreated: tm})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, id)
	}
	for q, want := range map[string][]int64{
		"date_created:min=2024-05-14T09:34:00Z":                   made[1:],
		"date_created:max=2024-05-14T09:34:00Z":                   made[:2],
		"date_created:max=2024-05-14":                             made[:1], // midnight, not the time of day
		"date_created:min=2024-05-14&date_created:max=2024-05-15": made,
		"date_modified:min=2024-05-15":                            made[2:],
	} {
		r := e.do("GET", "/customers?"+q, nil)
		e.want(r, 200)
		if fmt.Sprint(ids(r)) != fmt.Sprint(want) {
			t.Errorf("%s: got %v want %v", q, ids(r), want)
		}
	}
	e.want(e.do("POST", "/customers/attributes", []any{map[string]any{"name": "Tier", "type": "string"}}), 200)
	for _, q := range []string{"date_created:min=2026-03-01T12:00:00Z", "date_modified:max=2026-03-01T12:00:00Z"} {
		if r := e.do("GET", "/customers/attributes?"+q, nil); len(r.data()) != 1 {
			t.Errorf("attributes?%s: %s", q, r.raw)
		}
	}
}

func TestOptionMaxURLBytes(t *testing.T) {
	e := newEnv(t, Options{MaxURLBytes: 100})
	e.want(e.do("GET", e.uriOf(100), nil), 200)
	r := e.do("GET", e.uriOf(101), nil)
	e.want(r, http.StatusRequestURITooLong)
	if s := e.srv.Stats(); s.URITooLong != 1 || s.Requests != 2 {
		t.Errorf("stats %+v", s)
	}
	// No limit.
	e = newEnv(t, Options{MaxURLBytes: -1})
	e.want(e.do("GET", e.uriOf(64<<10), nil), 200)
}

func TestOptionValuesAreChecked(t *testing.T) {
	for _, o := range []Options{{ErrorKeys: "Recorded"}, {Shapes: "sparse"}, {DateBounds: "open"}} {
		o.StoreHash, o.Token = "h", "t"
		if _, err := New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
