package transform

import (
	"fmt"
	"math"

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
// passes it is only read (resolve), by every worker at once.
type customerTable struct {
	opts     Options
	state    []uint8           // by row
	byKey    map[string]uint32 // source key → first row with it
	reasons  map[uint32]string
	survivor map[uint32]string // merged row → survivor's source key
	srow     map[uint32]uint32 // merged row → survivor row

	// Dedupe by email.
	modified  []int64
	firstRow  map[Key]firstSeen // email → its first row
	groups    map[Key][]uint32  // email → rows, for emails seen twice or more
	groupKey  map[uint32]string // row of a group → its source key
	stash     map[uint32]*staging.Customer
	survivors map[uint32][]uint32 // survivor row → merged rows, in preference order

	addresses, attributes []int32 // by row: rows written for the customer
}

type firstSeen struct {
	row uint32
	key string
}

// customerResolution is what became of the customer a child row names.
type customerResolution struct {
	key   string // the customer to attach to (the survivor, if merged)
	row   uint32
	moved bool // the child moves to a survivor
	p     *problem
}

func (t *customerTable) resolve(key string) customerResolution {
	row, ok := t.byKey[key]
	if !ok {
		return customerResolution{p: newProblem("customer_source_key", CheckUnknownCustomer, key,
			fmt.Sprintf("unknown customer: no row of customers.parquet has source key %q; extract the customer too, or drop this row", key))}
	}
	switch t.state[row] {
	case rowRejected:
		return customerResolution{p: newProblem("customer_source_key", CheckCustomerRejected, key, "customer rejected: "+t.reasons[row])}
	case rowMerged:
		return customerResolution{key: t.survivor[row], row: t.srow[row], moved: true}
	}
	return customerResolution{key: key, row: row}
}

// resolver is one worker's view of a customerTable: it remembers the last
// answer, since the rows of one customer usually come together.
type resolver struct {
	t    *customerTable
	key  string
	last customerResolution
	ok   bool
}

func (r *resolver) resolve(key string) customerResolution {
	if !r.ok || key != r.key {
		r.key, r.last, r.ok = key, r.t.resolve(key), true
	}
	return r.last
}

// customerCheck is what a worker finds out about a customer row.
type customerCheck struct {
	p     *problem
	email Key
}

// readCustomers is the first pass over customers.parquet: normalise,
// validate, index, and find duplicate emails. Rejects are written here.
// Source keys are compared exactly (a map of strings): this table is the
// one every child row is looked up in.
func (r *run) readCustomers() (*customerTable, error) {
	s, opts := &r.s, r.opts
	t := &customerTable{
		opts: opts, byKey: map[string]uint32{}, reasons: map[uint32]string{},
		survivor: map[uint32]string{}, srow: map[uint32]uint32{},
		firstRow: map[Key]firstSeen{}, groups: map[Key][]uint32{}, groupKey: map[uint32]string{}, stash: map[uint32]*staging.Customer{},
		survivors: map[uint32][]uint32{},
	}
	ns, tallied := opts.normalizers(s.rep)
	var preps []func(*batch[staging.Customer, customerCheck])
	for _, n := range ns {
		kb := keyBuilder{seeds: r.seeds}
		preps = append(preps, func(b *batch[staging.Customer, customerCheck]) {
			for i := range b.rows {
				c := &b.rows[i]
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
			first, dup := t.byKey[c.SourceKey]
			if !dup {
				t.byKey[c.SourceKey] = row
			}
			if p := res.p; p != nil {
				st = rowRejected
				t.reasons[row] = p.Message
				if err := s.reject(staging.EntityCustomers, c.SourceKey, p); err != nil {
					return err
				}
			} else if dup {
				st = rowRejected
				p := dupKeyProblem(c.SourceKey, first)
				t.reasons[row] = p.Message
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
						t.groups[email] = []uint32{fr.row}
						t.groupKey[fr.row] = fr.key
					}
					t.groups[email] = append(t.groups[email], row)
					t.groupKey[row] = c.SourceKey
					v := *c
					t.stash[row] = &v
				} else {
					t.firstRow[email] = firstSeen{row, c.SourceKey}
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
	t.firstRow = nil
	return t, nil
}
func dupKeyProblem(key string, firstRow uint32) *problem {
	return newProblem("source_key", CheckDuplicateSourceKey, key,
		fmt.Sprintf("source key %q already used by row %d of the same file; source keys must be unique", key, firstRow+1))
}
