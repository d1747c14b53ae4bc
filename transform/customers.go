package transform

import (
	"fmt"
	"math"
	"slices"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// normalizeCustomer applies the text and email rules to c and validates it
// against customer_Post.
func (n *normalizer) customer(c *staging.Customer) *problem {
	if p := checkUTF8("source_key", c.SourceKey, "email", c.Email, "first_name", c.FirstName, "last_name", c.LastName,
		"company", c.Company, "phone", c.Phone, "notes", c.Notes, "tax_exempt_category", c.TaxExemptCategory,
		"registration_ip_address", c.RegistrationIPAddress, "customer_group_name", c.CustomerGroupName); p != nil {
		return p
	}
	n.text(&c.Email, &c.FirstName, &c.LastName, &c.Company, &c.Phone, &c.TaxExemptCategory, &c.RegistrationIPAddress, &c.CustomerGroupName)
	if p := bcrules.CustomerGroupName.Check(c.CustomerGroupName); p != nil {
		return p
	}
	// Store credit is exact (staging.Money) and, in the API, never
	// negative: a negative amount would fail the customer's POST.
	for _, a := range c.StoreCreditAmounts {
		if a.Sign() < 0 {
			return newProblem("store_credit_amounts", CheckStoreCredit, a.String(), "store credit "+a.String()+" is negative; the API takes amounts >= 0")
		}
	}
	n.multiline(&c.Notes)
	if n.opts.on(RuleEmail) && c.Email != "" {
		if e, err := bcrules.NormalizeEmail(c.Email); err == nil {
			n.count(RuleEmail, c.Email, e)
			c.Email = e
		}
	}
	// An email the rule could not make valid, or one not normalised because
	// the rule is off, is refused here as the API would refuse it.
	return bcrules.CheckCustomer(c)
}

// Row states shared by the entity passes.
const (
	rowOK       uint8 = iota
	rowRejected       // reject already written
	rowDupKey         // same source key as an earlier row: reject in the writing pass
	rowMerged         // folded into its survivor
)

// customerTable is what the other entities need to know about customers:
// whether a source key exists, was rejected (and why) or merged (into
// whom). It holds one small entry per customer row, and full rows only for
// customers whose email occurs more than once. During the other entities'
// passes it is only read (resolve), by every worker at once. Its big
// tables hold no pointers, so the garbage collector need not scan them:
// source keys are found by their hash and checked against the keys
// themselves, kept end to end in one byte slice.
type customerTable struct {
	opts     Options
	seeds    *keySeeds
	state    []uint8        // by row
	byKey    map[Key]uint32 // source-key hash → first row with it
	keys     []byte         // every row's source key, end to end
	off      []uint32       // off[row]: where row's key starts in keys
	reasons  map[uint32]string
	messages map[string]string // each distinct reason once
	srow     map[uint32]uint32 // merged row → survivor row

	// Dedupe by email.
	modified  []int64
	firstRow  map[Key]uint32   // email → its first row
	groups    map[Key][]uint32 // email → rows, for emails seen twice or more
	stash     map[uint32]*staging.Customer
	survivors map[uint32][]uint32 // survivor row → merged rows, in preference order

	addresses, attributes []int32 // by row: rows written for the customer
}

// keyOf is row's source key; isKey says whether it is key, allocating
// nothing.
func (t *customerTable) keyOf(row uint32) string { return string(t.keyBytes(row)) }

func (t *customerTable) isKey(row uint32, key string) bool { return string(t.keyBytes(row)) == key }

func (t *customerTable) keyBytes(row uint32) []byte {
	end := uint32(len(t.keys))
	if int(row)+1 < len(t.off) {
		end = t.off[row+1]
	}
	return t.keys[t.off[row]:end]
}

// customerResolution is what became of the customer a child row names.
type customerResolution struct {
	key       string // the customer to attach to (the survivor, if merged)
	row       uint32
	moved     bool // the child moves to a survivor
	p         *problem
	collision bool // key's hash is another key's (see Key)
}

func (t *customerTable) resolve(key string) customerResolution {
	row, ok := t.byKey[t.seeds.sourceKey(key)]
	if ok && !t.isKey(row, key) {
		return customerResolution{collision: true}
	}
	if !ok {
		return customerResolution{p: newProblem("customer_source_key", CheckUnknownCustomer, key,
			fmt.Sprintf("unknown customer: no row of customers.parquet has source key %q; extract the customer too, or drop this row", key))}
	}
	switch t.state[row] {
	case rowRejected:
		return customerResolution{p: newProblem("customer_source_key", CheckCustomerRejected, key, "customer rejected: "+t.reasons[row])}
	case rowMerged:
		surv := t.srow[row]
		return customerResolution{key: t.keyOf(surv), row: surv, moved: true}
	}
	return customerResolution{key: key, row: row}
}

func (t *customerTable) reject(row uint32, msg string) {
	m, ok := t.messages[msg]
	if !ok {
		m = msg
		t.messages[m] = m
	}
	t.reasons[row] = m
}

// resolver is one worker's view of a customerTable: it remembers the last
// answer, since the rows of one customer usually come together.
type resolver struct {
	t        *customerTable
	key      string
	last     customerResolution
	ok       bool
	collided bool // a key's hash was another key's: the run must start again
}

func (r *resolver) resolve(key string) customerResolution {
	if !r.ok || key != r.key {
		r.key, r.last, r.ok = key, r.t.resolve(key), true
		r.collided = r.collided || r.last.collision
	}
	return r.last
}

// check fails b if a collision was met.
func (r *resolver) check(err *error) {
	if r.collided {
		*err = errKeyCollision
	}
}

// customerCheck is what a worker finds out about a customer row.
type customerCheck struct {
	p         *problem
	sk, email Key
}

// readCustomers is the first pass over customers.parquet: normalise,
// validate, index, and find duplicate emails. Rejects are written here.
// Source keys are compared exactly (a map of strings): this table is the
// one every child row is looked up in.
func (r *run) readCustomers() (*customerTable, error) {
	s, opts := &r.s, r.opts
	n := r.rows(staging.EntityCustomers)
	t := &customerTable{
		opts: opts, seeds: r.seeds, byKey: make(map[Key]uint32, n), reasons: map[uint32]string{}, messages: map[string]string{},
		srow: map[uint32]uint32{}, state: make([]uint8, 0, n), off: make([]uint32, 0, n), modified: make([]int64, 0, n),
		firstRow: make(map[Key]uint32, n), groups: map[Key][]uint32{}, stash: map[uint32]*staging.Customer{},
		survivors: map[uint32][]uint32{},
	}
	ns, tallied := opts.normalizers(s.rep)
	var preps []func(*batch[staging.Customer, customerCheck])
	for _, n := range ns {
		kb := keyBuilder{seeds: r.seeds}
		preps = append(preps, func(b *batch[staging.Customer, customerCheck]) {
			for i := range b.rows {
				c := &b.rows[i]
				b.res[i].sk = r.seeds.sourceKey(c.SourceKey)
				if p := n.customer(c); p != nil {
					b.res[i].p = p
				} else {
					b.res[i].email = kb.email(c.Email).sum()
				}
			}
		})
	}
	counts := s.rep.Entities[staging.EntityCustomers]
	err := passRows(r.ctx, r.in, staging.EntityCustomers, preps, func(b *batch[staging.Customer, customerCheck]) error {
		for i := range b.rows {
			row, c, res := b.start+uint32(i), &b.rows[i], &b.res[i]
			counts.RowsIn++
			st, mod := rowOK, int64(math.MinInt64)
			if len(t.keys) > math.MaxUint32-len(c.SourceKey) {
				return fmt.Errorf("customers: more than 4 GiB of source keys")
			}
			t.off = append(t.off, uint32(len(t.keys)))
			t.keys = append(t.keys, c.SourceKey...)
			first, dup := t.byKey[res.sk]
			if dup && !t.isKey(first, c.SourceKey) {
				return errKeyCollision
			}
			if !dup {
				t.byKey[res.sk] = row
			}
			if p := res.p; p != nil {
				st = rowRejected
				t.reject(row, p.Message)
				if err := s.reject(staging.EntityCustomers, c.SourceKey, p); err != nil {
					return err
				}
			} else if dup {
				st = rowRejected
				p := dupKeyProblem(c.SourceKey, first)
				t.reject(row, p.Message)
				if err := s.reject(staging.EntityCustomers, c.SourceKey, p); err != nil {
					return err
				}
			} else {
				email := res.email
				if c.DateModified != nil {
					mod = c.DateModified.UnixMilli()
				}
				if fr, seen := t.firstRow[email]; seen {
					if len(t.groups[email]) == 0 {
						t.groups[email] = []uint32{fr}
					}
					t.groups[email] = append(t.groups[email], row)
					v := *c
					t.stash[row] = &v
				} else {
					t.firstRow[email] = row
				}
			}
			t.state = append(t.state, st)
			t.modified = append(t.modified, mod)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	tallied()
	t.chooseSurvivors()
	t.addresses = make([]int32, len(t.state))
	t.attributes = make([]int32, len(t.state))
	t.firstRow, t.messages = nil, nil
	t.keys = slices.Clip(t.keys)
	return t, nil
}
func dupKeyProblem(key string, firstRow uint32) *problem {
	return newProblem("source_key", CheckDuplicateSourceKey, key,
		fmt.Sprintf("source key %q already used by row %d of the same file; source keys must be unique", key, firstRow+1))
}
