package sandbox

import (
	"encoding/json"
	"net/http"
	"sort"
)

// /v3/customers/subscribers (subscribers.v3.yml): newsletter subscribers,
// which are not customers ("A subscriber is not always a customer",
// customers.v2.yml) and so are not deleted with them.
//
// Rules:
//   - POST creates one subscriber (a JSON object, subscriber_Post); email
//     required, a valid address, unique ("Must be unique"; compared as
//     customer emails are, emails.go): a second one is 409;
//   - first_name, last_name, source at most 255 characters; source one of
//     storefront, order, custom ("Values are: …"; choice: anything else is
//     422, and custom when not sent); order_id 1–2147483647 or null (orders
//     are not emulated: any id); channel_id a channel of this store that is
//     available (as for customers, store_config.go; 1 when not sent);
//     consents a list without repeats of marketing_newsletter and
//     abandoned_cart;
//   - choice: a subscriber created without consents has none (`[]`: "the
//     user has unsubscribed or didn't enable the newsletter subscription
//     checkbox"), so a client must carry consents explicitly (evidence:
//     none; stricter on purpose);
//   - PUT /{id} changes the fields sent (subscriber_Put); to update a
//     subscriber by email, find its id with GET ?email=;
//   - DELETE without a filter deletes every subscriber, as the document
//     says ("By default, it deletes all subscribers");
//   - unknown id: 404; invalid body: 422 {status, title, type, instance,
//     errors} naming the fields.
// Listing: by id; filters email (compared as uniqueness is), first_name,
// last_name, source (ignoring case), order_id, id, id:in and the date
// filters.

type subscriberRec struct {
	ID                                 int64
	Email, FirstName, LastName, Source string
	OrderID                            int64 // 0: null
	ChannelID                          int64
	Consents                           []string
	Created, Modified                  int64
}

type subscriberOut struct {
	ID           int64    `json:"id"`
	Email        string   `json:"email"`
	FirstName    string   `json:"first_name"`
	LastName     string   `json:"last_name"`
	Source       string   `json:"source"`
	OrderID      *int64   `json:"order_id"`
	ChannelID    int64    `json:"channel_id"`
	Consents     []string `json:"consents"`
	DateCreated  string   `json:"date_created"`
	DateModified string   `json:"date_modified"`
}

var (
	subscriberSources  = []string{"storefront", "order", "custom"}
	subscriberConsents = []string{"marketing_newsletter", "abandoned_cart"}
)

func subscriberFull(sb *subscriberRec) subscriberOut {
	o := subscriberOut{ID: sb.ID, Email: sb.Email, FirstName: sb.FirstName, LastName: sb.LastName, Source: sb.Source,
		ChannelID: sb.ChannelID, Consents: sb.Consents, DateCreated: formatTime(sb.Created), DateModified: formatTime(sb.Modified)}
	if o.Consents == nil {
		o.Consents = []string{}
	}
	if sb.OrderID != 0 {
		o.OrderID = ptr(sb.OrderID)
	}
	return o
}

func (st *store) subscriber(id int64) *subscriberRec {
	i := sort.Search(len(st.subscribers), func(i int) bool { return st.subscribers[i].ID >= id })
	if i < len(st.subscribers) && st.subscribers[i].ID == id {
		return st.subscribers[i]
	}
	return nil
}

// putSubscriber stores a new or changed subscriber; oldEmail is its email
// before the change ("" for a new one).
func (st *store) putSubscriber(sb *subscriberRec, oldEmail string) {
	if oldEmail != "" {
		delete(st.subsByEmail, st.emailKey(oldEmail))
	}
	if st.subscriber(sb.ID) == nil {
		claimID(&sb.ID, &st.nextSubscriber)
		st.subscribers = insertByID(st.subscribers, sb)
	}
	st.subsByEmail[st.emailKey(sb.Email)] = sb
	st.log(journalOp{Op: opPutSubscriber, S: ptr(*sb)})
}

func (st *store) deleteSubscribers(ids []int64) int {
	del := map[int64]bool{}
	for _, id := range ids {
		if sb := st.subscriber(id); sb != nil {
			del[id] = true
			delete(st.subsByEmail, st.emailKey(sb.Email))
		}
	}
	if len(del) == 0 {
		return 0
	}
	st.subscribers = filter(st.subscribers, func(sb *subscriberRec) bool { return !del[sb.ID] })
	st.log(journalOp{Op: opDelSubscribers, IDs: keys(del)})
	return len(del)
}

// readSubscriber applies the fields present in o to sb (post: a new one).
func readSubscriber(o *obj, sb *subscriberRec, post bool) {
	o.allow("email", "first_name", "last_name", "source", "order_id", "channel_id", "consents")
	if v, ok := o.str("email", post, 3, 255); ok {
		if validEmail(v) {
			sb.Email = v
		} else {
			o.fail("email", "is not a valid email address")
		}
	}
	for _, f := range []struct {
		k   string
		dst *string
	}{{"first_name", &sb.FirstName}, {"last_name", &sb.LastName}} {
		if v, ok := o.str(f.k, false, 0, 255); ok {
			*f.dst = v
		}
	}
	if v, ok := o.str("source", false, 0, 255); ok {
		if oneOf(v, subscriberSources) {
			sb.Source = v
		} else {
			o.fail("source", "must be one of storefront, order, custom")
		}
	}
	if o.has("order_id") {
		sb.OrderID, _ = o.id("order_id", false, 1)
	} else if _, sent := o.m["order_id"]; sent {
		sb.OrderID = 0 // null
	}
	if v, ok := o.id("channel_id", false, 1); ok {
		sb.ChannelID = v
	}
	if items, ok := o.array("consents", 0); ok {
		l := []string{}
		for _, raw := range items {
			var c string
			if json.Unmarshal(raw, &c) != nil || !oneOf(c, subscriberConsents) || oneOf(c, l) {
				o.fail("consents", "must list marketing_newsletter and abandoned_cart at most once each")
				break
			}
			l = append(l, c)
		}
		sb.Consents = l
	}
}

func (s *Server) postSubscriber(w http.ResponseWriter, r *http.Request) {
	m, err := readObject(r, http.StatusUnprocessableEntity)
	if err != nil {
		fail(w, r, err)
		return
	}
	o := bodyObj(m)
	sb := &subscriberRec{Source: "custom", ChannelID: 1}
	readSubscriber(o, sb, true)
	var out subscriberOut
	err = s.write(func(st *store) error {
		if err := checkSubscriber(st, o, sb, 0); err != nil {
			return err
		}
		now := s.now().Unix()
		sb.Created, sb.Modified = now, now
		st.putSubscriber(sb, "")
		out = subscriberFull(sb)
		return nil
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Data subscriberOut `json:"data"`
		Meta struct{}      `json:"meta"`
	}{Data: out})
}

// checkSubscriber applies the rules that depend on the store; self is the
// subscriber being changed (0 for a new one).
func checkSubscriber(st *store, o *obj, sb *subscriberRec, self int64) error {
	if sb.ChannelID != 0 {
		if msg := st.channelProblem(sb.ChannelID); msg != "" {
			o.fail("channel_id", msg)
		}
	}
	if len(o.errs) > 0 {
		return unprocessable("The subscriber was not valid.", o.errs)
	}
	if other := st.subsByEmail[st.emailKey(sb.Email)]; other != nil && other.ID != self {
		return &apiError{status: http.StatusConflict, title: "A subscriber with the email " + sb.Email + " already exists.",
			errs: map[string]string{"email": "must be unique"}}
	}
	return nil
}

func (s *Server) putSubscriber(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	m, err := readObject(r, http.StatusUnprocessableEntity)
	if err != nil {
		fail(w, r, err)
		return
	}
	var out subscriberOut
	err = s.write(func(st *store) error {
		cur := st.subscriber(id)
		if cur == nil {
			return &apiError{status: http.StatusNotFound, title: "Subscriber " + itoa(id) + " was not found."}
		}
		next := *cur
		next.Consents = append([]string(nil), cur.Consents...)
		o := bodyObj(m)
		readSubscriber(o, &next, false)
		if err := checkSubscriber(st, o, &next, id); err != nil {
			return err
		}
		old := cur.Email
		next.Modified = max(s.now().Unix(), cur.Created)
		*cur = next
		st.putSubscriber(cur, old)
		out = subscriberFull(cur)
		return nil
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Data subscriberOut `json:"data"`
		Meta struct{}      `json:"meta"`
	}{Data: out})
}

func (s *Server) getSubscriber(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	sb := st.subscriber(id)
	if sb == nil {
		writeError(w, r, http.StatusNotFound, "Subscriber "+itoa(id)+" was not found.", nil)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Data subscriberOut `json:"data"`
		Meta struct{}      `json:"meta"`
	}{Data: subscriberFull(sb)})
}

// subscriberFilters reads the filters of GET and DELETE.
func (s *Server) subscriberFilters(q *query) func(*subscriberRec) bool {
	var f filters[*subscriberRec]
	if e, ok := q.str("email"); ok {
		k := s.st.emailKey(e)
		f = append(f, func(sb *subscriberRec) bool { return s.st.emailKey(sb.Email) == k })
	}
	for _, p := range []struct {
		name string
		key  func(*subscriberRec) string
	}{{"first_name", func(sb *subscriberRec) string { return sb.FirstName }},
		{"last_name", func(sb *subscriberRec) string { return sb.LastName }},
		{"source", func(sb *subscriberRec) string { return sb.Source }}} {
		if v, ok := q.str(p.name); ok {
			keepFold(&f, []string{v}, p.key)
		}
	}
	if v, ok := q.integer("order_id"); ok {
		keepIn(&f, []int64{v}, func(sb *subscriberRec) int64 { return sb.OrderID })
	}
	if v, ok := q.integer("id"); ok {
		keepIn(&f, []int64{v}, func(sb *subscriberRec) int64 { return sb.ID })
	}
	keepIn(&f, q.intList("id:in"), func(sb *subscriberRec) int64 { return sb.ID })
	keepWithin(&f, q.dates("date_created"), func(sb *subscriberRec) int64 { return sb.Created })
	keepWithin(&f, q.dates("date_modified"), func(sb *subscriberRec) int64 { return sb.Modified })
	return f.all()
}

var subscriberFilterNames = []string{"email", "first_name", "last_name", "source", "order_id", "date_created", "date_modified"}

func (s *Server) getSubscribers(w http.ResponseWriter, r *http.Request) {
	q := s.parseQuery(r, append(subscriberFilterNames, "date_created:min", "date_created:max", "date_modified:min",
		"date_modified:max", "page", "limit", "id", "id:in")...)
	match := s.subscriberFilters(q)
	p := q.pageParams(false)
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	writeOffsetPage(w, st.subscribers, match, p, subscriberFull)
}

func (s *Server) deleteSubscribers(w http.ResponseWriter, r *http.Request) {
	q := s.parseQuery(r, subscriberFilterNames...)
	match := s.subscriberFilters(q)
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	err := s.write(func(st *store) error {
		var ids []int64
		for _, sb := range st.subscribers {
			if match == nil || match(sb) {
				ids = append(ids, sb.ID)
			}
		}
		st.deleteSubscribers(ids)
		return nil
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	noContent(w)
}

func (s *Server) deleteSubscriber(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	if err := s.write(func(st *store) error { st.deleteSubscribers([]int64{id}); return nil }); err != nil {
		fail(w, r, err)
		return
	}
	noContent(w)
}
