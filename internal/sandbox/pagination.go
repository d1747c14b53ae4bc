package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Page size. The document gives neither a default nor a maximum for
// `limit`; BigCommerce's general docs say 250 (for products) and the
// status-codes page says 413 is for "when the client requests too many
// objects. For example, the limit parameter exceeded the maximum".
// Choice: default 50, maximum 250, limit > 250 → 413 (not clamped: a client
// that asks for more than it can get must find out), limit < 1 or not an
// integer → 422, page < 1 → 422.
const (
	defaultLimit = 50
	maxLimit     = 250
	maxPage      = 1 << 30
)

type pageReq struct {
	page, limit   int
	after, before string // raw cursors
	pageGiven     bool
	links         bool // send meta.pagination.links
}

func (p pageReq) cursor() bool { return p.after != "" || p.before != "" }

// pageParams reads page, limit and (when cursors are allowed) after/before.
// The document: "page will be ignored if you provide before or after".
func (q *query) pageParams(cursors bool) pageReq {
	p := pageReq{page: 1, limit: defaultLimit, links: q.links}
	if s, ok := q.str("page"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			q.errs["page"] = "must be a positive integer"
		} else {
			p.page, p.pageGiven = n, true
		}
	}
	if s, ok := q.str("limit"); ok {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil || n < 1:
			q.errs["limit"] = "must be a positive integer"
		case n > maxLimit:
			q.tooLarge = "limit " + s + " exceeds the maximum of " + strconv.Itoa(maxLimit)
		default:
			p.limit = n
		}
	}
	if cursors {
		p.after, _ = q.str("after")
		p.before, _ = q.str("before")
		if p.after != "" && p.before != "" {
			q.errs["before"] = "after and before cannot be combined"
		}
	}
	if p.cursor() {
		p.page = 1
	}
	return p
}

type linksOut struct {
	Previous string `json:"previous,omitempty"`
	Current  string `json:"current,omitempty"`
	Next     string `json:"next,omitempty"`
}

type paginationOut struct {
	Total       int       `json:"total"`
	Count       int       `json:"count"`
	PerPage     int       `json:"per_page"`
	CurrentPage int       `json:"current_page"`
	TotalPages  int       `json:"total_pages"`
	Links       *linksOut `json:"links,omitempty"`
}

type cursorOut struct {
	Count       int      `json:"count"`
	PerPage     int      `json:"per_page"`
	StartCursor string   `json:"start_cursor,omitempty"`
	EndCursor   string   `json:"end_cursor,omitempty"`
	Links       linksOut `json:"links"`
}

// metaOut is the meta object: `{}` on write answers (MetaOpen), pagination
// on lists, cursor_pagination on the cursor-capable lists.
type metaOut struct {
	Pagination       *paginationOut `json:"pagination,omitempty"`
	CursorPagination *cursorOut     `json:"cursor_pagination,omitempty"`
}

type listOut struct {
	Data any     `json:"data"`
	Meta metaOut `json:"meta"`
}

// meta.pagination. Recorded (retrieve/200.json, with_params_200.json):
// total, count, per_page, current_page, total_pages and no `links`, so by
// default none are sent. With Options.Shapes "documented" links are sent,
// and carry only page and limit, exactly like the document's example
// ('?page=1&limit=50'); they do not repeat filters, so a client must build
// the next request itself rather than follow links blindly.
// (cursor_pagination, which no recording shows, keeps the document's
// links.)
func pageMeta(p pageReq, total, count int) *paginationOut {
	pages := (total + p.limit - 1) / p.limit
	m := &paginationOut{Total: total, Count: count, PerPage: p.limit, CurrentPage: p.page, TotalPages: pages}
	if !p.links {
		return m
	}
	link := func(n int) string { return "?page=" + strconv.Itoa(n) + "&limit=" + strconv.Itoa(p.limit) }
	m.Links = &linksOut{}
	m.Links.Current = link(p.page)
	if p.page > 1 {
		m.Links.Previous = link(min(p.page-1, max(pages, 1)))
	}
	if p.page < pages {
		m.Links.Next = link(p.page + 1)
	}
	return m
}

// cursorMeta is the cursor_pagination of a page; key names an item in a
// cursor (its first and last items are the page's start and end).
func cursorMeta[T any](p pageReq, page []T, key func(T) cursorKey, hasPrev, hasNext bool) *cursorOut {
	var start, end string
	if len(page) > 0 {
		start, end = encodeCursor(key(page[0])), encodeCursor(key(page[len(page)-1]))
	}
	lim := "limit=" + strconv.Itoa(p.limit)
	m := &cursorOut{Count: len(page), PerPage: p.limit, StartCursor: start, EndCursor: end}
	switch {
	case p.after != "":
		m.Links.Current = "?" + lim + "&after=" + url.QueryEscape(p.after)
	case p.before != "":
		m.Links.Current = "?" + lim + "&before=" + url.QueryEscape(p.before)
	default:
		m.Links.Current = "?" + lim
	}
	if hasPrev && start != "" {
		m.Links.Previous = "?" + lim + "&before=" + url.QueryEscape(start)
	}
	if hasNext && end != "" {
		m.Links.Next = "?" + lim + "&after=" + url.QueryEscape(end)
	}
	return m
}

// A cursor is opaque to clients: base64 (URL alphabet, no padding) of a
// small JSON object, like the document's examples (eyJpZCI6MjA0fQ is
// {"id":204}). It names the last (or first) item by its sort key and id,
// never by offset, so paging stays exact while records are inserted or
// deleted.
type cursorKey struct {
	ID   int64  `json:"id"`
	Sort string `json:"sort,omitempty"` // the sort it belongs to (customers)
	N    int64  `json:"n,omitempty"`    // numeric sort key
	S    string `json:"s,omitempty"`    // string sort key
	A    int64  `json:"a,omitempty"`    // address id (form field values)
}

func encodeCursor(k cursorKey) string {
	b, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cursorParam decodes the after or before cursor of p (pageParams allows
// only one of them); a malformed one is reported on q under its name.
func cursorParam(q *query, p pageReq) (k cursorKey, name string, ok bool) {
	name, raw := "after", p.after
	if p.before != "" {
		name, raw = "before", p.before
	}
	if k, ok = decodeCursor(raw); !ok {
		q.errs[name] = "is not a valid cursor"
	}
	return k, name, ok
}

func decodeCursor(s string) (cursorKey, bool) {
	var k cursorKey
	s = strings.TrimRight(s, "=")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return k, false
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if dec.Decode(&k) != nil || k.ID < 0 {
		return k, false
	}
	return k, true
}

// offsetPage returns the page-th page of the items of all that match
// (nil match = all), and how many match in total.
func offsetPage[T any](all []T, match func(T) bool, p pageReq) (out []T, total int) {
	off := (p.page - 1) * p.limit
	if match == nil {
		total = len(all)
		if off >= total {
			return nil, total
		}
		return all[off:min(off+p.limit, total)], total
	}
	for _, x := range all {
		if match(x) {
			if total >= off && len(out) < p.limit {
				out = append(out, x)
			}
			total++
		}
	}
	return out, total
}

// writeOffsetPage answers a page-numbered listing: the p-th page of the
// records of list that match (nil match = all), each as out renders it,
// with meta.pagination.
func writeOffsetPage[R, O any](w http.ResponseWriter, list []R, match func(R) bool, p pageReq, out func(R) O) {
	page, total := offsetPage(list, match, p)
	data := make([]O, len(page))
	for i, x := range page {
		data[i] = out(x)
	}
	writeJSON(w, http.StatusOK, listOut{Data: data, Meta: metaOut{Pagination: pageMeta(p, total, len(page))}})
}

// cursorPage pages through all from position pos: forward (after) takes up
// to limit matches at pos and later; backward (before) takes up to limit
// matches before pos, in order. It reports whether matches exist before
// and after the page.
func cursorPage[T any](all []T, pos int, forward bool, match func(T) bool, limit int) (out []T, hasPrev, hasNext bool) {
	ok := func(x T) bool { return match == nil || match(x) }
	anyIn := func(from, to, step int) bool {
		for i := from; i != to; i += step {
			if ok(all[i]) {
				return true
			}
		}
		return false
	}
	if forward {
		i := pos
		for ; i < len(all) && len(out) < limit; i++ {
			if ok(all[i]) {
				out = append(out, all[i])
			}
		}
		return out, anyIn(pos-1, -1, -1), anyIn(i, len(all), 1)
	}
	i := pos - 1
	for ; i >= 0 && len(out) < limit; i-- {
		if ok(all[i]) {
			out = append(out, all[i])
		}
	}
	for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
		out[a], out[b] = out[b], out[a]
	}
	return out, anyIn(i, -1, -1), anyIn(pos, len(all), 1)
}
