package sandbox

import (
	"encoding/json"
	"sort"
	"sync"
)

// The store keeps every record once, in slices sorted by id (ids are handed
// out in increasing order, so inserts are appends and lookups are binary
// searches). There is no map per record and only one map for the whole store
// (customers by lower-cased email), so a million customers with two
// addresses each stay compact. Sub-resources hang off their owner in small
// slices (customerRec.addrs, .vals), which answers "addresses of customer X"
// without a scan.
//
// Exported fields are what persist.go writes (gob snapshot and JSON journal);
// unexported ones are indexes rebuilt on load.

// formRec is one form field value. Value is the compact JSON literal as the
// client sent it (a string, a number or an array of strings), so numbers
// keep every digit (formFieldValue.value is oneOf string|number|array).
type formRec struct {
	Name  string
	Value json.RawMessage

	path string // the error key of the item while a write is checked
}

type customerRec struct {
	ID                int64
	Email             string
	FirstName         string
	LastName          string
	Company           string
	Phone             string
	Notes             string
	TaxExemptCategory string
	RegistrationIP    string
	GroupID           int64
	Created           int64 // unix seconds, UTC: the API has second granularity
	Modified          int64
	ForceReset        bool
	HasPassword       bool // authentication.new_password is write-only: only its presence is kept
	Accepts           bool
	OriginChannel     int64
	Channels          []int64 // nil = global access (channel_ids omitted or null)
	// Credit is the store credit of state files written before amounts
	// were kept exactly; restore moves it to Credits.
	Credit  []float64
	Credits []string  // store_credit_amounts as exact decimals (money.go)
	Forms   []formRec // sorted by name
	// Consent is the customer's data-collection consent (consent.go); nil
	// until declared.
	Consent *consentRec

	addrs []*addressRec // sorted by id
	vals  []*valueRec   // sorted by id
	metas []*metaRec    // sorted by id
}

type addressRec struct {
	ID          int64
	CustomerID  int64
	FirstName   string
	LastName    string
	Company     string
	Address1    string
	Address2    string
	City        string
	State       string
	Postal      string
	CountryCode string
	Phone       string
	AddressType string
	Forms       []formRec // sorted by name
}

type valueRec struct {
	ID         int64
	CustomerID int64
	AttrID     int64
	Value      string
	Created    int64
	Modified   int64
}

type attrRec struct {
	ID       int64
	Name     string
	Type     string
	Created  int64
	Modified int64
}

type store struct {
	mu sync.RWMutex

	customers []*customerRec          // sorted by ID
	byEmail   map[string]*customerRec // by emailKey
	addresses []*addressRec           // sorted by ID
	values    []*valueRec             // sorted by ID
	attrs     []*attrRec              // sorted by ID (at most maxAttributes)
	forms     int                     // number of form field values (customers' and addresses')

	nextCustomer, nextAddress, nextValue, nextAttr int64

	// The store's configuration (config.go) and the resources that are
	// not customer records themselves.
	groups      []*groupRec   // sorted by ID
	channels    []*channelRec // sorted by ID
	custForm    []FormField   // custom fields of the sign-up form
	addrForm    []FormField   // custom fields of the address form
	subscribers []*subscriberRec
	subsByEmail map[string]*subscriberRec // by emailKey
	metafields  []*metaRec                // sorted by ID

	nextGroup, nextSubscriber, nextMetafield int64
	// configured: the configuration was set (New, or a state file written
	// since issue 13).
	configured bool

	looseEmails bool // Options.LooseEmails (emails.go)

	// gen changes on every write of customer fields or customer set; the
	// sort caches check it.
	gen uint64

	// pending collects the journal records of the write in progress; the
	// server hands them to the journal before releasing mu.
	pending    []journalOp
	journaling bool
}

func newStore() *store {
	return &store{byEmail: map[string]*customerRec{}, subsByEmail: map[string]*subscriberRec{},
		nextCustomer: 1, nextAddress: 1, nextValue: 1, nextAttr: 1, nextGroup: 1, nextSubscriber: 1, nextMetafield: 1}
}

func (st *store) log(op journalOp) {
	if st.journaling {
		st.pending = append(st.pending, op)
	}
}

// The lookups are written out per type rather than through one generic
// helper: here sort.Search and its closure inline into a tight loop, while
// a generic version calls through a dictionary at every step and measured
// about 30% slower. They run once per address and value when a snapshot
// is loaded.

func (st *store) customer(id int64) *customerRec {
	i := sort.Search(len(st.customers), func(i int) bool { return st.customers[i].ID >= id })
	if i < len(st.customers) && st.customers[i].ID == id {
		return st.customers[i]
	}
	return nil
}

func (st *store) address(id int64) *addressRec {
	i := sort.Search(len(st.addresses), func(i int) bool { return st.addresses[i].ID >= id })
	if i < len(st.addresses) && st.addresses[i].ID == id {
		return st.addresses[i]
	}
	return nil
}

func (st *store) value(id int64) *valueRec {
	i := sort.Search(len(st.values), func(i int) bool { return st.values[i].ID >= id })
	if i < len(st.values) && st.values[i].ID == id {
		return st.values[i]
	}
	return nil
}

func (st *store) attr(id int64) *attrRec {
	for _, a := range st.attrs {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (st *store) byEmailKey(email string) *customerRec { return st.byEmail[st.emailKey(email)] }

// insertCustomer stores a new customer, giving it the next id unless it has
// one (journal replay, generation).
func (st *store) insertCustomer(c *customerRec) {
	claimID(&c.ID, &st.nextCustomer)
	st.customers = insertByID(st.customers, c)
	st.byEmail[st.emailKey(c.Email)] = c
	st.forms += len(c.Forms)
	st.gen++
	st.log(journalOp{Op: opPutCustomer, C: c.persisted()})
}

// customerChanged records a change made in place to c. oldEmail is its
// email before the change (the index is keyed by it); oldForms the number
// of its form fields before.
func (st *store) customerChanged(c *customerRec, oldEmail string, oldForms int) {
	if oldEmail != c.Email {
		delete(st.byEmail, st.emailKey(oldEmail))
		st.byEmail[st.emailKey(c.Email)] = c
	}
	st.forms += len(c.Forms) - oldForms
	st.gen++
	st.log(journalOp{Op: opPutCustomer, C: c.persisted()})
}

// deleteCustomers removes customers and everything they own: addresses,
// attribute values and form field values.
func (st *store) deleteCustomers(ids []int64) int {
	del := map[int64]bool{}
	for _, id := range ids {
		if c := st.customer(id); c != nil && !del[id] {
			del[id] = true
			delete(st.byEmail, st.emailKey(c.Email))
			st.forms -= len(c.Forms)
			for _, a := range c.addrs {
				st.forms -= len(a.Forms)
			}
		}
	}
	if len(del) == 0 {
		return 0
	}
	st.customers = filter(st.customers, func(c *customerRec) bool { return !del[c.ID] })
	st.addresses = filter(st.addresses, func(a *addressRec) bool { return !del[a.CustomerID] })
	st.values = filter(st.values, func(v *valueRec) bool { return !del[v.CustomerID] })
	// A customer's metafields go with it (their resource is gone); on
	// replay the opDelCustomers record removes them the same way.
	st.metafields = filter(st.metafields, func(m *metaRec) bool { return !del[m.CustomerID] })
	st.gen++
	st.log(journalOp{Op: opDelCustomers, IDs: keys(del)})
	return len(del)
}

func (st *store) insertAddress(a *addressRec) {
	claimID(&a.ID, &st.nextAddress)
	st.addresses = insertByID(st.addresses, a)
	c := st.customer(a.CustomerID)
	c.addrs = insertByID(c.addrs, a)
	st.forms += len(a.Forms)
	st.log(journalOp{Op: opPutAddress, A: a.persisted()})
}

func (st *store) addressChanged(a *addressRec, oldForms int) {
	st.forms += len(a.Forms) - oldForms
	st.log(journalOp{Op: opPutAddress, A: a.persisted()})
}

func (st *store) deleteAddresses(ids []int64) int {
	del := map[int64]bool{}
	for _, id := range ids {
		if a := st.address(id); a != nil && !del[id] {
			del[id] = true
			st.forms -= len(a.Forms)
			if c := st.customer(a.CustomerID); c != nil {
				c.addrs = filter(c.addrs, func(x *addressRec) bool { return x.ID != id })
			}
		}
	}
	if len(del) == 0 {
		return 0
	}
	st.addresses = filter(st.addresses, func(a *addressRec) bool { return !del[a.ID] })
	st.log(journalOp{Op: opDelAddresses, IDs: keys(del)})
	return len(del)
}

func (st *store) insertValue(v *valueRec) {
	claimID(&v.ID, &st.nextValue)
	st.values = insertByID(st.values, v)
	c := st.customer(v.CustomerID)
	c.vals = insertByID(c.vals, v)
	st.log(journalOp{Op: opPutValue, V: ptr(*v)})
}

func (st *store) valueChanged(v *valueRec) { st.log(journalOp{Op: opPutValue, V: ptr(*v)}) }

func (st *store) deleteValues(ids []int64) int {
	del := map[int64]bool{}
	for _, id := range ids {
		if v := st.value(id); v != nil {
			del[id] = true
		}
	}
	return st.dropValues(del, ids)
}

func (st *store) dropValues(del map[int64]bool, logIDs []int64) int {
	if len(del) == 0 {
		return 0
	}
	touched := map[int64]bool{}
	st.values = filter(st.values, func(v *valueRec) bool {
		if del[v.ID] {
			touched[v.CustomerID] = true
			return false
		}
		return true
	})
	for cid := range touched {
		if c := st.customer(cid); c != nil {
			c.vals = filter(c.vals, func(v *valueRec) bool { return !del[v.ID] })
		}
	}
	st.log(journalOp{Op: opDelValues, IDs: keys(del)})
	return len(del)
}

func (st *store) insertAttr(a *attrRec) {
	claimID(&a.ID, &st.nextAttr)
	st.attrs = append(st.attrs, a)
	sort.Slice(st.attrs, func(i, j int) bool { return st.attrs[i].ID < st.attrs[j].ID })
	st.log(journalOp{Op: opPutAttr, T: ptr(*a)})
}

func (st *store) attrChanged(a *attrRec) { st.log(journalOp{Op: opPutAttr, T: ptr(*a)}) }

// deleteAttrs removes attribute definitions and, as the document says for a
// type change ("This will also delete it from the customer"), their values.
func (st *store) deleteAttrs(ids []int64) int {
	del := map[int64]bool{}
	for _, id := range ids {
		if st.attr(id) != nil {
			del[id] = true
		}
	}
	if len(del) == 0 {
		return 0
	}
	st.attrs = filter(st.attrs, func(a *attrRec) bool { return !del[a.ID] })
	st.log(journalOp{Op: opDelAttrs, IDs: keys(del)})
	vdel := map[int64]bool{}
	for _, v := range st.values {
		if del[v.AttrID] {
			vdel[v.ID] = true
		}
	}
	// The values go with the definition: on replay the opDelAttrs record
	// removes them the same way, so they are not journaled separately.
	j := st.journaling
	st.journaling = false
	st.dropValues(vdel, nil)
	st.journaling = j
	return len(del)
}

// persisted returns a copy of the exported fields, for the journal.
func (c *customerRec) persisted() *customerRec {
	cp := *c
	cp.addrs, cp.vals, cp.metas = nil, nil, nil
	return &cp
}

func (a *addressRec) persisted() *addressRec { cp := *a; return &cp }

// identified is a record kept in a slice sorted by id.
type identified interface{ recID() int64 }

func (c *customerRec) recID() int64   { return c.ID }
func (a *addressRec) recID() int64    { return a.ID }
func (v *valueRec) recID() int64      { return v.ID }
func (g *groupRec) recID() int64      { return g.ID }
func (c *channelRec) recID() int64    { return c.ID }
func (s *subscriberRec) recID() int64 { return s.ID }
func (m *metaRec) recID() int64       { return m.ID }

// insertByID adds x to a slice sorted by id. New records carry the highest
// id, so this is an append; only journal replay and generation can bring
// an older id, which is inserted in place to keep the slice sorted.
func insertByID[T identified](s []T, x T) []T {
	n := len(s)
	if n == 0 || s[n-1].recID() < x.recID() {
		return append(s, x)
	}
	i := sort.Search(n, func(i int) bool { return s[i].recID() >= x.recID() })
	var none T
	s = append(s, none)
	copy(s[i+1:], s[i:])
	s[i] = x
	return s
}

// claimID gives a new record the next id unless it has one (journal
// replay, generation), and keeps next past every id handed out.
func claimID(id, next *int64) {
	if *id == 0 {
		*id = *next
	}
	if *id >= *next {
		*next = *id + 1
	}
}

func filter[T any](s []T, keep func(T) bool) []T {
	out := s[:0]
	for _, x := range s {
		if keep(x) {
			out = append(out, x)
		}
	}
	var zero T
	for i := len(out); i < len(s); i++ {
		s[i] = zero // let the garbage collector have the dropped records
	}
	return out
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func ptr[T any](v T) *T { return &v }

// setForms upserts form field values into a sorted list by name and
// returns the new list (a fresh slice: the old one may be shared with a
// journal record being encoded).
func setForms(cur []formRec, upd []formRec) []formRec {
	out := append([]formRec(nil), cur...)
	for _, f := range upd {
		i := sort.Search(len(out), func(i int) bool { return out[i].Name >= f.Name })
		if i < len(out) && out[i].Name == f.Name {
			out[i] = f
			continue
		}
		out = append(out, formRec{})
		copy(out[i+1:], out[i:])
		out[i] = f
	}
	return out
}
