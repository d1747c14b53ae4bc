package bigcommerce

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The V2 API. Customer groups and geography (countries and their states)
// exist only in V2, served beside V3 under the same store:
// https://api.bigcommerce.com/stores/{store_hash}/v2 (customers.v2.yml,
// geography.v2.yml). The client derives that root from its V3 base URL by
// replacing the last path segment, so the one --api-url a user gives (the
// sandbox's included) reaches both. V2 answers are bare JSON — an array for
// a list, an object for one record, no {data, meta} envelope — and are
// paged by page and limit only: a page shorter than the limit is the last.
// An empty collection may come as 204 No Content (the V2 API's habit)
// or as [] (the sandbox's); both end a walk.

var errNoV2 = errors.New("the API URL does not end in /v3, so the V2 root (customer groups, geography) cannot be derived from it")

// v2Root is base with its last segment, v3, replaced by v2; nil when base
// does not end in /v3/.
func v2Root(base *url.URL) *url.URL {
	p, ok := strings.CutSuffix(base.Path, "/v3/")
	if !ok {
		return nil
	}
	u := *base
	u.Path = p + "/v2/"
	u.RawPath = ""
	return &u
}

// V2URL is the V2 root the client talks to, without userinfo; "" when it
// has none.
func (c *Client) V2URL() string {
	if c.v2 == nil {
		return ""
	}
	return strings.TrimRight(RedactURL(c.v2.String()), "/")
}

// getV2 GETs a V2 resource into out.
func getV2(ctx context.Context, c *Client, path string, q url.Values, out any) (*Response, error) {
	return c.do(ctx, request{method: http.MethodGet, path: path, query: q, v2: true, bare: true}, out)
}

// v2Pages walks a V2 collection page by page from lo (page 1 when unset),
// limit MaxPageSize unless lo says otherwise, until a page shorter than
// the limit.
func v2Pages[T any](ctx context.Context, c *Client, path string, lo ListOptions, q url.Values) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		if lo.Limit <= 0 {
			lo.Limit = MaxPageSize
		}
		if lo.Page <= 0 {
			lo.Page = 1
		}
		for {
			v := url.Values{}
			for k, x := range q {
				v[k] = x
			}
			lo.add(v)
			var page []T
			if _, err := getV2(ctx, c, path, v, &page); err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) || len(page) < lo.Limit {
				return
			}
			lo.Page++
		}
	}
}

// v2TimeLayouts are the spellings of a V2 date: the document's examples
// ("2023-07-17 06:30:41", UTC), RFC 2822 as older V2 answers write dates
// ("Tue, 20 Nov 2012 00:00:00 +0000"), and RFC 3339.
var v2TimeLayouts = []string{"2006-01-02 15:04:05", time.RFC1123Z, time.RFC3339}

// ParseV2Time reads a V2 date in UTC; ok is false for "" or a spelling
// none of v2TimeLayouts reads.
func ParseV2Time(s string) (t time.Time, ok bool) {
	for _, l := range v2TimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
