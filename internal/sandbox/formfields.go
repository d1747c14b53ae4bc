package sandbox

import (
	"cmp"
	"net/http"
	"sort"
	"strings"
)

// /customers/form-field-values (getCustomersFormFieldValues,
// updateCustomerFormFieldValues — deprecated but still served).
//
// Listing order: by customer id; within a customer its own values by name,
// then each of its addresses (by id) with their values by name. Cursors
// name (customer id, address id, field name), so cursor paging is stable
// while values come and go. Page-based paging walks the list (O(store));
// cursor paging starts at the cursor by binary search.
//
// field_type: the type of the value's field in the store's forms
// (signup.go); a value stored before its field was defined (a state file
// of an older sandbox) is typed by its JSON: a string is `text`, a number
// `numbers`, an array `checkboxes`. Names and values are checked against
// the forms on every write (signup.go).
//
// PUT upserts on (customer_id or address_id, name); each item names exactly
// one owner, which must exist; at most 10 items per call (the document
// gives no number; 10 is the client's batch size), 413 beyond; a bad item
// fails the request with 422, nothing written. Neither this endpoint nor
// the address endpoints change the customer's date_modified (choice; the
// webhook documentation says store/customer/updated does not fire for
// them).

type ffEntry struct {
	cid, aid int64
	f        *formRec
}

func (e ffEntry) key() cursorKey { return cursorKey{ID: e.cid, A: e.aid, S: e.f.Name} }

func cmpEntry(e ffEntry, k cursorKey) int {
	if r := cmp.Compare(e.cid, k.ID); r != 0 {
		return r
	}
	if r := cmp.Compare(e.aid, k.A); r != 0 {
		return r
	}
	return strings.Compare(e.f.Name, k.S)
}

// valueFieldType is the field_type of a value: its field's, when the
// store's forms define it (signup.go), else inferred from its JSON. Call
// with st.mu held.
func (st *store) valueFieldType(e ffEntry) string {
	form := st.custForm
	if e.aid != 0 {
		form = st.addrForm
	}
	if def := fieldNamed(form, e.f.Name); def != nil {
		return v3FieldType[def.FieldType]
	}
	return fieldType(e.f.Value)
}

func fieldType(v []byte) string {
	switch v[0] {
	case '"':
		return "text"
	case '[':
		return "checkboxes"
	}
	return "numbers"
}

// customerEntries lists one customer's form field values in order.
func customerEntries(c *customerRec, aid int64, buf []ffEntry) []ffEntry {
	buf = buf[:0]
	if aid == 0 {
		for i := range c.Forms {
			buf = append(buf, ffEntry{c.ID, 0, &c.Forms[i]})
		}
	}
	for _, a := range c.addrs {
		if aid != 0 && a.ID != aid {
			continue
		}
		for i := range a.Forms {
			buf = append(buf, ffEntry{c.ID, a.ID, &a.Forms[i]})
		}
	}
	return buf
}

func (s *Server) getFormFields(w http.ResponseWriter, r *http.Request) {
	q := s.parseQuery(r, "page", "limit", "after", "before", "customer_id", "address_id", "field_name", "field_type")
	cid, hasC := q.integer("customer_id")
	aid, hasA := q.integer("address_id")
	name, hasName := q.str("field_name")
	ftype := q.enum("field_type", "checkboxes", "date", "multiline", "numbers", "password", "radiobuttons", "text", "picklist")
	p := q.pageParams(true)
	var ck cursorKey
	if p.cursor() {
		ck, _, _ = cursorParam(q, p)
	}
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	match := func(e ffEntry) bool {
		return (!hasName || e.f.Name == name) && (ftype == "" || s.st.valueFieldType(e) == ftype)
	}
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	custs := st.customers
	if hasA {
		custs = nil
		if a := st.address(aid); a != nil && (!hasC || a.CustomerID == cid) {
			custs = []*customerRec{st.customer(a.CustomerID)}
		}
	} else if hasC {
		custs = nil
		if c := st.customer(cid); c != nil {
			custs = []*customerRec{c}
		}
	}
	entries := func(c *customerRec, buf []ffEntry) []ffEntry {
		if hasA {
			return customerEntries(c, aid, buf)
		}
		return customerEntries(c, 0, buf)
	}
	var page []ffEntry
	var meta metaOut
	var buf []ffEntry
	if p.cursor() {
		forward := p.after != ""
		ci := sort.Search(len(custs), func(i int) bool { return custs[i].ID >= ck.ID })
		// Walk entries after (or before) the cursor, one customer at a time.
		take := func(e ffEntry) bool {
			c := cmpEntry(e, ck)
			return (forward && c > 0) || (!forward && c < 0)
		}
		var hasPrev, hasNext bool
		if forward {
			for i := ci; i < len(custs); i++ {
				for _, e := range entries(custs[i], buf) {
					if !take(e) || !match(e) {
						continue
					}
					if len(page) == p.limit {
						hasNext = true
						break
					}
					page = append(page, e)
				}
				if hasNext {
					break
				}
			}
			hasPrev = ck.ID > 0 // the cursor names an entry before the page
		} else {
			for i := min(ci, len(custs)-1); i >= 0 && !hasPrev; i-- {
				es := entries(custs[i], buf)
				for j := len(es) - 1; j >= 0; j-- {
					e := es[j]
					if !take(e) || !match(e) {
						continue
					}
					if len(page) == p.limit {
						hasPrev = true
						break
					}
					page = append(page, e)
				}
			}
			for a, b := 0, len(page)-1; a < b; a, b = a+1, b-1 {
				page[a], page[b] = page[b], page[a]
			}
			hasNext = true
		}
		meta.CursorPagination = cursorMeta(p, page, ffEntry.key, hasPrev, hasNext)
	} else {
		off := (p.page - 1) * p.limit
		total := 0
		for _, c := range custs {
			for _, e := range entries(c, buf) {
				if match(e) {
					if total >= off && len(page) < p.limit {
						page = append(page, e)
					}
					total++
				}
			}
		}
		meta.Pagination = pageMeta(p, total, len(page))
		if p.page == 1 {
			meta.CursorPagination = cursorMeta(p, page, ffEntry.key, false, total > len(page))
		}
	}
	data := make([]formOut, len(page))
	for i, e := range page {
		data[i] = formOut{Name: e.f.Name, Value: e.f.Value}
		if e.aid != 0 {
			data[i].AddressID = e.aid
		} else {
			data[i].CustomerID = e.cid
		}
	}
	writeJSON(w, http.StatusOK, listOut{Data: data, Meta: meta})
}

// formUpsert is one item of a PUT: a value and its one owner.
type formUpsert struct {
	o        *obj
	cid, aid int64
	f        formRec
}

func (s *Server) putFormFields(w http.ResponseWriter, r *http.Request) {
	batch[formUpsert, formOut]{
		refused: "Upsert form field values failed.",
		parse: func(o *obj) formUpsert {
			o.allow("name", "value", "customer_id", "address_id")
			it := formUpsert{o: o}
			it.cid, _ = o.id("customer_id", false, 1)
			it.aid, _ = o.id("address_id", false, 1)
			if o.has("customer_id") == o.has("address_id") {
				o.fail("customer_id", "exactly one of customer_id and address_id is required")
			}
			it.f.Name, _ = o.str("name", true, 1, 255)
			it.f.Value, _ = o.formValue("value")
			it.f.path = o.path
			return it
		},
		check: func(st *store, items []formUpsert, _ map[string]string) {
			seen := map[cursorKey]string{}
			for _, it := range items {
				if it.cid != 0 && st.customer(it.cid) == nil {
					it.o.fail("customer_id", "customer "+itoa(it.cid)+" does not exist")
				}
				if it.aid != 0 && st.address(it.aid) == nil {
					it.o.fail("address_id", "address "+itoa(it.aid)+" does not exist")
				}
				if it.f.Name != "" && it.f.Value != nil && it.cid != it.aid {
					if it.cid != 0 {
						checkFormValues(st.custForm, false, []formRec{it.f}, it.o.errs)
					} else {
						checkFormValues(st.addrForm, true, []formRec{it.f}, it.o.errs)
					}
				}
				k := cursorKey{ID: it.cid, A: it.aid, S: it.f.Name}
				if first, dup := seen[k]; dup {
					it.o.fail("name", "the same owner and name appear in item "+first)
				}
				seen[k] = it.o.path
			}
		},
		apply: func(st *store, items []formUpsert) []formOut {
			var out []formOut
			for _, it := range items {
				if it.cid != 0 {
					c := st.customer(it.cid)
					n := len(c.Forms)
					c.Forms = setForms(c.Forms, []formRec{it.f})
					st.customerChanged(c, c.Email, n)
					out = append(out, formOut{Name: it.f.Name, Value: it.f.Value, CustomerID: it.cid})
				} else {
					a := st.address(it.aid)
					n := len(a.Forms)
					a.Forms = setForms(a.Forms, []formRec{it.f})
					st.addressChanged(a, n)
					out = append(out, formOut{Name: it.f.Name, Value: it.f.Value, AddressID: it.aid})
				}
			}
			return out
		},
	}.serve(s, w, r)
}
