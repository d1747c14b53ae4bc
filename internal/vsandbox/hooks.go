package vsandbox

import (
	"errors"
	"slices"
	"strconv"
	"time"
)

// Test hooks: exported methods for Go tests of other packages, to arrange
// the project (as if changed in the dashboard) and to change it while a
// client pages. They bypass HTTP, auth and the rate limit.

// Stats counts requests by outcome.
type Stats struct {
	Requests      int64 // every request received
	Unauthorized  int64 // 401
	RateLimited   int64 // 429
	ListCustomers int64 // GET /v1/customers requests that passed auth and the limit
	Downloads     int64 // export files served
}

// Stats returns the request counters.
func (s *Server) Stats() Stats {
	return Stats{Requests: s.nRequests.Load(), Unauthorized: s.nUnauthorized.Load(), RateLimited: s.nRateLimited.Load(),
		ListCustomers: s.nLists.Load(), Downloads: s.nDownloads.Load()}
}

// SetQuota changes the rate limit (quota 0 disables it) and starts a fresh
// window; window <= 0 keeps the current window length.
func (s *Server) SetQuota(quota int, window time.Duration) { s.limiter.set(quota, window) }

// OnListCustomers sets fn to run at the start of each List Customers answer
// (after auth, the limit and the query checks, before the page is read),
// with the 1-based number of that request; nil removes it. fn may call the
// other hooks: a test changes the project between two pages of a client.
func (s *Server) OnListCustomers(fn func(n int)) {
	if fn == nil {
		s.listHook.Store(nil)
		return
	}
	s.listHook.Store(&fn)
}

// FailExports makes the next n exports created end in ERROR instead of
// DONE.
func (s *Server) FailExports(n int) {
	s.exMu.Lock()
	s.failN = n
	s.exMu.Unlock()
}

// Count is the number of customers.
func (s *Server) Count() int {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	return len(s.st.byID)
}

// CreateCustomer adds c and returns its id. CreatedAt defaults to now;
// UpdatedAt stays as given (zero: never updated). ID and SourceID must be
// unique when given.
func (s *Server) CreateCustomer(c Customer) (string, error) {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.now()
	}
	d := c.clone()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if err := s.st.insert(d); err != nil {
		return "", err
	}
	return d.ID, nil
}

// UpdateCustomer calls fn on a copy of the customer and stores the result,
// as an edit in the dashboard would: updated_at becomes now unless fn
// changed it. The id and created_at cannot change.
func (s *Server) UpdateCustomer(id string, fn func(*Customer)) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	old := s.st.byID[id]
	if old == nil {
		return errors.New("vsandbox: no customer " + id)
	}
	c := old.clone()
	fn(c)
	c.ID, c.CreatedAt = old.ID, old.CreatedAt
	if c.UpdatedAt.Equal(old.UpdatedAt) {
		c.UpdatedAt = s.now()
	}
	return s.st.replace(old, c)
}

// DeleteCustomer removes a customer; it reports whether it existed.
func (s *Server) DeleteCustomer(id string) bool {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	c := s.st.byID[id]
	if c == nil {
		return false
	}
	s.st.remove(c)
	return true
}

// Customer returns a copy of one customer.
func (s *Server) Customer(id string) (Customer, bool) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	c := s.st.byID[id]
	if c == nil {
		return Customer{}, false
	}
	return *c.clone(), true
}

// Customers returns a copy of every customer, ordered by created_at, then
// id (the order of List Customers with order=created_at).
func (s *Server) Customers() []Customer {
	s.st.mu.RLock()
	l := s.st.inOrder("created_at")
	out := make([]Customer, len(l))
	for i, c := range l {
		out[i] = *c.clone()
	}
	s.st.mu.RUnlock()
	return out
}

// Bursts returns the created_at values shared by more than one customer,
// to the millisecond, with how many share each, largest first.
func (s *Server) Bursts() []Burst {
	s.st.mu.RLock()
	n := map[time.Time]int{}
	for _, c := range s.st.byID {
		n[c.CreatedAt]++
	}
	s.st.mu.RUnlock()
	var out []Burst
	for t, k := range n {
		if k > 1 {
			out = append(out, Burst{CreatedAt: t, Customers: k})
		}
	}
	slices.SortFunc(out, func(a, b Burst) int {
		if a.Customers != b.Customers {
			return b.Customers - a.Customers
		}
		return a.CreatedAt.Compare(b.CreatedAt)
	})
	return out
}

// Burst is customers sharing one created_at.
type Burst struct {
	CreatedAt time.Time
	Customers int
}

// String is for test messages.
func (b Burst) String() string {
	return stamp(b.CreatedAt) + " ×" + strconv.Itoa(b.Customers)
}
