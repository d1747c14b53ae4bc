package sandbox

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// /customers/attributes (definitions) and /customers/attribute-values.
//
// Definitions (attribute_Post, attribute_Put):
//   - name 1–255 characters, unique in the store (choice: compared ignoring
//     case), type one of string, number, date;
//   - "A store cannot have more than 50 customer attributes": a POST that
//     would pass 50 is a 422, nothing written;
//   - "Once the data type is set, it cannot be changed": PUT takes id and
//     name; a `type` equal to the current one is tolerated, a different one
//     is a 422;
//   - deleting a definition deletes its values from every customer.
//
// Values (attributeValue_Base, upsertCustomersAttributeValues):
//   - items {attribute_id, value, customer_id, id?}: written as `value`,
//     read back as `attribute_value`; sending attribute_value instead is a
//     422 (unknown field, and value is required);
//   - at most 10 items per call ("Limit of 10 customers per call"), 413
//     beyond;
//   - upsert on (customer_id, attribute_id); customer and attribute must
//     exist; the value must fit the type (a number is a plain decimal, a
//     date 2006-01-02: attrValueOK); an `id` must name the value being
//     upserted;
//   - the same (customer_id, attribute_id) twice in one request is a 422.

const maxAttributes = 50

var attrTypes = []string{"string", "number", "date"}

func (s *Server) getAttributes(w http.ResponseWriter, r *http.Request) {
	q := s.parseQuery(r, "page", "limit", "name", "name:like", "type",
		"date_created", "date_created:min", "date_created:max", "date_modified", "date_modified:min", "date_modified:max")
	name, hasName := q.str("name")
	like, hasLike := q.str("name:like")
	typ := q.enum("type", attrTypes...)
	dc, dm := q.dates("date_created"), q.dates("date_modified")
	p := q.pageParams(false)
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	like = strings.ToLower(like)
	match := func(a *attrRec) bool {
		return (!hasName || strings.EqualFold(a.Name, name)) &&
			(!hasLike || strings.Contains(strings.ToLower(a.Name), like)) &&
			(typ == "" || a.Type == typ) && dc.match(a.Created) && dm.match(a.Modified)
	}
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	writeOffsetPage(w, st.attrs, match, p, attrFull)
}

// attrNew is one item of a POST.
type attrNew struct {
	o   *obj
	def *attrRec
}

func (s *Server) postAttributes(w http.ResponseWriter, r *http.Request) {
	batch[attrNew, attrOut]{
		refused: "Create customer attributes failed.",
		parse: func(o *obj) attrNew {
			o.allow("name", "type")
			name, _ := o.str("name", true, 1, 255)
			typ, ok := o.str("type", true, 1, 0)
			if ok && !oneOf(typ, attrTypes) {
				o.fail("type", "must be one of string, number, date")
			}
			return attrNew{o, &attrRec{Name: name, Type: typ}}
		},
		check: func(st *store, items []attrNew, errs map[string]string) {
			inBatch := map[string]bool{}
			for _, it := range items {
				low := strings.ToLower(it.def.Name)
				if it.def.Name != "" && (st.attrByNameFold(it.def.Name) != nil || inBatch[low]) {
					it.o.fail("name", "an attribute named "+strconv.Quote(it.def.Name)+" already exists")
				}
				inBatch[low] = true
			}
			if len(st.attrs)+len(items) > maxAttributes {
				errs["attributes"] = "A store cannot have more than 50 customer attributes (it has " + itoa(len(st.attrs)) + ")"
			}
		},
		apply: func(st *store, items []attrNew) []attrOut {
			var out []attrOut
			now := s.now().Unix()
			for _, it := range items {
				it.def.Created, it.def.Modified = now, now
				st.insertAttr(it.def)
				out = append(out, attrFull(it.def))
			}
			return out
		},
	}.serve(s, w, r)
}

// attrUpdate is one item of a PUT.
type attrUpdate struct {
	o        *obj
	id       int64
	name     string
	typ      string
	typGiven bool
}

func (s *Server) putAttributes(w http.ResponseWriter, r *http.Request) {
	batch[attrUpdate, attrOut]{
		refused: "Update customer attributes failed.",
		parse: func(o *obj) attrUpdate {
			o.allow("id", "name", "type")
			it := attrUpdate{o: o}
			it.id, _ = o.id("id", true, 1)
			it.name, _ = o.str("name", true, 1, 255)
			it.typ, it.typGiven = o.str("type", false, 0, 0)
			return it
		},
		check: func(st *store, items []attrUpdate, _ map[string]string) {
			names := map[string]int64{}
			for _, a := range st.attrs {
				names[strings.ToLower(a.Name)] = a.ID
			}
			seen := map[int64]bool{}
			for _, it := range items {
				if it.id == 0 {
					continue
				}
				a := st.attr(it.id)
				switch {
				case a == nil:
					it.o.fail("id", "attribute "+itoa(it.id)+" does not exist")
					continue
				case seen[it.id]:
					it.o.fail("id", "attribute "+itoa(it.id)+" appears twice in this request")
					continue
				case it.typGiven && it.typ != a.Type:
					it.o.fail("type", "Once the data type is set, it cannot be changed (it is "+a.Type+")")
				}
				seen[it.id] = true
				if it.name != "" {
					if owner, ok := names[strings.ToLower(it.name)]; ok && owner != it.id {
						it.o.fail("name", "an attribute named "+strconv.Quote(it.name)+" already exists")
					}
					delete(names, strings.ToLower(a.Name))
					names[strings.ToLower(it.name)] = it.id
				}
			}
		},
		apply: func(st *store, items []attrUpdate) []attrOut {
			var out []attrOut
			now := s.now().Unix()
			for _, it := range items {
				a := st.attr(it.id)
				a.Name, a.Modified = it.name, max(now, a.Created)
				st.attrChanged(a)
				out = append(out, attrFull(a))
			}
			return out
		},
	}.serve(s, w, r)
}

func (s *Server) deleteAttributes(w http.ResponseWriter, r *http.Request) {
	s.serveDelete(w, r, (*store).deleteAttrs)
}

func (st *store) attrByNameFold(name string) *attrRec {
	for _, a := range st.attrs {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func (s *Server) getValues(w http.ResponseWriter, r *http.Request) {
	q := s.parseQuery(r, "page", "limit", "customer_id:in", "attribute_id:in", "name",
		"date_created", "date_created:min", "date_created:max", "date_modified", "date_modified:min", "date_modified:max")
	cids := q.intList("customer_id:in")
	aids := q.intList("attribute_id:in")
	name, hasName := q.str("name")
	dc, dm := q.dates("date_created"), q.dates("date_modified")
	p := q.pageParams(false)
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	var aset map[int64]bool
	if aids != nil {
		aset = setOf(aids)
	}
	if hasName { // the attribute's name (document: `name=age`)
		named := map[int64]bool{}
		for _, a := range st.attrs {
			if strings.EqualFold(a.Name, name) && (aset == nil || aset[a.ID]) {
				named[a.ID] = true
			}
		}
		aset = named
	}
	match := func(v *valueRec) bool {
		return (aset == nil || aset[v.AttrID]) && dc.match(v.Created) && dm.match(v.Modified)
	}
	list := st.values
	if cids != nil {
		list = nil
		for _, id := range keys(setOf(cids)) {
			if c := st.customer(id); c != nil {
				list = append(list, c.vals...)
			}
		}
		sortByID(list)
	}
	writeOffsetPage(w, list, match, p, valueFull)
}

// valueUpsert is one item of a PUT.
type valueUpsert struct {
	o                  *obj
	id, attrID, custID int64
	value              string
	valueOK            bool
}

func (s *Server) putValues(w http.ResponseWriter, r *http.Request) {
	batch[valueUpsert, valueOut]{
		refused: "Upsert customer attribute values failed.",
		parse: func(o *obj) valueUpsert {
			o.allow("id", "attribute_id", "value", "customer_id")
			it := valueUpsert{o: o}
			it.id, _ = o.id("id", false, 1)
			it.attrID, _ = o.id("attribute_id", true, 1)
			it.custID, _ = o.id("customer_id", true, 1)
			if !o.has("value") {
				o.fail("value", "is required (attribute values are written as value and read back as attribute_value)")
			}
			it.value, it.valueOK = o.str("value", false, 0, 255)
			return it
		},
		check: func(st *store, items []valueUpsert, _ map[string]string) {
			seen := map[[2]int64]string{}
			for _, it := range items {
				if it.attrID == 0 || it.custID == 0 {
					continue
				}
				a := st.attr(it.attrID)
				c := st.customer(it.custID)
				if a == nil {
					it.o.fail("attribute_id", "attribute "+itoa(it.attrID)+" does not exist")
				} else if it.valueOK {
					if msg := attrValueOK(a.Type, it.value); msg != "" {
						it.o.fail("value", msg)
					}
				}
				if c == nil {
					it.o.fail("customer_id", "customer "+itoa(it.custID)+" does not exist")
				}
				key := [2]int64{it.custID, it.attrID}
				if first, dup := seen[key]; dup {
					it.o.fail("attribute_id", "the same customer and attribute appear in item "+first)
				}
				seen[key] = it.o.path
				if it.id != 0 && c != nil {
					if v := st.value(it.id); v == nil || v.CustomerID != it.custID || v.AttrID != it.attrID {
						it.o.fail("id", "attribute value "+itoa(it.id)+" does not belong to this customer and attribute")
					}
				}
			}
		},
		apply: func(st *store, items []valueUpsert) []valueOut {
			var out []valueOut
			now := s.now().Unix()
			for _, it := range items {
				c := st.customer(it.custID)
				var v *valueRec
				for _, x := range c.vals {
					if x.AttrID == it.attrID {
						v = x
					}
				}
				if v == nil {
					v = &valueRec{CustomerID: it.custID, AttrID: it.attrID, Value: it.value, Created: now, Modified: now}
					st.insertValue(v)
				} else {
					v.Value, v.Modified = it.value, max(now, v.Created)
					st.valueChanged(v)
				}
				out = append(out, valueFull(v))
			}
			return out
		},
	}.serve(s, w, r)
}

func (s *Server) deleteValues(w http.ResponseWriter, r *http.Request) {
	s.serveDelete(w, r, (*store).deleteValues)
}

func sortByID(vs []*valueRec) { sort.Slice(vs, func(i, j int) bool { return vs[i].ID < vs[j].ID }) }
