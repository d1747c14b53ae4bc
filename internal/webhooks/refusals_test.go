package webhooks

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestReceiverRefusesImpossibleIDs: the API types customer and address ids
// as integer, format int32 (customers.v3.yml), so zero, negative and larger
// ids name no record. A callback carrying one is refused with a 422 and
// stored nothing, where the nightly job would otherwise send it to the API
// and have its whole id:in chunk refused; the largest int32 is accepted.
func TestReceiverRefusesImpossibleIDs(t *testing.T) {
	srv, ts := newTestServer(t)
	c := ts.Client()
	customer := func(id any) []byte {
		return mutate(t, seedCustomerCreated, func(m map[string]any) { dataOf(m)["id"] = id })
	}
	address := func(id, customerID any) []byte {
		return mutate(t, seedCustomerCreated, func(m map[string]any) {
			m["scope"] = "store/customer/address/created"
			dataOf(m)["id"] = id
			dataOf(m)["address"] = map[string]any{"customer_id": customerID}
		})
	}
	access := func(customerID any) []byte {
		return mutate(t, seedCustomerCreated, func(m map[string]any) {
			m["scope"] = "store/customer/channel/login/access/updated"
			m["data"] = map[string]any{"customer_id": customerID, "channel_ids": []int{1}}
		})
	}
	refused := map[string][]byte{
		"customer id 0":              customer(0),
		"customer id -1":             customer(-1),
		"customer id 2^31":           customer(int64(1) << 31),
		"customer id 2^40":           customer(int64(1) << 40),
		"address id 0":               address(0, 32),
		"address customer_id -5":     address(60, -5),
		"address customer_id 2^31":   address(60, int64(1)<<31),
		"channel access customer 0":  access(0),
		"updated customer id 2^31+1": mutate(t, string(customer(int64(1)<<31+1)), func(m map[string]any) { m["scope"] = "store/customer/updated" }),
	}
	for name, body := range refused {
		if code, msg := do(t, c, bigCommerceRequest(t, ts.URL, body, "msg-"+name)); code != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d (%s), want 422", name, code, msg)
		}
	}
	if n := countEvents(t, srv.spool); n != 0 {
		t.Fatalf("impossible ids stored %d events", n)
	}
	for i, body := range [][]byte{customer(1), customer(int64(1)<<31 - 1), address(60, 32), access(32)} {
		if code, msg := do(t, c, bigCommerceRequest(t, ts.URL, body, "ok-"+strconv.Itoa(i))); code != http.StatusOK {
			t.Errorf("valid id %d: status %d (%s), want 200", i, code, msg)
		}
	}
}

// TestReceiverRefusesOtherStores: with a store hash configured, a callback
// produced by another store is refused with a 422 naming both producers;
// this store's callbacks are spooled. Without one, any producer is spooled
// (the nightly job then fails the others' events).
func TestReceiverRefusesOtherStores(t *testing.T) {
	srv, ts := newTestServer(t, func(c *Config) { c.StoreHash = "abc123" })
	if srv.Producer() != "stores/abc123" {
		t.Fatalf("producer %q", srv.Producer())
	}
	other := mutate(t, seedCustomerCreated, func(m map[string]any) { m["producer"] = "stores/zzz999" })
	code, msg := do(t, ts.Client(), bigCommerceRequest(t, ts.URL, other, "m-other"))
	if code != http.StatusUnprocessableEntity || !strings.Contains(msg, "stores/zzz999") || !strings.Contains(msg, "stores/abc123") {
		t.Fatalf("another store's callback: %d %s, want 422 naming both producers", code, msg)
	}
	ours := mutate(t, seedCustomerCreated, func(m map[string]any) { m["producer"] = "stores/abc123" })
	if code, msg := do(t, ts.Client(), bigCommerceRequest(t, ts.URL, ours, "m-ours")); code != http.StatusOK {
		t.Fatalf("this store's callback: %d %s", code, msg)
	}
	if n := countEvents(t, srv.spool); n != 1 {
		t.Fatalf("%d events spooled, want only this store's", n)
	}

	lax, ts2 := newTestServer(t)
	if code, msg := do(t, ts2.Client(), bigCommerceRequest(t, ts2.URL, other, "m-any")); code != http.StatusOK || lax.Producer() != "" {
		t.Fatalf("without a store hash: %d %s", code, msg)
	}
	if _, err := NewServer(Config{Spool: lax.spool, VoucherifySecret: "x", StoreHash: "a/b"}); err == nil {
		t.Error("a store hash with a slash was accepted")
	}
}
