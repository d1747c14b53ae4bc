package sandbox

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// /customers/addresses (getCustomersAddresses, createCustomersAddresses,
// updateCustomersAddresses, deleteCustomersAddresses).
//
// Rules:
//   - POST requires customer_id (existing), first_name, last_name, city,
//     country_code, address1, state_or_province, postal_code (address_Post
//     `required`); lengths from address_Post; country_code a known ISO
//     3166-1 alpha-2 code in upper case; address_type residential or
//     commercial (default residential);
//   - state_or_province: "spelled out in full … State or province codes not
//     accepted" — enforced for US, CA and AU (countries.go);
//   - uniqueness: "A unique customer address is a combination of" customer_id,
//     first_name, last_name, company, phone, address_type, address1,
//     address2, city, country_code, state_or_province, postal_code, compared
//     exactly (case and spaces matter). A POST of an address that exists (or
//     that an earlier item of the same request creates) "will result in no
//     change …, an HTTP 200 return code, and the address will be absent from
//     the response body"; a PUT that would make an address identical to
//     another of the customer's likewise;
//   - PUT requires id (existing); only the fields sent change;
//   - at most 10 items per call (the document says "multiple"; 10 is the
//     client's documented batch size), 413 beyond;
//   - a bad item fails the whole request with 422, nothing written.

var addressFields = []string{"first_name", "last_name", "company", "address1", "address2", "city",
	"state_or_province", "postal_code", "country_code", "phone", "address_type", "form_fields"}

type addrMode int

const (
	addrInline addrMode = iota // customerAddresses_CustomerPost
	addrPost                   // address_Post
	addrPut                    // address_Put
)

// readAddress copies the fields present in o onto a and returns the form
// fields sent.
func readAddress(o *obj, a *addressRec, mode addrMode) []formRec {
	req := mode != addrPut
	switch mode {
	case addrInline:
		o.allow(addressFields...)
	case addrPost:
		o.allow(append([]string{"customer_id"}, addressFields...)...)
	case addrPut:
		o.allow(append([]string{"id"}, addressFields...)...)
	}
	set := func(dst *string, k string, required bool, minLen, maxLen int) {
		if v, ok := o.str(k, required, minLen, maxLen); ok {
			*dst = v
		}
	}
	set(&a.FirstName, "first_name", req, 1, 255)
	set(&a.LastName, "last_name", req, 1, 255)
	set(&a.Company, "company", false, 0, 255)
	// address1/address2 have no documented maximum; 255 is the column size
	// we assume.
	set(&a.Address1, "address1", req, 1, 255)
	set(&a.Address2, "address2", false, 0, 255)
	set(&a.City, "city", req, 1, 100)
	if mode == addrPost {
		// Required keys, but empty is fine for countries without states
		// or postal codes (checked in checkAddress).
		for _, k := range []string{"state_or_province", "postal_code"} {
			if !o.has(k) {
				o.fail(k, "is required")
			}
		}
	}
	set(&a.State, "state_or_province", false, 0, 100)
	set(&a.Postal, "postal_code", false, 0, 30)
	set(&a.CountryCode, "country_code", req, 2, 2)
	set(&a.Phone, "phone", false, 0, 50)
	if v, ok := o.str("address_type", false, 0, 0); ok {
		if v != "residential" && v != "commercial" {
			o.fail("address_type", "must be residential or commercial")
		} else {
			a.AddressType = v
		}
	}
	forms, _ := o.formFields("form_fields")
	return forms
}

// checkAddress applies the rules that depend on several fields.
func checkAddress(o *obj, a *addressRec) {
	if a.CountryCode == "" {
		return // already reported
	}
	if _, ok := countryNames[a.CountryCode]; !ok {
		o.fail("country_code", "is not an ISO 3166-1 alpha-2 country code (upper case): "+strconv.Quote(a.CountryCode))
		return
	}
	if msg := checkState(a.CountryCode, a.State); msg != "" {
		o.fail("state_or_province", msg)
	}
	if needsPostal(a.CountryCode) && strings.TrimSpace(a.Postal) == "" {
		o.fail("postal_code", "is required for country "+a.CountryCode)
	}
}

// sameAddress compares the documented uniqueness key exactly.
func sameAddress(a, b *addressRec) bool {
	return a.CustomerID == b.CustomerID && a.FirstName == b.FirstName && a.LastName == b.LastName &&
		a.Company == b.Company && a.Phone == b.Phone && a.AddressType == b.AddressType &&
		a.Address1 == b.Address1 && a.Address2 == b.Address2 && a.City == b.City &&
		a.CountryCode == b.CountryCode && a.State == b.State && a.Postal == b.Postal
}

func dupAddress(list []*addressRec, a *addressRec) bool {
	for _, x := range list {
		if x != a && x.ID != a.ID && sameAddressFields(x, a) {
			return true
		}
	}
	return false
}

// sameAddressFields is sameAddress without customer_id (for lists that
// already belong to one customer, and inline addresses not yet owned).
func sameAddressFields(a, b *addressRec) bool {
	cp := *b
	cp.CustomerID = a.CustomerID
	return sameAddress(a, &cp)
}

func (s *Server) getAddresses(w http.ResponseWriter, r *http.Request) {
	q := s.parseQuery(r, "page", "limit", "id:in", "customer_id:in", "company:in", "name:in", "include")
	ids := q.intList("id:in")
	cids := q.intList("customer_id:in")
	companies := q.strList("company:in")
	names := q.strList("name:in")
	inc := q.include("formfields")
	p := q.pageParams(false)
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	var f filters[*addressRec]
	keepIn(&f, ids, func(a *addressRec) int64 { return a.ID })
	keepIn(&f, cids, func(a *addressRec) int64 { return a.CustomerID })
	keepFold(&f, companies, func(a *addressRec) string { return a.Company })
	keepName(&f, names, func(a *addressRec) string { return a.FirstName }, func(a *addressRec) string { return a.LastName })
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	list := st.addresses
	switch {
	case ids != nil:
		list = nil
		for id := range setOf(ids) {
			if a := st.address(id); a != nil {
				list = append(list, a)
			}
		}
	case cids != nil:
		list = nil
		for id := range setOf(cids) {
			if c := st.customer(id); c != nil {
				list = append(list, c.addrs...)
			}
		}
	}
	if ids != nil || cids != nil {
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	}
	forms := inc["formfields"]
	writeOffsetPage(w, list, f.all(), p, func(a *addressRec) addressOut { return addressFull(a, forms) })
}

// addrNew is one item of a POST.
type addrNew struct {
	o     *obj
	a     *addressRec
	forms []formRec
}

func (s *Server) postAddresses(w http.ResponseWriter, r *http.Request) {
	batch[*addrNew, addressOut]{
		refused: "Create customer addresses failed.",
		parse: func(o *obj) *addrNew {
			a := &addressRec{AddressType: "residential"}
			a.CustomerID, _ = o.id("customer_id", true, 1)
			forms := readAddress(o, a, addrPost)
			checkAddress(o, a)
			return &addrNew{o, a, forms}
		},
		check: func(st *store, items []*addrNew, _ map[string]string) {
			for _, it := range items {
				if it.a.CustomerID != 0 && st.customer(it.a.CustomerID) == nil {
					it.o.fail("customer_id", "customer "+itoa(it.a.CustomerID)+" does not exist")
				}
				checkFormValues(st.addrForm, true, it.forms, it.o.errs)
			}
		},
		apply: func(st *store, items []*addrNew) []addressOut {
			out := []addressOut{}
			for _, it := range items {
				c := st.customer(it.a.CustomerID)
				if dupAddress(c.addrs, it.a) {
					continue // exists already: 200, absent from data, nothing changed
				}
				it.a.Forms = setForms(nil, it.forms)
				st.insertAddress(it.a)
				out = append(out, addressFull(it.a, len(it.a.Forms) > 0))
			}
			return out
		},
	}.serve(s, w, r)
}

// addrUpdate is one item of a PUT: the address (cur) and, once checked,
// what it becomes (next) and the form fields sent.
type addrUpdate struct {
	o         *obj
	id        int64
	cur, next *addressRec
	forms     []formRec
}

func (s *Server) putAddresses(w http.ResponseWriter, r *http.Request) {
	batch[*addrUpdate, addressOut]{
		refused: "Update customer addresses failed.",
		parse: func(o *obj) *addrUpdate {
			id, _ := o.id("id", true, 1)
			return &addrUpdate{o: o, id: id}
		},
		// The fields are read onto a copy of the stored address, so the
		// rules that span fields see the result; the write copies it back.
		check: func(st *store, items []*addrUpdate, _ map[string]string) {
			seen := map[int64]string{}
			for _, it := range items {
				next := &addressRec{}
				cur := st.address(it.id)
				if cur != nil {
					*next = *cur
				}
				forms := readAddress(it.o, next, addrPut)
				if it.id == 0 {
					continue
				}
				if cur == nil {
					it.o.fail("id", "address "+itoa(it.id)+" does not exist")
					continue
				}
				if first, dup := seen[it.id]; dup {
					it.o.fail("id", "address "+itoa(it.id)+" is already updated by item "+first)
					continue
				}
				seen[it.id] = it.o.path
				checkAddress(it.o, next)
				checkFormValues(st.addrForm, true, forms, it.o.errs)
				it.cur, it.next, it.forms = cur, next, forms
			}
		},
		// Every item passed check, so each has cur and next.
		apply: func(st *store, items []*addrUpdate) []addressOut {
			out := []addressOut{}
			for _, it := range items {
				c := st.customer(it.cur.CustomerID)
				if dupAddress(c.addrs, it.next) {
					continue // would equal another address: 200, absent, unchanged
				}
				oldForms := len(it.cur.Forms)
				it.next.Forms = setForms(it.cur.Forms, it.forms)
				*it.cur = *it.next
				st.addressChanged(it.cur, oldForms)
				out = append(out, addressFull(it.cur, len(it.cur.Forms) > 0))
			}
			return out
		},
	}.serve(s, w, r)
}

func (s *Server) deleteAddresses(w http.ResponseWriter, r *http.Request) {
	s.serveDelete(w, r, (*store).deleteAddresses)
}
