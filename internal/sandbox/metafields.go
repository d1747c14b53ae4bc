package sandbox

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Customer metafields (customers.v3.yml): the batch endpoints
// /v3/customers/metafields (GET, POST, PUT, DELETE) and one customer's
// /v3/customers/{customerId}/metafields[/{metafieldId}].
//
// Rules:
//   - namespace and key 1–64 characters, value 1–65535, description 0–255,
//     permission_set one of app_only, read, write, read_and_sf_access,
//     write_and_sf_access; on POST namespace, key, value and permission_set
//     are required, and resource_id (the customer, which must exist) on the
//     batch POST; resource_type is always customer (read-only here);
//   - unique per customer on (namespace, key) for the app that owns the
//     metafield ("duplicate unique key combinations of the app's client id,
//     namespace, key, resource_type, and resource_id"): 409;
//   - at most 50 metafields per customer ("the max number of metafields
//     allowed on each is 50", metafield_Base; choice: counted over every
//     app's metafields);
//   - ownership: every request here is the sandbox's one API client
//     (owner_client_id ownClientID). A metafield another app owns is
//     invisible when its permission_set is app_only ("Private to the app
//     that owns the field") and can be changed or deleted only when it is
//     write or write_and_sf_access (else "Unauthorized to update/delete",
//     the document's example error). Generated stores hold such metafields,
//     so a source's app_only metafields of other apps cannot be carried;
//   - the batch writes take at most 10 items (choice: the document gives no
//     number; 10 as for the other batch writes, 413 beyond) and succeed
//     item by item, as the document's "partial success" answers say: every
//     good item is written; if any item fails the answer is 422 with the
//     written ones in `data`, one Error per failed item in `errors` (its
//     `errors` keyed "index.field" like the other write errors, or by
//     metafield id for DELETE), and meta {total, success, failed}; a body
//     that is not a JSON array of objects (ids for DELETE) is 400 "Input is
//     invalid" with a `detail`;
//   - the single-customer POST and PUT take one object and answer the
//     collection shape the document gives them (data: [metafield]); PUT
//     requires `id` in the body, equal to the path's ("required: id");
//   - listing: by id, `direction=desc` reversed; filters key, key:in,
//     namespace, namespace:in (exact), date_created:min/max and
//     date_modified:min/max; page/limit or the before/after cursors.
//     include_fields is not emulated (422 as an unknown filter: its
//     answers would lack the fields the document's Metafield requires).

const (
	maxMetafieldsPerCustomer = 50
	// ownClientID is the owner_client_id of the metafields this API client
	// writes (never derived from the token).
	ownClientID = "bcetlsandbox000000000000000000"
	// otherClientID owns the generated metafields of "another app".
	otherClientID = "loyaltyapp00000000000000000000"
)

var metaPermissions = []string{"app_only", "read", "write", "read_and_sf_access", "write_and_sf_access"}

type metaRec struct {
	ID, CustomerID                                    int64
	Namespace, Key, Value, Description, PermissionSet string
	Owner                                             string
	Created, Modified                                 int64
}

func (m *metaRec) visible() bool { return m.Owner == ownClientID || m.PermissionSet != "app_only" }
func (m *metaRec) writable() bool {
	return m.Owner == ownClientID || m.PermissionSet == "write" || m.PermissionSet == "write_and_sf_access"
}

type metafieldOut struct {
	ID            int64  `json:"id"`
	Key           string `json:"key"`
	Value         string `json:"value"`
	Namespace     string `json:"namespace"`
	PermissionSet string `json:"permission_set"`
	ResourceType  string `json:"resource_type"`
	ResourceID    int64  `json:"resource_id"`
	Description   string `json:"description"`
	DateCreated   string `json:"date_created"`
	DateModified  string `json:"date_modified"`
	OwnerClientID string `json:"owner_client_id"`
}

func metafieldFull(m *metaRec) metafieldOut {
	return metafieldOut{ID: m.ID, Key: m.Key, Value: m.Value, Namespace: m.Namespace, PermissionSet: m.PermissionSet,
		ResourceType: "customer", ResourceID: m.CustomerID, Description: m.Description,
		DateCreated: formatTime(m.Created), DateModified: formatTime(m.Modified), OwnerClientID: m.Owner}
}

func (st *store) metafield(id int64) *metaRec {
	i := sort.Search(len(st.metafields), func(i int) bool { return st.metafields[i].ID >= id })
	if i < len(st.metafields) && st.metafields[i].ID == id {
		return st.metafields[i]
	}
	return nil
}

func (st *store) putMetafield(m *metaRec) {
	if st.metafield(m.ID) == nil {
		claimID(&m.ID, &st.nextMetafield)
		st.metafields = insertByID(st.metafields, m)
		if c := st.customer(m.CustomerID); c != nil {
			c.metas = insertByID(c.metas, m)
		}
	}
	st.log(journalOp{Op: opPutMetafield, M: ptr(*m)})
}

func (st *store) deleteMetafields(ids []int64) {
	del := map[int64]bool{}
	for _, id := range ids {
		if m := st.metafield(id); m != nil {
			del[id] = true
			if c := st.customer(m.CustomerID); c != nil {
				c.metas = filter(c.metas, func(x *metaRec) bool { return x.ID != id })
			}
		}
	}
	if len(del) == 0 {
		return
	}
	st.metafields = filter(st.metafields, func(m *metaRec) bool { return !del[m.ID] })
	st.log(journalOp{Op: opDelMetafields, IDs: keys(del)})
}

// clash is the metafield of the same owner, customer, namespace and key
// as m, other than m itself.
func (st *store) clash(m *metaRec) *metaRec {
	c := st.customer(m.CustomerID)
	if c == nil {
		return nil
	}
	for _, x := range c.metas {
		if x.ID != m.ID && x.Owner == m.Owner && x.Namespace == m.Namespace && x.Key == m.Key {
			return x
		}
	}
	return nil
}

// readMetafield applies the fields of o to m; post requires the fields a
// new metafield needs.
func readMetafield(o *obj, m *metaRec, post bool) {
	for _, f := range []struct {
		k        string
		dst      *string
		min, max int
	}{{"namespace", &m.Namespace, 1, 64}, {"key", &m.Key, 1, 64}, {"value", &m.Value, 1, 65535}, {"description", &m.Description, 0, 255}} {
		if v, ok := o.str(f.k, post && f.min > 0, f.min, f.max); ok {
			*f.dst = v
		}
	}
	if v, ok := o.str("permission_set", post, 1, 0); ok {
		if oneOf(v, metaPermissions) {
			m.PermissionSet = v
		} else {
			o.fail("permission_set", "must be one of "+strings.Join(metaPermissions, ", "))
		}
	}
}

// metaItem is one item of a metafield write, for the partial answers.
type metaItem struct {
	o    *obj
	m    *metaRec // the result, once read
	errs map[string]string
	conf bool // a uniqueness conflict (409)
}

// metaBatchOut is MetaFieldCollectionPostPutResponses and its partial
// success variant.
type metaBatchOut struct {
	Data   any            `json:"data"`
	Errors []metaErrorOut `json:"errors"`
	Meta   any            `json:"meta"`
}

type metaErrorOut struct {
	Status int               `json:"status"`
	Title  string            `json:"title"`
	Type   string            `json:"type"`
	Errors map[string]string `json:"errors"`
}

type writeMeta struct {
	Total   int `json:"total"`
	Success int `json:"success"`
	Failed  int `json:"failed"`
}

// writeMetaBatch answers a batch write: 200 when every item passed, 422
// with the partial-success body otherwise.
func writeMetaBatch(w http.ResponseWriter, data any, fails []metaErrorOut, total int) {
	status := http.StatusOK
	if len(fails) > 0 {
		status = http.StatusUnprocessableEntity
	}
	if fails == nil {
		fails = []metaErrorOut{}
	}
	writeJSON(w, status, metaBatchOut{Data: data, Errors: fails,
		Meta: writeMeta{Total: total, Success: total - len(fails), Failed: len(fails)}})
}

func itemFailure(it *metaItem, title string) metaErrorOut {
	status := http.StatusUnprocessableEntity
	if it.conf {
		status = http.StatusConflict
	}
	return metaErrorOut{Status: status, Title: title, Type: statusDocType, Errors: it.errs}
}

// inputError answers a body that cannot be read as a batch: 400 "Input is
// invalid" with a detail (the document's 400), or readItems' 413/415.
func inputError(w http.ResponseWriter, r *http.Request, err error) {
	if ae, ok := err.(*apiError); ok && ae.status == http.StatusUnprocessableEntity {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": 400, "title": "Input is invalid",
			"type": statusDocType, "detail": ae.title})
		return
	}
	fail(w, r, err)
}

// addMetafield checks a new metafield against the store and adds it.
func (s *Server) addMetafield(st *store, it *metaItem, inBatch map[string]bool) {
	m := it.m
	if len(it.errs) > 0 {
		return
	}
	m.Owner = ownClientID
	c := st.customer(m.CustomerID)
	key := itoa(m.CustomerID) + "\x00" + m.Namespace + "\x00" + m.Key
	switch {
	case c == nil:
		it.errs[it.o.key("resource_id")] = "customer " + itoa(m.CustomerID) + " does not exist"
	case st.clash(m) != nil || inBatch[key]:
		it.errs[it.o.key("key")] = "a metafield with namespace " + strconv.Quote(m.Namespace) + " and key " +
			strconv.Quote(m.Key) + " already exists for customer " + itoa(m.CustomerID)
		it.conf = true
	case len(c.metas) >= maxMetafieldsPerCustomer:
		it.errs[it.o.key("resource_id")] = "customer " + itoa(m.CustomerID) + " already has 50 metafields, the most allowed"
	default:
		now := s.now().Unix()
		m.Created, m.Modified = now, now
		st.putMetafield(m)
		inBatch[key] = true
	}
}

func (s *Server) postMetafields(w http.ResponseWriter, r *http.Request) {
	raws, err := readItems(r, maxBatch)
	if err != nil {
		inputError(w, r, err)
		return
	}
	items := s.metaItems(raws, func(o *obj, m *metaRec) {
		o.allow("permission_set", "namespace", "key", "value", "description", "resource_id")
		readMetafield(o, m, true)
		m.CustomerID, _ = o.id("resource_id", true, 1)
	})
	if items == nil {
		inputError(w, r, unprocessable("Every item must be a JSON object.", nil))
		return
	}
	var data []metafieldOut
	var fails []metaErrorOut
	err = s.write(func(st *store) error {
		inBatch := map[string]bool{}
		for _, it := range items {
			s.addMetafield(st, it, inBatch)
			if len(it.errs) > 0 {
				fails = append(fails, itemFailure(it, "The metafield was not created."))
			} else {
				data = append(data, metafieldFull(it.m))
			}
		}
		return nil
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	writeMetaBatch(w, orEmpty(data), fails, len(items))
}

// metaItems decodes the items of a batch, each with its own error map;
// nil when an item is not an object.
func (s *Server) metaItems(raws []json.RawMessage, read func(o *obj, m *metaRec)) []*metaItem {
	var items []*metaItem
	for i, raw := range raws {
		errs := map[string]string{}
		o := decodeItem(raw, i, !s.recordedErrors(), errs)
		if o == nil {
			return nil
		}
		it := &metaItem{o: o, m: &metaRec{}, errs: errs}
		read(o, it.m)
		items = append(items, it)
	}
	return items
}

// updateMetafield applies an item to the metafield it names.
func (s *Server) updateMetafield(st *store, it *metaItem, id int64, customer int64) {
	if len(it.errs) > 0 {
		return
	}
	cur := st.metafield(id)
	switch {
	case cur == nil || !cur.visible() || (customer != 0 && cur.CustomerID != customer):
		it.errs[it.o.key("id")] = "metafield " + itoa(id) + " does not exist"
		return
	case !cur.writable():
		it.errs[it.o.key("id")] = "Unauthorized to update metafield " + itoa(id)
		return
	}
	next := *cur
	readMetafield(it.o, &next, false)
	if len(it.errs) > 0 {
		return
	}
	if st.clash(&next) != nil {
		it.errs[it.o.key("key")] = "a metafield with namespace " + strconv.Quote(next.Namespace) + " and key " +
			strconv.Quote(next.Key) + " already exists for customer " + itoa(next.CustomerID)
		it.conf = true
		return
	}
	next.Modified = max(s.now().Unix(), cur.Created)
	*cur = next
	st.putMetafield(cur)
	it.m = cur
}

var metaPutFields = []string{"id", "permission_set", "namespace", "key", "value", "description"}

func (s *Server) putMetafields(w http.ResponseWriter, r *http.Request) {
	raws, err := readItems(r, maxBatch)
	if err != nil {
		inputError(w, r, err)
		return
	}
	ids := make([]int64, len(raws))
	n := 0
	items := s.metaItems(raws, func(o *obj, m *metaRec) {
		o.allow(metaPutFields...)
		ids[n], _ = o.id("id", true, 1)
		n++
	})
	if items == nil {
		inputError(w, r, unprocessable("Every item must be a JSON object.", nil))
		return
	}
	var data []metafieldOut
	var fails []metaErrorOut
	err = s.write(func(st *store) error {
		seen := map[int64]bool{}
		for i, it := range items {
			if ids[i] != 0 && seen[ids[i]] {
				it.errs[it.o.key("id")] = "metafield " + itoa(ids[i]) + " appears twice in this request"
			}
			seen[ids[i]] = true
			s.updateMetafield(st, it, ids[i], 0)
			if len(it.errs) > 0 {
				fails = append(fails, itemFailure(it, "The metafield was not updated."))
			} else {
				data = append(data, metafieldFull(it.m))
			}
		}
		return nil
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	writeMetaBatch(w, orEmpty(data), fails, len(items))
}

func (s *Server) deleteMetafields(w http.ResponseWriter, r *http.Request) {
	raws, err := readItems(r, maxBatch)
	if err != nil {
		inputError(w, r, err)
		return
	}
	ids := make([]int64, len(raws))
	for i, raw := range raws {
		if json.Unmarshal(raw, &ids[i]) != nil || ids[i] < 1 {
			inputError(w, r, unprocessable("The body must be a JSON array of metafield ids.", nil))
			return
		}
	}
	deleted := []int64{}
	var fails []metaErrorOut
	err = s.write(func(st *store) error {
		for _, id := range ids {
			m := st.metafield(id)
			msg := ""
			switch {
			case m == nil || !m.visible():
				msg = "Metafield does not exist"
			case !m.writable():
				msg = "Unauthorized to delete"
			}
			if msg != "" {
				fails = append(fails, metaErrorOut{Status: http.StatusUnprocessableEntity, Title: "The metafield was not deleted.",
					Type: statusDocType, Errors: map[string]string{itoa(id): msg}})
				continue
			}
			st.deleteMetafields([]int64{id})
			deleted = append(deleted, id)
		}
		return nil
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	writeMetaBatch(w, deleted, fails, len(ids))
}

// metaCustomer reads the customer of the path; it answers 404 itself.
func (s *Server) metaCustomer(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := pathID(w, r, "customerId")
	if !ok {
		return 0, false
	}
	s.st.mu.RLock()
	c := s.st.customer(id)
	s.st.mu.RUnlock()
	if c == nil {
		writeError(w, r, http.StatusNotFound, "Customer "+itoa(id)+" was not found.", nil)
		return 0, false
	}
	return id, true
}

func (s *Server) postCustomerMetafield(w http.ResponseWriter, r *http.Request) {
	cid, ok := s.metaCustomer(w, r)
	if !ok {
		return
	}
	m, err := readObject(r, http.StatusBadRequest)
	if err != nil {
		inputError(w, r, err)
		return
	}
	it := &metaItem{o: bodyObj(m), m: &metaRec{CustomerID: cid}}
	it.errs = it.o.errs
	it.o.allow("permission_set", "namespace", "key", "value", "description")
	readMetafield(it.o, it.m, true)
	s.serveOneMetafield(w, r, it, func(st *store) { s.addMetafield(st, it, map[string]bool{}) })
}

func (s *Server) putCustomerMetafield(w http.ResponseWriter, r *http.Request) {
	cid, ok := s.metaCustomer(w, r)
	if !ok {
		return
	}
	mid, ok := pathID(w, r, "metafieldId")
	if !ok {
		return
	}
	m, err := readObject(r, http.StatusBadRequest)
	if err != nil {
		inputError(w, r, err)
		return
	}
	it := &metaItem{o: bodyObj(m)}
	it.errs = it.o.errs
	it.o.allow(metaPutFields...)
	if id, ok := it.o.id("id", true, 1); ok && id != mid {
		it.o.fail("id", "must be the metafield id of the path, "+itoa(mid))
	}
	s.serveOneMetafield(w, r, it, func(st *store) { s.updateMetafield(st, it, mid, cid) })
}

// serveOneMetafield runs a single-metafield write and answers it: 200 with
// data [metafield], 409 for a conflict, 404 for an unknown metafield, 422
// otherwise.
func (s *Server) serveOneMetafield(w http.ResponseWriter, r *http.Request, it *metaItem, apply func(st *store)) {
	err := s.write(func(st *store) error {
		apply(st)
		switch {
		case len(it.errs) == 0:
			return nil
		case it.conf:
			return &apiError{status: http.StatusConflict, title: "The metafield conflicts with another metafield.", errs: it.errs}
		case strings.HasSuffix(it.errs["id"], "does not exist"):
			return &apiError{status: http.StatusNotFound, title: "The resource at that URL is not found."}
		}
		return unprocessable("The metafield was not valid.", it.errs)
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, metaBatchOut{Data: []metafieldOut{metafieldFull(it.m)}, Errors: []metaErrorOut{},
		Meta: writeMeta{Total: 1, Success: 1}})
}

func (s *Server) getCustomerMetafield(w http.ResponseWriter, r *http.Request) {
	cid, ok := s.metaCustomer(w, r)
	if !ok {
		return
	}
	mid, ok := pathID(w, r, "metafieldId")
	if !ok {
		return
	}
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	m := st.metafield(mid)
	if m == nil || m.CustomerID != cid || !m.visible() {
		writeError(w, r, http.StatusNotFound, "The resource at that URL is not found.", nil)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Data metafieldOut `json:"data"`
		Meta struct{}     `json:"meta"`
	}{Data: metafieldFull(m)})
}

func (s *Server) deleteCustomerMetafield(w http.ResponseWriter, r *http.Request) {
	cid, ok := s.metaCustomer(w, r)
	if !ok {
		return
	}
	mid, ok := pathID(w, r, "metafieldId")
	if !ok {
		return
	}
	err := s.write(func(st *store) error {
		m := st.metafield(mid)
		switch {
		case m == nil || m.CustomerID != cid || !m.visible():
			return &apiError{status: http.StatusNotFound, title: "The resource at that URL is not found."}
		case !m.writable():
			return &apiError{status: http.StatusForbidden, title: "Unauthorized to delete"}
		}
		st.deleteMetafields([]int64{mid})
		return nil
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	noContent(w)
}

func (s *Server) getAllMetafields(w http.ResponseWriter, r *http.Request) { s.listMetafields(w, r, 0) }

func (s *Server) getCustomerMetafields(w http.ResponseWriter, r *http.Request) {
	if cid, ok := s.metaCustomer(w, r); ok {
		s.listMetafields(w, r, cid)
	}
}

// listMetafields answers a listing of every customer's metafields
// (customer 0) or one customer's.
func (s *Server) listMetafields(w http.ResponseWriter, r *http.Request, customer int64) {
	q := s.parseQuery(r, "page", "limit", "key", "key:in", "namespace", "namespace:in", "direction",
		"date_created:min", "date_created:max", "date_modified:min", "date_modified:max", "before", "after")
	var f filters[*metaRec]
	for _, p := range []struct {
		name string
		key  func(*metaRec) string
	}{{"key", func(m *metaRec) string { return m.Key }}, {"namespace", func(m *metaRec) string { return m.Namespace }}} {
		if v, ok := q.str(p.name); ok {
			keepIn(&f, []string{v}, p.key)
		}
		keepIn(&f, q.strList(p.name+":in"), p.key)
	}
	keepWithin(&f, q.dates("date_created"), func(m *metaRec) int64 { return m.Created })
	keepWithin(&f, q.dates("date_modified"), func(m *metaRec) int64 { return m.Modified })
	desc := q.enum("direction", "asc", "desc") == "desc"
	p := q.pageParams(true)
	var ck cursorKey
	if p.cursor() {
		ck, _, _ = cursorParam(q, p)
	}
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	match := f.all()
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	all := st.metafields
	if customer != 0 {
		c := st.customer(customer)
		if c == nil { // deleted since metaCustomer looked
			writeError(w, r, http.StatusNotFound, "Customer "+itoa(customer)+" was not found.", nil)
			return
		}
		all = c.metas
	}
	var list []*metaRec
	for _, m := range all {
		if m.visible() && (match == nil || match(m)) {
			list = append(list, m)
		}
	}
	if desc {
		for a, b := 0, len(list)-1; a < b; a, b = a+1, b-1 {
			list[a], list[b] = list[b], list[a]
		}
	}
	key := func(m *metaRec) cursorKey { return cursorKey{ID: m.ID} }
	var page []*metaRec
	var meta metaOut
	if p.cursor() {
		forward := p.after != ""
		// The first position after (forward) or at-or-after (backward) the
		// cursor in this direction.
		pos := sort.Search(len(list), func(i int) bool {
			id := list[i].ID
			if desc {
				return id < ck.ID || (!forward && id == ck.ID)
			}
			return id > ck.ID || (!forward && id == ck.ID)
		})
		var hasPrev, hasNext bool
		page, hasPrev, hasNext = cursorPage(list, pos, forward, nil, p.limit)
		meta.CursorPagination = cursorMeta(p, page, key, hasPrev, hasNext)
	} else {
		var total int
		page, total = offsetPage(list, nil, p)
		meta.Pagination = pageMeta(p, total, len(page))
		if p.page == 1 && customer == 0 {
			meta.CursorPagination = cursorMeta(p, page, key, false, total > len(page))
		}
	}
	data := make([]metafieldOut, len(page))
	for i, m := range page {
		data[i] = metafieldFull(m)
	}
	writeJSON(w, http.StatusOK, listOut{Data: data, Meta: meta})
}

func orEmpty[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}
