package bigcommerce

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Chunking list filters by URL length.
//
// The document gives no limit on the values of id:in, email:in or
// customer_id:in, and none on the URL (bigcommerce-facts.md (e)); gateways
// in front of an API commonly refuse a request line over 8 KB (nginx
// large_client_header_buffers 8k, Apache LimitRequestLine 8190) with 414.
// A count of values says nothing about bytes (250 emails can be 2 KB or
// 60 KB), so every list filter the project sends is cut by the bytes its
// URL will have, as the client encodes it.

// MaxURLBytes is the longest request URL ChunkByURL builds: the whole URL
// (scheme, host, path and query), so it is stricter than a limit on the
// request line's URI alone.
const MaxURLBytes = 8192

// pageReserve stands in for the page number when a URL is measured: a
// chunk may be walked page by page, and page=9999999999 is as long as any
// page number the walk can reach.
const pageReserve = "9999999999"

// ListQuery is the options of one list request: *CustomerListOptions,
// *AddressListOptions, *AttributeValueListOptions, *AttributeListOptions or
// *FormFieldValueListOptions.
type ListQuery interface {
	listPath() string
	values() url.Values
}

func (o *CustomerListOptions) listPath() string       { return pathCustomers }
func (o *AddressListOptions) listPath() string        { return pathAddresses }
func (o *AttributeValueListOptions) listPath() string { return pathAttributeValues }
func (o *AttributeListOptions) listPath() string      { return pathAttributes }
func (o *FormFieldValueListOptions) listPath() string { return pathFormFieldValues }

// FilterValue is what a list filter holds: ids or strings (emails, names).
type FilterValue interface{ int64 | string }

// FilterValueBytes is how many bytes v takes in a list filter of a request
// URL, escaped as the client sends it; a list of n values takes the sum of
// its values' bytes plus n-1 commas.
func FilterValueBytes[T FilterValue](v T) int {
	switch v := any(v).(type) {
	case int64:
		return len(strconv.FormatInt(v, 10))
	case string:
		return len(escapeQuery(v))
	}
	return 0 // unreachable: T is int64 or string
}

// URLRoom is how many bytes the comma-separated values of the list filter
// key (e.g. "id:in") can take in a request of q through c, for its URL to
// stay within MaxURLBytes. q is measured as the client sends it (any
// value of key it already has left out), with room for a page number of
// up to ten digits whether or not q has one. A cursor (After, Before) is
// measured as q holds it. A negative result means q is too long even
// without the list.
func URLRoom(c *Client, q ListQuery, key string) int {
	v := q.values()
	v.Del(key)
	v.Set("page", pageReserve)
	v.Set(key, "")
	u := *c.base
	u.Path += q.listPath()
	u.RawQuery = encodeQuery(v)
	return MaxURLBytes - len(u.String())
}

// ChunkByURL splits values, in order, into consecutive chunks of at most
// maxItems values (0: no limit by count) whose list filter key fits in a
// request of q through c within MaxURLBytes (see URLRoom). Callers put
// each chunk into q's field for key and send it. A DELETE by id:in has
// no other parameters: measure it with the endpoint's empty list options
// (the page reserve makes that conservative). A value too long for any
// URL is an error naming it (truncated).
func ChunkByURL[T FilterValue](c *Client, q ListQuery, key string, values []T, maxItems int) ([][]T, error) {
	room := URLRoom(c, q, key)
	var (
		out   [][]T
		start int
		used  int // bytes of values[start:i], commas included
	)
	for i, v := range values {
		n := FilterValueBytes(v)
		if n > room {
			s := []rune(fmt.Sprint(v))
			if len(s) > 40 {
				s = append(s[:40], '…')
			}
			return nil, fmt.Errorf("bigcommerce: %s value %q does not fit in a %d-byte URL of /%s", key, string(s), MaxURLBytes, q.listPath())
		}
		add := n
		if i > start {
			add++ // the comma
		}
		if i > start && (used+add > room || (maxItems > 0 && i-start >= maxItems)) {
			out = append(out, values[start:i:i])
			start, used, add = i, 0, n
		}
		used += add
	}
	if start < len(values) {
		out = append(out, values[start:len(values):len(values)])
	}
	return out, nil
}

// escapeQuery escapes a key or a value as encodeQuery writes it: query
// escaping, but with the colons and commas of the API's filter names and
// lists (id:in=1,2,3) left as they are.
func escapeQuery(s string) string {
	s = url.QueryEscape(s)
	s = strings.ReplaceAll(s, "%3A", ":")
	return strings.ReplaceAll(s, "%2C", ",")
}
