package bigcommerce_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/sandbox"
	"github.com/bcetl/bcetl/internal/sandboxtest"
)

// 600 emails that escape to more bytes than they have ('+' and '@' take
// three each): chunked by URL, every lookup is served (no 414) and finds
// its customers; each chunk but the last is full (the next email would
// not have fitted, or it holds the 250 a page returns). Sent as one list,
// the same emails get the gateway's 414.
func TestChunkByURLEmailsAgainstSandbox(t *testing.T) {
	st := sandboxtest.Start(t, sandbox.Options{}) // the 8 KB URI limit, its default
	srv, c := st.Server, st.Client
	var emails []string
	for i := range 600 {
		e := fmt.Sprintf("firstname.lastname+newsletter-%04d@mail.example-company.com", i)
		if _, err := srv.CreateCustomerDirect(sandbox.CustomerFields{Email: e, FirstName: "F", LastName: "L"}); err != nil {
			t.Fatal(err)
		}
		emails = append(emails, e)
	}
	q := &bigcommerce.CustomerListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}, Include: []string{bigcommerce.IncludeAddresses}}
	chunks, err := bigcommerce.ChunkByURL(c, q, "email:in", emails, 250)
	if err != nil {
		t.Fatal(err)
	}
	room := bigcommerce.URLRoom(c, q, "email:in")
	found, next := 0, 0
	for i, chunk := range chunks {
		used := len(chunk) - 1
		for _, e := range chunk {
			used += bigcommerce.FilterValueBytes(e)
		}
		next += len(chunk)
		if used > room {
			t.Errorf("chunk %d: %d bytes, room %d", i, used, room)
		}
		if i < len(chunks)-1 && len(chunk) < 250 && used+1+bigcommerce.FilterValueBytes(emails[next]) <= room {
			t.Errorf("chunk %d of %d emails (%d bytes) had room for the next one (room %d)", i, len(chunk), used, room)
		}
		o := *q
		o.EmailIn = chunk
		page, _, err := c.Customers.List(t.Context(), &o)
		if err != nil {
			t.Fatalf("chunk %d (%d emails): %v", i, len(chunk), err)
		}
		found += len(page)
	}
	if found != len(emails) || len(chunks) < 4 {
		t.Fatalf("%d of %d customers found in %d chunks", found, len(emails), len(chunks))
	}
	if n := srv.Stats().URITooLong; n != 0 {
		t.Fatalf("%d requests refused with 414", n)
	}
	o := *q
	o.EmailIn = emails
	if _, resp, err := c.Customers.List(t.Context(), &o); err == nil || resp == nil || resp.StatusCode != http.StatusRequestURITooLong {
		t.Fatalf("one list of %d emails: %v, want the sandbox's 414 (the test would prove nothing)", len(emails), err)
	}
}

// Ids chunk by count when they are short, by bytes when they are long;
// order is kept and every value is in exactly one chunk; a value too long
// for any URL is an error that names the filter.
func TestChunkByURLIDs(t *testing.T) {
	c, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: "https://api.example.com/stores/{store_hash}/v3", StoreHash: "abc", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	q := &bigcommerce.AddressListOptions{ListOptions: bigcommerce.ListOptions{Limit: 250}, IncludeFormFields: true}
	var small, big []int64
	for i := range int64(1000) {
		small = append(small, i+1)
		big = append(big, 1_000_000_000_000_000_000+i) // 19 digits
	}
	chunks, err := bigcommerce.ChunkByURL(c, q, "customer_id:in", small, 250)
	if err != nil || len(chunks) != 4 || len(chunks[0]) != 250 {
		t.Fatalf("1000 short ids, at most 250 a chunk: %d chunks, %v", len(chunks), err)
	}
	chunks, err = bigcommerce.ChunkByURL(c, q, "customer_id:in", big, 0)
	if err != nil {
		t.Fatal(err)
	}
	room := bigcommerce.URLRoom(c, q, "customer_id:in")
	perChunk := (room + 1) / 20 // 19 digits and a comma each
	var all []int64
	for i, ch := range chunks {
		if i < len(chunks)-1 && len(ch) != perChunk {
			t.Errorf("chunk %d: %d ids of 19 digits, room for %d", i, len(ch), perChunk)
		}
		all = append(all, ch...)
	}
	if fmt.Sprint(all) != fmt.Sprint(big) {
		t.Fatal("chunks do not hold every id once, in order")
	}
	huge := strings.Repeat("x", bigcommerce.MaxURLBytes)
	if _, err := bigcommerce.ChunkByURL(c, &bigcommerce.CustomerListOptions{}, "email:in", []string{"a@b.example", huge}, 0); err == nil || !strings.Contains(err.Error(), "email:in") {
		t.Fatalf("a value longer than any URL: %v", err)
	}
}
