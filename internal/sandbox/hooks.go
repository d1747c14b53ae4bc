package sandbox

import (
	"errors"
	"time"
)

// Test hooks: exported methods for Go tests of other packages, to arrange
// the store (as if changed in the control panel) and inspect what a client
// did. They bypass HTTP, auth, rate limits and faults, but not the
// invariants: emails stay unique and changes are journaled.

// CustomerFields is a customer as the hooks read and write it.
type CustomerFields struct {
	ID              int64
	Email           string
	FirstName       string
	LastName        string
	Company         string
	Phone           string
	Notes           string
	CustomerGroupID int64
	DateCreated     time.Time
	DateModified    time.Time
}

// Stats counts requests by outcome.
type Stats struct {
	Requests           int64 // every request received
	Unauthorized       int64 // 401
	RateLimited        int64 // 429: store quota exhausted
	ConcurrencyLimited int64 // 429: per-endpoint concurrency cap
	Faults             int64 // injected faults
	URITooLong         int64 // 414: request URI over Options.MaxURLBytes
}

// Stats returns the request counters.
func (s *Server) Stats() Stats {
	return Stats{
		Requests: s.nRequests.Load(), Unauthorized: s.nUnauthorized.Load(), RateLimited: s.nRateLimited.Load(),
		ConcurrencyLimited: s.nConcurrency.Load(), Faults: s.nFaults.Load(), URITooLong: s.nURITooLong.Load(),
	}
}

// RequestCount is the number of requests received.
func (s *Server) RequestCount() int64 { return s.nRequests.Load() }

// SetQuota changes the store-wide rate limit (quota 0 disables it) and
// starts a fresh window; window <= 0 keeps the current window length.
func (s *Server) SetQuota(quota int, window time.Duration) { s.limiter.set(quota, window) }

// Counts returns how many records the store holds.
func (s *Server) Counts() (customers, addresses, attributeValues, formFieldValues int) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	return len(s.st.customers), len(s.st.addresses), len(s.st.values), s.st.forms
}

// CreateCustomerDirect adds a customer (ID and dates are ignored unless
// DateCreated is set, which then also sets DateModified when that is zero)
// and returns its id. The email must be unique.
func (s *Server) CreateCustomerDirect(f CustomerFields) (int64, error) {
	if f.Email == "" || f.FirstName == "" || f.LastName == "" {
		return 0, errors.New("sandbox: email, first and last name are required")
	}
	var id int64
	err := s.write(func(st *store) error {
		if st.byEmailKey(f.Email) != nil {
			return errors.New("sandbox: email already in use: " + f.Email)
		}
		if f.CustomerGroupID != 0 && st.group(f.CustomerGroupID) == nil {
			return errors.New("sandbox: customer group " + itoa(f.CustomerGroupID) + " does not exist in this store")
		}
		now := s.now().Unix()
		c := &customerRec{OriginChannel: 1, Created: now, Modified: now}
		f.ID = 0
		setFields(c, f)
		st.insertCustomer(c)
		id = c.ID
		return nil
	})
	return id, err
}

// ModifyCustomers calls fn on each existing customer of ids and stores the
// result, as if the customers were edited in the control panel.
// date_modified becomes now unless fn changed DateModified. It returns how
// many customers were changed.
func (s *Server) ModifyCustomers(ids []int64, fn func(*CustomerFields)) (int, error) {
	n := 0
	err := s.write(func(st *store) error {
		now := s.now().Unix()
		type upd struct {
			c *customerRec
			f CustomerFields
		}
		var ups []upd
		for _, id := range ids {
			c := st.customer(id)
			if c == nil {
				continue
			}
			f := fieldsOf(c)
			before := f.DateModified
			fn(&f)
			if f.DateModified.Equal(before) {
				f.DateModified = time.Unix(now, 0)
			}
			if o := st.byEmailKey(f.Email); o != nil && o != c {
				return errors.New("sandbox: email already in use: " + f.Email)
			}
			if f.CustomerGroupID != 0 && f.CustomerGroupID != c.GroupID && st.group(f.CustomerGroupID) == nil {
				return errors.New("sandbox: customer group " + itoa(f.CustomerGroupID) + " does not exist in this store")
			}
			ups = append(ups, upd{c, f})
		}
		for _, u := range ups {
			old := u.c.Email
			f := u.f
			f.ID = u.c.ID
			setFields(u.c, f)
			st.customerChanged(u.c, old, len(u.c.Forms))
			n++
		}
		return nil
	})
	return n, err
}

// DeleteCustomers deletes customers and what they own; it returns how many
// existed.
func (s *Server) DeleteCustomers(ids []int64) int {
	n := 0
	_ = s.write(func(st *store) error { n = st.deleteCustomers(ids); return nil })
	return n
}

// Customer returns one customer.
func (s *Server) Customer(id int64) (CustomerFields, bool) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	c := s.st.customer(id)
	if c == nil {
		return CustomerFields{}, false
	}
	return fieldsOf(c), true
}

// CustomerByEmail finds a customer by email, compared as uniqueness is
// (emails.go).
func (s *Server) CustomerByEmail(email string) (CustomerFields, bool) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	c := s.st.byEmailKey(email)
	if c == nil {
		return CustomerFields{}, false
	}
	return fieldsOf(c), true
}

func fieldsOf(c *customerRec) CustomerFields {
	return CustomerFields{ID: c.ID, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Company: c.Company,
		Phone: c.Phone, Notes: c.Notes, CustomerGroupID: c.GroupID,
		DateCreated: time.Unix(c.Created, 0).UTC(), DateModified: time.Unix(c.Modified, 0).UTC()}
}

func setFields(c *customerRec, f CustomerFields) {
	c.Email, c.FirstName, c.LastName, c.Company = f.Email, f.FirstName, f.LastName, f.Company
	c.Phone, c.Notes, c.GroupID = f.Phone, f.Notes, f.CustomerGroupID
	if !f.DateCreated.IsZero() {
		c.Created = f.DateCreated.Unix()
		if f.DateModified.IsZero() {
			c.Modified = c.Created
		}
	}
	if !f.DateModified.IsZero() {
		c.Modified = f.DateModified.Unix()
	}
}
