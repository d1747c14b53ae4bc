package sandbox

import (
	"strings"
	"testing"
	"time"
)

func TestGeographyV2(t *testing.T) {
	e := newEnv(t, Options{})
	v2 := e.at("/v2")
	r := v2.do("GET", "/countries?country_iso2=de", nil)
	e.want(r, 200)
	l := mustJSON(t, r.raw)
	if len(l) != 1 || l[0].(map[string]any)["country_iso3"] != "DEU" || l[0].(map[string]any)["country"] != "Germany" {
		t.Fatalf("country: %s", r.raw)
	}
	de := num(l[0].(map[string]any)["id"])
	states := mustJSON(t, v2.do("GET", "/countries/"+itoa(de)+"/states?limit=250", nil).raw)
	if len(states) != 16 || states[1].(map[string]any)["state"] != "Bayern" || states[1].(map[string]any)["state_abbreviation"] != "BY" {
		t.Fatalf("states: %v", states)
	}
	if r := mustJSON(t, v2.do("GET", "/countries?limit=200&page=2", nil).raw); len(r) != 49 {
		t.Errorf("page 2 of 200: %d countries", len(r))
	}
	first := mustJSON(t, v2.do("GET", "/countries?limit=1", nil).raw)[0].(map[string]any)
	if first["country"] != "Afghanistan" || num(first["id"]) != 1 || !strings.HasSuffix(first["states"].(map[string]any)["url"].(string), "/stores/abc123/v2/countries/1/states") {
		t.Errorf("first country: %v", first)
	}
	if r := v2.do("GET", "/countries/"+itoa(de)+"/states/"+itoa(num(states[1].(map[string]any)["id"])), nil); !strings.Contains(string(r.raw), "Bayern") {
		t.Errorf("one state: %s", r.raw)
	}
	gb := num(mustJSON(t, v2.do("GET", "/countries?country_iso2=GB", nil).raw)[0].(map[string]any)["id"])
	if r := v2.do("GET", "/countries/"+itoa(gb)+"/states", nil); string(r.raw) != "[]" {
		t.Errorf("a country without states: %s", r.raw)
	}
	e.want(v2.do("GET", "/countries/9999", nil), 404)
	if r := v2.do("GET", "/countries/count", nil); string(r.raw) != `{"count":249}` {
		t.Errorf("count: %s", r.raw)
	}
	if r := v2.do("GET", "/countries/states/count", nil); string(r.raw) != `{"count":`+itoa(len(stateRows))+`}` {
		t.Errorf("states count: %s", r.raw)
	}
}

func TestSubscribers(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.do("POST", "/customers/subscribers", map[string]any{"email": "Ann@example.com", "first_name": "Ann", "source": "storefront",
		"consents": []string{"marketing_newsletter", "abandoned_cart"}})
	e.want(r, 200)
	sub := r.body["data"].(map[string]any)
	id := num(sub["id"])
	if sub["order_id"] != nil || num(sub["channel_id"]) != 1 || len(sub["consents"].([]any)) != 2 {
		t.Fatalf("created: %s", r.raw)
	}
	// Without consents a subscriber has none.
	r = e.do("POST", "/customers/subscribers", map[string]any{"email": "bob@example.com"})
	e.want(r, 200)
	if !strings.Contains(string(r.raw), `"consents":[]`) || !strings.Contains(string(r.raw), `"source":"custom"`) {
		t.Errorf("defaults: %s", r.raw)
	}
	e.wantError(e.do("POST", "/customers/subscribers", map[string]any{"email": "ann@EXAMPLE.com"}), 409)
	for _, bad := range []map[string]any{{"first_name": "no email"}, {"email": "not-an-email"}, {"email": "c@example.com", "source": "import"},
		{"email": "c@example.com", "consents": []string{"sms"}}, {"email": "c@example.com", "channel_id": 664179}, {"email": "c@example.com", "id": 5}} {
		e.wantError(e.do("POST", "/customers/subscribers", bad), 422)
	}
	// Update by email: find the id, PUT it.
	r = e.do("GET", "/customers/subscribers?email=ANN@example.com", nil)
	if len(r.data()) != 1 || num(r.data()[0].(map[string]any)["id"]) != id {
		t.Fatalf("by email: %s", r.raw)
	}
	e.clock.Advance(time.Hour)
	r = e.do("PUT", "/customers/subscribers/"+itoa(id), map[string]any{"consents": []string{}, "last_name": "Lee"})
	e.want(r, 200)
	if d := r.body["data"].(map[string]any); d["last_name"] != "Lee" || d["first_name"] != "Ann" || len(d["consents"].([]any)) != 0 || d["date_modified"] == d["date_created"] {
		t.Errorf("updated: %s", r.raw)
	}
	e.wantError(e.do("PUT", "/customers/subscribers/"+itoa(id), map[string]any{"email": "bob@example.com"}), 409)
	e.wantError(e.do("PUT", "/customers/subscribers/999", map[string]any{"last_name": "X"}), 404)
	e.wantError(e.do("GET", "/customers/subscribers/999", nil), 404)
	// DELETE with a filter deletes those; without one, every subscriber.
	e.want(e.do("DELETE", "/customers/subscribers?email=bob@example.com", nil), 204)
	if r := e.do("GET", "/customers/subscribers", nil); len(r.data()) != 1 {
		t.Fatalf("after a filtered delete: %s", r.raw)
	}
	e.want(e.do("DELETE", "/customers/subscribers", nil), 204)
	if r := e.do("GET", "/customers/subscribers", nil); len(r.data()) != 0 {
		t.Fatalf("after an unfiltered delete: %s", r.raw)
	}
}

func TestConsent(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.createCustomers(cust("c@example.com", "C", "C"))[0]
	path := "/customers/" + itoa(id) + "/consent"
	r := e.do("GET", path, nil)
	e.want(r, 200)
	if !strings.Contains(string(r.raw), `"allow":[],"deny":[]`) {
		t.Fatalf("undeclared: %s", r.raw)
	}
	r = e.do("PUT", path, map[string]any{"allow": []string{"essential", "analytics"}, "deny": []string{"targeting"}})
	e.want(r, 200)
	e.clock.Advance(time.Hour)
	r = e.do("GET", path, nil)
	// updated_at is the time of the call, not of the change.
	if !strings.Contains(string(r.raw), `"allow":["essential","analytics"],"deny":["targeting"],"updated_at":"2026-03-01T13:00:00Z"`) {
		t.Errorf("declared: %s", r.raw)
	}
	for _, bad := range []map[string]any{{"deny": []string{"essential"}}, {"allow": []string{"analytics"}, "deny": []string{"analytics"}},
		{"allow": []string{"cookies"}}, {"allow": []string{"analytics", "analytics"}}, {"accept": []string{}}} {
		e.wantError(e.do("PUT", path, bad), 422)
	}
	e.wantError(e.do("GET", "/customers/999/consent", nil), 404)
	e.wantError(e.do("PUT", "/customers/999/consent", map[string]any{}), 404)
	if c, _ := e.srv.Customer(id); !c.DateModified.Equal(c.DateCreated) {
		t.Errorf("consent changed date_modified: %+v", c)
	}
}

func TestCustomerMetafields(t *testing.T) {
	e := newEnv(t, Options{})
	ids := e.createCustomers(cust("a@example.com", "A", "A"), cust("b@example.com", "B", "B"))
	mf := func(cid int64, ns, key string) map[string]any {
		return map[string]any{"resource_id": cid, "namespace": ns, "key": key, "value": "v-" + key, "permission_set": "read"}
	}
	// The batch succeeds item by item: the good items are written, the
	// bad ones answered in errors, 422.
	r := e.do("POST", "/customers/metafields", []any{mf(ids[0], "crm", "tier"), mf(ids[0], "crm", "tier"), mf(999, "crm", "x"),
		map[string]any{"resource_id": ids[1], "namespace": "crm", "key": strings.Repeat("k", 65), "value": "v", "permission_set": "read"},
		mf(ids[1], "crm", "tier")})
	e.want(r, 422)
	if len(r.data()) != 2 || num(r.meta()["total"]) != 5 || num(r.meta()["success"]) != 2 || num(r.meta()["failed"]) != 3 {
		t.Fatalf("partial success: %s", r.raw)
	}
	errs := r.body["errors"].([]any)
	if num(errs[0].(map[string]any)["status"]) != 409 || errs[0].(map[string]any)["errors"].(map[string]any)["1.key"] == nil ||
		errs[1].(map[string]any)["errors"].(map[string]any)["2.resource_id"] == nil || errs[2].(map[string]any)["errors"].(map[string]any)["3.key"] == nil {
		t.Errorf("item errors: %s", r.raw)
	}
	first := num(r.data()[0].(map[string]any)["id"])
	// Uniqueness is per customer: the same key on customer B was fine.
	r = e.do("GET", "/customers/metafields?key=tier", nil)
	if len(r.data()) != 2 || r.data()[0].(map[string]any)["resource_type"] != "customer" || r.data()[0].(map[string]any)["owner_client_id"] != ownClientID {
		t.Fatalf("list: %s", r.raw)
	}
	r = e.do("POST", "/customers/metafields", []any{mf(ids[0], "crm", "ext")})
	e.want(r, 200)
	if len(r.body["errors"].([]any)) != 0 {
		t.Errorf("success: %s", r.raw)
	}
	// Cursor paging, both directions.
	r = e.do("GET", "/customers/metafields?limit=1", nil)
	end := r.meta()["cursor_pagination"].(map[string]any)["end_cursor"].(string)
	r = e.do("GET", "/customers/metafields?limit=5&after="+end, nil)
	if len(r.data()) != 2 || num(r.data()[0].(map[string]any)["id"]) != first+1 {
		t.Errorf("after the first: %s", r.raw)
	}
	start := r.meta()["cursor_pagination"].(map[string]any)["start_cursor"].(string)
	r = e.do("GET", "/customers/metafields?limit=5&before="+start, nil)
	if len(r.data()) != 1 || num(r.data()[0].(map[string]any)["id"]) != first {
		t.Errorf("before the second: %s", r.raw)
	}
	// PUT: changes; a key that another metafield of the customer has is 409.
	r = e.do("PUT", "/customers/metafields", []any{map[string]any{"id": first, "value": "gold"}, map[string]any{"id": first + 2, "key": "tier"}})
	e.want(r, 422)
	if r.data()[0].(map[string]any)["value"] != "gold" || num(r.body["errors"].([]any)[0].(map[string]any)["status"]) != 409 {
		t.Errorf("batch put: %s", r.raw)
	}
	// One customer's endpoints.
	base := "/customers/" + itoa(ids[0]) + "/metafields"
	r = e.do("GET", base+"?direction=desc", nil)
	if len(r.data()) != 2 || num(r.data()[0].(map[string]any)["id"]) != first+2 {
		t.Errorf("one customer's, desc: %s", r.raw)
	}
	r = e.do("POST", base, map[string]any{"namespace": "n", "key": "k", "value": "1", "permission_set": "app_only"})
	e.want(r, 200)
	single := num(r.data()[0].(map[string]any)["id"])
	e.wantError(e.do("POST", base, map[string]any{"namespace": "n", "key": "k", "value": "2", "permission_set": "read"}), 409)
	e.wantError(e.do("POST", base, map[string]any{"namespace": "n", "key": "k2", "value": "", "permission_set": "read"}), 422)
	e.wantError(e.do("PUT", base+"/"+itoa(single), map[string]any{"value": "no id"}), 422)
	e.want(e.do("PUT", base+"/"+itoa(single), map[string]any{"id": single, "value": "2"}), 200)
	e.want(e.do("GET", base+"/"+itoa(single), nil), 200)
	e.wantError(e.do("GET", "/customers/"+itoa(ids[1])+"/metafields/"+itoa(single), nil), 404)
	e.want(e.do("DELETE", base+"/"+itoa(single), nil), 204)
	e.wantError(e.do("DELETE", base+"/"+itoa(single), nil), 404)
	// Batch DELETE: ids; unknown ones are errors keyed by id.
	r = e.do("DELETE", "/customers/metafields", []int64{first, 999})
	e.want(r, 422)
	if len(r.data()) != 1 || r.body["errors"].([]any)[0].(map[string]any)["errors"].(map[string]any)["999"] != "Metafield does not exist" {
		t.Errorf("batch delete: %s", r.raw)
	}
	if r := e.do("DELETE", "/customers/metafields", `{"id":1}`); r.status != 400 || r.body["detail"] == nil {
		t.Errorf("a body that is not an array: %d %s", r.status, r.raw)
	}
	// At most 50 per customer; deleting the customer deletes them.
	var batch []any
	for i := 0; i < 10; i++ {
		batch = append(batch, mf(ids[1], "bulk", "k"+itoa(i)))
	}
	for round := 0; round < 5; round++ {
		for i := range batch {
			batch[i].(map[string]any)["namespace"] = "bulk" + itoa(round)
		}
		r = e.do("POST", "/customers/metafields", batch)
	}
	if r.status != 422 || num(r.meta()["success"]) != 9 {
		t.Errorf("the 51st metafield: %d %s", r.status, r.meta())
	}
	e.want(e.do("DELETE", "/customers?id:in="+itoa(ids[1]), nil), 204)
	if r := e.do("GET", "/customers/metafields?limit=250", nil); len(r.data()) != 1 {
		t.Errorf("metafields of a deleted customer: %s", r.raw)
	}
}

// Metafields of other apps: app_only is invisible, read is read-only.
func TestMetafieldsOfAnotherApp(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.createCustomers(cust("a@example.com", "A", "A"))[0]
	_ = e.srv.write(func(st *store) error {
		for i, p := range []string{"app_only", "read", "write"} {
			st.putMetafield(&metaRec{CustomerID: id, Namespace: "loyalty", Key: "k" + itoa(i), Value: "v", PermissionSet: p, Owner: otherClientID})
		}
		return nil
	})
	r := e.do("GET", "/customers/metafields", nil)
	if len(r.data()) != 2 {
		t.Fatalf("visible: %s", r.raw)
	}
	r = e.do("PUT", "/customers/metafields", []any{map[string]any{"id": 1, "value": "x"}, map[string]any{"id": 2, "value": "x"}, map[string]any{"id": 3, "value": "x"}})
	if r.status != 422 || len(r.data()) != 1 || num(r.data()[0].(map[string]any)["id"]) != 3 {
		t.Errorf("writes: %s", r.raw)
	}
	// Our own app may use the same namespace and key: the key includes the owner.
	e.want(e.do("POST", "/customers/metafields", []any{map[string]any{"resource_id": id, "namespace": "loyalty", "key": "k0", "value": "v", "permission_set": "read"}}), 200)
}
