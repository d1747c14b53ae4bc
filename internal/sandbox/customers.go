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
	q := s.parseQuery(r, "page", "limit", "after", "before", "id:in", "email:in", "name:in", "name:like",
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
	// (MySQL's default collation; email:in compares like the uniqueness
	// rule, emails.go).
	var f filters[*customerRec]
	keepIn(&f, ids, func(c *customerRec) int64 { return c.ID })
	if emails != nil {
		keys := map[string]bool{}
		for _, e := range emails {
			keys[s.st.emailKey(e)] = true
		}
		f = append(f, func(c *customerRec) bool { return keys[s.st.emailKey(c.Email)] })
	}
	keepName(&f, names, func(c *customerRec) string { return c.FirstName }, func(c *customerRec) string { return c.LastName })
	if likes != nil {
		subs := lowerList(likes)
		f = append(f, func(c *customerRec) bool {
			full := strings.ToLower(c.FirstName + " " + c.LastName)
			for _, s := range subs {
				if strings.Contains(full, s) {
					return true
				}
			}
			return false
		})
	}
	keepFold(&f, companies, func(c *customerRec) string { return c.Company })
	keepIn(&f, groups, func(c *customerRec) int64 { return c.GroupID })
	keepIn(&f, phones, func(c *customerRec) string { return c.Phone })
	keepIn(&f, ips, func(c *customerRec) string { return c.RegistrationIP })
	keepWithin(&f, dc, func(c *customerRec) int64 { return c.Created })
	keepWithin(&f, dm, func(c *customerRec) int64 { return c.Modified })
	match := f.all()

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
			if c := st.byEmailKey(e); c != nil {
				list = append(list, c)
			}
		}
		list = sortedUnique(list, order)
	default:
		list = s.customerOrder(order)
	}
	in := s.view(includes{addresses: inc["addresses"], attributes: inc["attributes"], formfields: inc["formfields"], storecredit: inc["storecredit"]})
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
		meta.CursorPagination = cursorMeta(p, page, order.key, hasPrev, hasNext)
	} else {
		var total int
		page, total = offsetPage(list, match, p)
		meta.Pagination = pageMeta(p, total, len(page))
		if p.page == 1 {
			meta.CursorPagination = cursorMeta(p, page, order.key, false, total > len(page))
		}
	}
	data := make([]customerOut, len(page))
	for i, c := range page {
		data[i] = customerFull(c, in)
	}
	writeJSON(w, http.StatusOK, listOut{Data: data, Meta: meta})
}

// cursorFor decodes after/before and checks it belongs to this sort.
func cursorFor(q *query, p pageReq, sortName string) cursorKey {
	if !p.cursor() {
		return cursorKey{}
	}
	k, name, ok := cursorParam(q, p)
	if ok && k.Sort != sortName {
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
	s.serveDelete(w, r, (*store).deleteCustomers)
}
