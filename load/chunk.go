package load

import (
	"net/url"
	"strconv"

	"github.com/bcetl/bcetl/internal/bigcommerce"
)

// List look-ups (email:in, customer_id:in) are chunked by the length of
// the request URL, not by a count of values: the document gives no limit,
// but the gateways in front of an API commonly refuse a request line over
// 8 KB (nginx's large_client_header_buffers, Apache's LimitRequestLine;
// the sandbox answers 414 beyond it), and fifty long emails already pass
// it.

// maxURLBytes is the longest request URL a look-up may have.
const maxURLBytes = 8192

// pagingRoom is kept free in every look-up URL for what the client adds
// to ask for a further page (after=<cursor>, page=N).
const pagingRoom = 256

// chunkByURL splits values into consecutive runs, in order, such that
// base plus "&param=v1,v2,…" (base already holding a query) or
// "?param=…" (base holding none), every part query-escaped, is at most
// max bytes. A value too long to fit even alone is a run of its own.
//
// It has the contract of internal/bigcommerce's ChunkByURL, which the
// extract side is writing; until that lands, the loader uses this one.
func chunkByURL(base, param string, values []string, max int) [][]string {
	fixed := len(base) + 1 + len(url.QueryEscape(param)) + 1
	var out [][]string
	var cur []string
	n := fixed
	for _, v := range values {
		w := len(url.QueryEscape(v))
		if len(cur) > 0 {
			w++ // the comma
		}
		if len(cur) > 0 && n+w > max {
			out = append(out, cur)
			cur, n, w = nil, fixed, w-1
		}
		cur = append(cur, v)
		n += w
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// lookupChunks splits values for a look-up of endpoint path (relative to
// the client's base URL) whose other parameters are query: by URL length
// (chunkByURL, leaving pagingRoom) and at most a page of values, so that
// one request answers each chunk.
func (l *loader) lookupChunks(path, query, param string, values []string) [][]string {
	base := l.c.BaseURL() + "/" + path
	if query != "" {
		base += "?" + query
	}
	var out [][]string
	for _, c := range chunkByURL(base, param, values, maxURLBytes-pagingRoom) {
		for len(c) > bigcommerce.MaxPageSize {
			out = append(out, c[:bigcommerce.MaxPageSize:bigcommerce.MaxPageSize])
			c = c[bigcommerce.MaxPageSize:]
		}
		out = append(out, c)
	}
	return out
}

// The look-ups the loader makes, with the parameters other than the list
// (as the client writes them, sorted by name).
const (
	emailLookupQuery   = "include=addresses,attributes&limit=250"
	addressLookupQuery = "limit=250"
)

func (l *loader) emailChunks(emails []string) [][]string {
	return l.lookupChunks("customers", emailLookupQuery, "email:in", emails)
}

func (l *loader) customerIDChunks(ids []int64) [][]int64 {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	var out [][]int64
	at := 0
	for _, c := range l.lookupChunks("customers/addresses", addressLookupQuery, "customer_id:in", s) {
		out = append(out, ids[at:at+len(c):at+len(c)])
		at += len(c)
	}
	return out
}
