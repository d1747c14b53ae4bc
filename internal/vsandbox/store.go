package vsandbox

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// store is the project's customers, in memory.
type store struct {
	mu       sync.RWMutex
	byID     map[string]*Customer
	bySource map[string]*Customer
	version  uint64     // bumped by every change; invalidates sorted
	ids      *rand.Rand // customer ids: deterministic per seed

	// sorted caches inOrder's answers for the current version. Readers
	// holding only mu.RLock fill it, hence its own lock.
	sortMu    sync.Mutex
	sorted    map[string][]*Customer
	sortedVer uint64
}

func newStore(seed int64) *store {
	return &store{byID: map[string]*Customer{}, bySource: map[string]*Customer{},
		ids: rand.New(rand.NewPCG(uint64(seed), 0xc0ffee))}
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newID is prefix and 24 base-62 characters, the shape of the documented
// ids (cust_CSnYd37MXmrbS19XCrghjBsv, exp_CGnCVltmWjI9V1pGlnunw2Nf).
func newID(rng *rand.Rand, prefix string) string {
	b := make([]byte, len(prefix)+24)
	copy(b, prefix)
	for i := len(prefix); i < len(b); i++ {
		b[i] = idAlphabet[rng.IntN(len(idAlphabet))]
	}
	return string(b)
}

// insert adds c (its ID assigned when empty). Source ids are unique per
// project, as Voucherify's (a create with a known source_id is an upsert).
// Callers hold mu.
func (st *store) insert(c *Customer) error {
	if c.ID == "" {
		for c.ID == "" || st.byID[c.ID] != nil {
			c.ID = newID(st.ids, "cust_")
		}
	} else if st.byID[c.ID] != nil {
		return errors.New("vsandbox: customer id already in use: " + c.ID)
	}
	if c.SourceID != "" && st.bySource[c.SourceID] != nil {
		return errors.New("vsandbox: source_id already in use: " + c.SourceID)
	}
	truncate(c)
	st.byID[c.ID] = c
	if c.SourceID != "" {
		st.bySource[c.SourceID] = c
	}
	st.version++
	return nil
}

// replace stores c in place of the customer with its id. Callers hold mu.
func (st *store) replace(old, c *Customer) error {
	if c.SourceID != "" {
		if o := st.bySource[c.SourceID]; o != nil && o != old {
			return errors.New("vsandbox: source_id already in use: " + c.SourceID)
		}
	}
	if old.SourceID != "" {
		delete(st.bySource, old.SourceID)
	}
	truncate(c)
	st.byID[c.ID] = c
	if c.SourceID != "" {
		st.bySource[c.SourceID] = c
	}
	st.version++
	return nil
}

func (st *store) remove(c *Customer) {
	delete(st.byID, c.ID)
	if c.SourceID != "" {
		delete(st.bySource, c.SourceID)
	}
	st.version++
}

// truncate keeps times to the millisecond, the precision the API shows
// and compares at.
func truncate(c *Customer) {
	c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Millisecond)
	if !c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.UpdatedAt.UTC().Truncate(time.Millisecond)
	}
	if !c.LastOrderDate.IsZero() {
		c.LastOrderDate = c.LastOrderDate.UTC().Truncate(time.Millisecond)
	}
}

// inOrder returns the customers sorted by key ("created_at", "-updated_at",
// "source_id", …, or "id"), the slice shared until the next change. Ties
// are broken by id, in the direction of the order, so paging a stable
// store is stable; among equal timestamps the order is thus the ids'
// (random-looking), never creation order. A customer without updated_at
// sorts before every date ascending; one without source_id before every
// source id. Callers hold at least mu.RLock.
func (st *store) inOrder(key string) []*Customer {
	st.sortMu.Lock()
	defer st.sortMu.Unlock()
	if st.sorted == nil || st.sortedVer != st.version {
		st.sorted, st.sortedVer = map[string][]*Customer{}, st.version
	}
	if l, ok := st.sorted[key]; ok {
		return l
	}
	field, desc := strings.CutPrefix(key, "-")
	l := make([]*Customer, 0, len(st.byID))
	for _, c := range st.byID {
		l = append(l, c)
	}
	less := func(a, b *Customer) int {
		var r int
		switch field {
		case "created_at":
			r = a.CreatedAt.Compare(b.CreatedAt)
		case "updated_at":
			r = a.UpdatedAt.Compare(b.UpdatedAt)
		case "source_id":
			r = cmp.Compare(a.SourceID, b.SourceID)
		}
		if r == 0 {
			r = cmp.Compare(a.ID, b.ID)
		}
		if desc {
			r = -r
		}
		return r
	}
	slices.SortFunc(l, less)
	st.sorted[key] = l
	return l
}
