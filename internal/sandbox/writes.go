package sandbox

import "net/http"

// The flow every write endpoint shares. A POST or PUT body is a JSON array
// of objects, and the document's batches are all or nothing: one refused
// item fails the request with 422 and an `errors` map keyed "index.field"
// (validate.go), and nothing is written. So every item is read and checked
// first, the checks against the store run under the same lock as the write
// (another request cannot slip in between), and only then is anything
// changed.
//
// Choice: a batch with one bad item fails whole, naming the bad items. The
// recordings show this for a duplicate email (bulk_create/422.json: the
// batch fails, no index); for other validation errors nothing was recorded,
// and failing the whole batch is the harder answer for a client (it must
// split the batch and resend the good items). Evidence: bulk_create/422.json
// for the duplicate email; otherwise none, stricter on purpose.

// maxBatch is the number of items a write accepts, 413 beyond (the
// document's "The maximum number of items allowed in the array is 10." for
// /customers; the client's batch size elsewhere).
const maxBatch = 10

// batch is what one write endpoint adds to that flow. I is one parsed item,
// O one element of the answer's data.
type batch[I, O any] struct {
	// refused is the title of the 422 answer.
	refused string
	// parse reads one item, before the store is locked; it reports
	// problems on o (o.errs is the request's error map).
	parse func(o *obj) I
	// reject, when set, may refuse the whole request after parsing, with
	// an answer of its own instead of the item errors.
	reject func(items []I) *apiError
	// check runs with the store locked, before any change, and reports
	// what depends on the store (existence, uniqueness) on the items' objs
	// or on errs. It must not change the store.
	check func(st *store, items []I, errs map[string]string)
	// apply writes the items once none was refused and returns the
	// answer's data, in request order.
	apply func(st *store, items []I) []O
}

// serve answers the request: 415/400/413/422 from readItems, 422 with every
// item's problems, or 200 {"data":[…],"meta":{}} once the write is durable.
func (b batch[I, O]) serve(s *Server, w http.ResponseWriter, r *http.Request) {
	raws, err := readItems(r, maxBatch)
	if err != nil {
		fail(w, r, err)
		return
	}
	errs := map[string]string{}
	items := make([]I, 0, len(raws))
	for i, raw := range raws {
		if o := decodeItem(raw, i, !s.recordedErrors(), errs); o != nil {
			items = append(items, b.parse(o))
		}
	}
	if b.reject != nil {
		if ae := b.reject(items); ae != nil {
			fail(w, r, ae)
			return
		}
	}
	var out []O
	err = s.write(func(st *store) error {
		b.check(st, items, errs)
		if len(errs) > 0 {
			return unprocessable(b.refused, errs)
		}
		out = b.apply(st, items)
		return nil
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listOut{Data: out, Meta: metaOut{}})
}

// serveDelete answers a DELETE ?id:in=…: 204 whether or not the ids exist
// (the document's DELETEs answer nothing else), 422 for a malformed id:in.
// del removes the records under the store lock.
func (s *Server) serveDelete(w http.ResponseWriter, r *http.Request, del func(st *store, ids []int64) int) {
	q := s.parseQuery(r, "id:in")
	ids, ok := deleteIDs(q)
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	if ok {
		if err := s.write(func(st *store) error { del(st, ids); return nil }); err != nil {
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
