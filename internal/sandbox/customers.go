package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
)

// GET and DELETE /customers. POST and PUT are in customers_write.go.

// custOrder is one `sort` value of GET /customers (document: date_created,
// date_modified, last_name, each :asc or :desc; default: id ascending).
// Ties are broken by id, so the order is total and cursors are exact.
// last_name compares bytes (no collation).
type custOrder struct {
	name string
	desc bool
	num  func(*customerRec) int64
	str  func(*customerRec) string
}

var custOrders = map[string]custOrder{}

func init() {
	created := func(c *customerRec) int64 { return c.Created }
	modified := func(c *customerRec) int64 { return c.Modified }
	last := func(c *customerRec) string { return c.LastName }
	custOrders[""] = custOrder{}
	for _, d := range []string{"asc", "desc"} {
		custOrders["date_created:"+d] = custOrder{name: "date_created:" + d, desc: d == "desc", num: created}
		custOrders["date_modified:"+d] = custOrder{name: "date_modified:" + d, desc: d == "desc", num: modified}
		custOrders["last_name:"+d] = custOrder{name: "last_name:" + d, desc: d == "desc", str: last}
	}
}

func (o custOrder) key(c *customerRec) cursorKey {
	k := cursorKey{ID: c.ID, Sort: o.name}
	if o.num != nil {
		k.N = o.num(c)
	}
	if o.str != nil {
		k.S = o.str(c)
	}
	return k
}

// cmpKey compares c with a cursor key in this order.
func (o custOrder) cmpKey(c *customerRec, k cursorKey) int {
	r := 0
	switch {
	case o.num != nil:
		r = cmp.Compare(o.num(c), k.N)
	case o.str != nil:
		r = strings.Compare(o.str(c), k.S)
	}
	if r == 0 {
		r = cmp.Compare(c.ID, k.ID)
	}
	if o.desc {
		r = -r
	}
	return r
}

func (o custOrder) less(a, b *customerRec) bool { return o.cmpKey(a, o.key(b)) < 0 }

// sortCache keeps the store sorted by each non-default order until the
// next customer write, so paging a sorted listing is one sort, not one per
// page.
type sortCache struct {
	mu      sync.Mutex
	entries map[string]sortEntry
}

type sortEntry struct {
	gen  uint64
	list []*customerRec
}

// customerOrder returns all customers in order o. Call with st.mu held.
func (s *Server) customerOrder(o custOrder) []*customerRec {
	st := s.st
	if o.name == "" {
		return st.customers
	}
	sc := &s.sortCache
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if e, ok := sc.entries[o.name]; ok && e.gen == st.gen {
		return e.list
	}
	// Sort (key, id, record) triples: extracting the key once per record
	// instead of per comparison keeps a million-customer sort under a
	// second.
	type keyed struct {
		n int64
		s string
		c *customerRec
	}
	ks := make([]keyed, len(st.customers))
	for i, c := range st.customers {
		ks[i].c = c
		if o.num != nil {
			ks[i].n = o.num(c)
		} else {
			ks[i].s = o.str(c)
		}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		r := cmp.Compare(a.n, b.n)
		if r == 0 {
			r = strings.Compare(a.s, b.s)
		}
		if r == 0 {
			r = cmp.Compare(a.c.ID, b.c.ID)
		}
		if o.desc {
			r = -r
		}
		return r
	})
	list := make([]*customerRec, len(ks))
	for i := range ks {
		list[i] = ks[i].c
	}
	if sc.entries == nil {
		sc.entries = map[string]sortEntry{}
	}
	sc.entries[o.name] = sortEntry{gen: st.gen, list: list}
	return list
}

func (s *Server) getCustomers(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "page", "limit", "after", "before", "id:in", "email:in", "name:in", "name:like",
		"company:in", "customer_group_id:in", "phone:in", "registration_ip_address:in",
		"date_created", "date_created:min", "date_created:max", "date_modified", "date_modified:min", "date_modified:max",
		"include", "sort")
	ids := q.intList("id:in")
	emails := q.strList("email:in")
	names := q.strList("name:in")
	likes := q.strList("name:like")
	companies := q.strList("company:in")
	groups := q.groupList("customer_group_id:in")
	phones := q.strList("phone:in")
	ips := q.strList("registration_ip_address:in")
	dc, dm := q.dates("date_created"), q.dates("date_modified")
	// shopper_profile_id and segment_ids are Beta sub-resources: accepted,
	// not emulated (nothing is embedded for them).
	inc := q.include("addresses", "storecredit", "attributes", "formfields", "shopper_profile_id", "segment_ids")
	sortName := q.enum("sort", "date_created:asc", "date_created:desc", "last_name:asc", "last_name:desc", "date_modified:asc", "date_modified:desc")
	p := q.pageParams(true)
	order := custOrders[sortName]
	ck := cursorFor(q, p, order.name)
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	// Filters are case-insensitive except ids and phone/IP numbers
	// (MySQL's default collation; email:in is case-insensitive like the
	// uniqueness rule).
	var preds []func(*customerRec) bool
	if ids != nil {
		set := idSet(ids)
		preds = append(preds, func(c *customerRec) bool { return set[c.ID] })
	}
	if emails != nil {
		set := lowerSet(emails)
		preds = append(preds, func(c *customerRec) bool { return set[strings.ToLower(c.Email)] })
	}
	if names != nil {
		set := lowerSet(names)
		preds = append(preds, func(c *customerRec) bool { return set[strings.ToLower(c.FirstName+" "+c.LastName)] })
	}
	if likes != nil {
		subs := lowerList(likes)
		preds = append(preds, func(c *customerRec) bool {
			full := strings.ToLower(c.FirstName + " " + c.LastName)
			for _, s := range subs {
				if strings.Contains(full, s) {
					return true
				}
			}
			return false
		})
	}
	if companies != nil {
		set := lowerSet(companies)
		preds = append(preds, func(c *customerRec) bool { return set[strings.ToLower(c.Company)] })
	}
	if groups != nil {
		set := idSet(groups)
		preds = append(preds, func(c *customerRec) bool { return set[c.GroupID] })
	}
	if phones != nil {
		set := exactSet(phones)
		preds = append(preds, func(c *customerRec) bool { return set[c.Phone] })
	}
	if ips != nil {
		set := exactSet(ips)
		preds = append(preds, func(c *customerRec) bool { return set[c.RegistrationIP] })
	}
	if dc.set {
		preds = append(preds, func(c *customerRec) bool { return dc.match(c.Created) })
	}
	if dm.set {
		preds = append(preds, func(c *customerRec) bool { return dm.match(c.Modified) })
	}
	match := all(preds)

	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	// id:in and email:in select a handful of records through the indexes
	// instead of scanning the store.
	var list []*customerRec
	switch {
	case ids != nil:
		for _, id := range ids {
			if c := st.customer(id); c != nil {
				list = append(list, c)
			}
		}
		list = sortedUnique(list, order)
	case emails != nil:
		for _, e := range emails {
			if c := st.byEmailLower(e); c != nil {
				list = append(list, c)
			}
		}
		list = sortedUnique(list, order)
	default:
		list = s.customerOrder(order)
	}
	in := includes{addresses: inc["addresses"], attributes: inc["attributes"], formfields: inc["formfields"], storecredit: inc["storecredit"]}
	var page []*customerRec
	var meta metaOut
	if p.cursor() {
		forward := p.after != ""
		pos := sort.Search(len(list), func(i int) bool {
			c := order.cmpKey(list[i], ck)
			return c > 0 || (!forward && c == 0)
		})
		var hasPrev, hasNext bool
		page, hasPrev, hasNext = cursorPage(list, pos, forward, match, p.limit)
		meta.CursorPagination = customerCursorMeta(p, page, order, hasPrev, hasNext)
	} else {
		var total int
		page, total = offsetPage(list, match, p)
		meta.Pagination = pageMeta(p, total, len(page))
		if p.page == 1 {
			meta.CursorPagination = customerCursorMeta(p, page, order, false, total > len(page))
		}
	}
	data := make([]customerOut, len(page))
	for i, c := range page {
		data[i] = customerFull(c, in)
	}
	writeJSON(w, http.StatusOK, listOut{Data: data, Meta: meta})
}

func customerCursorMeta(p pageReq, page []*customerRec, o custOrder, hasPrev, hasNext bool) *cursorOut {
	var start, end string
	if len(page) > 0 {
		start, end = encodeCursor(o.key(page[0])), encodeCursor(o.key(page[len(page)-1]))
	}
	return cursorMeta(p, len(page), start, end, hasPrev, hasNext)
}

// cursorFor decodes after/before and checks it belongs to this sort.
func cursorFor(q *query, p pageReq, sortName string) cursorKey {
	if !p.cursor() {
		return cursorKey{}
	}
	name, raw := "after", p.after
	if p.before != "" {
		name, raw = "before", p.before
	}
	k, ok := decodeCursor(raw)
	if !ok {
		q.errs[name] = "is not a valid cursor"
	} else if k.Sort != sortName {
		q.errs[name] = "belongs to another sort order"
	}
	return k
}

func sortedUnique(list []*customerRec, o custOrder) []*customerRec {
	sort.Slice(list, func(i, j int) bool { return o.less(list[i], list[j]) })
	out := list[:0]
	for i, c := range list {
		if i == 0 || list[i-1].ID != c.ID {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) deleteCustomers(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "id:in")
	ids, ok := deleteIDs(q)
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	if ok {
		if err := s.write(func(st *store) error { st.deleteCustomers(ids); return nil }); err != nil {
			fail(w, r, err)
			return
		}
	}
	noContent(w)
}

// deleteIDs reads the id:in of a DELETE. The document: "A query is
// required to delete customers. If not provided, a 204 is returned, with no
// changes to the data." An empty id:in= counts as not provided; a
// malformed one is a 422 ("The id:in was not valid").
func deleteIDs(q *query) ([]int64, bool) {
	if s, ok := q.raw("id:in"); !ok || s == "" {
		delete(q.errs, "id:in")
		return nil, false
	}
	ids := q.intList("id:in")
	return ids, ids != nil
}

func all[T any](preds []func(T) bool) func(T) bool {
	if len(preds) == 0 {
		return nil
	}
	return func(x T) bool {
		for _, p := range preds {
			if !p(x) {
				return false
			}
		}
		return true
	}
}

func idSet(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func lowerSet(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[strings.ToLower(s)] = true
	}
	return m
}

func lowerList(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

func exactSet(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}
