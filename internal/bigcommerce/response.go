package bigcommerce

import (
	"bytes"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/bcetl/bcetl/internal/pacer"
)

// Rate-limit headers (docs: "BigCommerce-specific response headers").
// Header names are case-insensitive; http.Header canonicalises them.
const (
	HeaderRequestsLeft  = "X-Rate-Limit-Requests-Left"
	HeaderRequestsQuota = "X-Rate-Limit-Requests-Quota"
	HeaderTimeResetMs   = "X-Rate-Limit-Time-Reset-Ms"
	HeaderTimeWindowMs  = "X-Rate-Limit-Time-Window-Ms"
	HeaderRetryAfter    = "X-Retry-After" // seconds, on rate-limited responses
)

// Rate is the store-wide quota state a response reported, in the pacer's
// terms. Known is false when the response carried no rate-limit headers (a
// 429 without them means platform load, not an exhausted quota).
// BigCommerce tells the reset on every answer: NoReset is never set.
type Rate = pacer.Rate

// parseRate reads the four X-Rate-Limit-* headers. All four must parse for
// the rate to be Known.
func parseRate(h http.Header, at time.Time) Rate {
	left, e1 := strconv.Atoi(h.Get(HeaderRequestsLeft))
	quota, e2 := strconv.Atoi(h.Get(HeaderRequestsQuota))
	reset, e3 := strconv.ParseInt(h.Get(HeaderTimeResetMs), 10, 64)
	window, e4 := strconv.ParseInt(h.Get(HeaderTimeWindowMs), 10, 64)
	if e1 != nil || e2 != nil || e3 != nil || e4 != nil || left < 0 || quota <= 0 || reset < 0 || window <= 0 {
		return Rate{At: at}
	}
	return Rate{
		Known:  true,
		Left:   left,
		Quota:  quota,
		Reset:  time.Duration(reset) * time.Millisecond,
		Window: time.Duration(window) * time.Millisecond,
		At:     at,
	}
}

// Response wraps an HTTP response with what the API said about the quota
// and about pagination. Endpoint methods return it even with an error, so a
// caller can always read the rate state.
type Response struct {
	*http.Response
	Rate Rate
	Meta Meta

	body []byte
}

// rate is what the pacer learns from r: nothing when there was no answer.
func (r *Response) rate() *Rate {
	if r == nil {
		return nil
	}
	return &r.Rate
}

func newResponse(hr *http.Response, body []byte, at time.Time) *Response {
	return &Response{Response: hr, Rate: parseRate(hr.Header, at), body: body}
}

// envelope is the {data, meta} shape of every collection response. Data
// holds the caller's pointer, so the body is decoded in one pass, straight
// into it: a page of 250 customers with every sub-resource is 400 KB, and
// scanning it once instead of three times (validate, skip data into a
// RawMessage, decode data) is most of the extract's decoding time.
type envelope struct {
	Data any  `json:"data"`
	Meta Meta `json:"meta"`
}

// decode unpacks the envelope: data into out, meta into r.Meta. A "data"
// that is null or absent leaves out unchanged. On an error out is reset
// to its zero value: nothing half-decoded reaches a caller.
func (r *Response) decode(out any) error {
	if len(r.body) == 0 {
		return nil
	}
	env := envelope{Data: out}
	if err := unmarshal(r.body, &env); err != nil {
		zero(out)
		return err
	}
	r.Meta = env.Meta
	return nil
}

// decodeBare unpacks an answer that is the resource itself (V2, and the
// V3 consent endpoints). An empty body (V2 answers an empty collection
// with 204 No Content) leaves out unchanged.
func (r *Response) decodeBare(out any) error {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return nil
	}
	if err := unmarshal(r.body, out); err != nil {
		zero(out)
		return err
	}
	return nil
}

// zero resets what the pointer out points to.
func zero(out any) {
	if v := reflect.ValueOf(out); v.Kind() == reflect.Pointer && !v.IsNil() {
		v.Elem().SetZero()
	}
}

// NextPage returns the page to ask for next under page/limit paging, or 0
// when this was the last page.
func (r *Response) NextPage() int {
	p := r.Meta.Pagination
	if p == nil || p.CurrentPage >= p.TotalPages {
		return 0
	}
	return p.CurrentPage + 1
}

// NextCursor returns the cursor to pass as After for the next page under
// cursor paging, or "" when this was the last page.
func (r *Response) NextCursor() string {
	cp := r.Meta.CursorPagination
	if cp == nil || cp.EndCursor == "" || cp.Count < cp.PerPage || cp.Count == 0 {
		return ""
	}
	return cp.EndCursor
}
