package transform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// chooseSurvivors picks, for every email shared by several customers, the
// one that is loaded (see Options.CustomerSurvivor) and records where the
// others go.
func (t *customerTable) chooseSurvivors() {
	for _, rows := range t.groups {
		order := t.preference(rows)
		surv := order[0]
		t.survivors[surv] = order[1:]
		for _, r := range order[1:] {
			t.state[r] = rowMerged
			t.srow[r] = surv
		}
	}
	t.groups = nil
}

// preference orders a group's rows, the survivor first.
func (t *customerTable) preference(rows []uint32) []uint32 {
	order := slices.Clone(rows) // input order
	switch t.opts.CustomerSurvivor {
	case SurvivorFirst:
	case SurvivorLast:
		slices.Reverse(order)
	default: // newest: latest date_modified, ties to the later row
		slices.SortStableFunc(order, func(a, b uint32) int {
			if t.modified[a] != t.modified[b] {
				if t.modified[a] > t.modified[b] {
					return -1
				}
				return 1
			}
			return int(int64(b) - int64(a))
		})
	}
	return order
}

// customerField is one scalar a merge compares and may fill.
type customerField struct {
	name string
	get  func(*staging.Customer) string
	set  func(dst, src *staging.Customer)
}

func ptrString[T any](p *T) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

func sliceString[T any](s []T) string {
	if len(s) == 0 {
		return ""
	}
	return fmt.Sprint(s)
}

// groupLabel is a customer's group as a merge row shows it: the id, then
// the name.
func groupLabel(c *staging.Customer) string {
	l := ptrString(c.CustomerGroupID)
	if c.CustomerGroupName != "" {
		l = strings.TrimSpace(l + " " + c.CustomerGroupName)
	}
	return l
}

// customerFields are compared when customers merge. Identity and
// bookkeeping (source key, id, dates, counts) stay the survivor's.
var customerFields = []customerField{
	{"email", func(c *staging.Customer) string { return c.Email }, func(d, s *staging.Customer) { d.Email = s.Email }},
	{"first_name", func(c *staging.Customer) string { return c.FirstName }, func(d, s *staging.Customer) { d.FirstName = s.FirstName }},
	{"last_name", func(c *staging.Customer) string { return c.LastName }, func(d, s *staging.Customer) { d.LastName = s.LastName }},
	{"company", func(c *staging.Customer) string { return c.Company }, func(d, s *staging.Customer) { d.Company = s.Company }},
	{"phone", func(c *staging.Customer) string { return c.Phone }, func(d, s *staging.Customer) { d.Phone = s.Phone }},
	{"notes", func(c *staging.Customer) string { return c.Notes }, func(d, s *staging.Customer) { d.Notes = s.Notes }},
	{"tax_exempt_category", func(c *staging.Customer) string { return c.TaxExemptCategory }, func(d, s *staging.Customer) { d.TaxExemptCategory = s.TaxExemptCategory }},
	{"registration_ip_address", func(c *staging.Customer) string { return c.RegistrationIPAddress }, func(d, s *staging.Customer) { d.RegistrationIPAddress = s.RegistrationIPAddress }},
	// A group is its id and its name together: one is never taken
	// without the other.
	{"customer_group_id", func(c *staging.Customer) string { return groupLabel(c) }, func(d, s *staging.Customer) {
		d.CustomerGroupID, d.CustomerGroupName = s.CustomerGroupID, s.CustomerGroupName
	}},
	{"accepts_product_review_abandoned_cart_emails", func(c *staging.Customer) string { return ptrString(c.AcceptsProductReviewAbandonedCartEmails) }, func(d, s *staging.Customer) {
		d.AcceptsProductReviewAbandonedCartEmails = s.AcceptsProductReviewAbandonedCartEmails
	}},
	{"force_password_reset", func(c *staging.Customer) string { return ptrString(c.ForcePasswordReset) }, func(d, s *staging.Customer) { d.ForcePasswordReset = s.ForcePasswordReset }},
	{"origin_channel_id", func(c *staging.Customer) string { return ptrString(c.OriginChannelID) }, func(d, s *staging.Customer) { d.OriginChannelID = s.OriginChannelID }},
	{"channel_ids", func(c *staging.Customer) string { return sliceString(c.ChannelIDs) }, func(d, s *staging.Customer) { d.ChannelIDs = s.ChannelIDs }},
	{"store_credit_amounts", func(c *staging.Customer) string { return sliceString(c.StoreCreditAmounts) }, func(d, s *staging.Customer) { d.StoreCreditAmounts = s.StoreCreditAmounts }},
}

// mergeCustomers fills the survivor's empty fields from the merged
// customers, in preference order, and writes one merge row per merged
// customer plus one per value of it that differs from what was kept.
func mergeCustomers(surv *staging.Customer, merged []*staging.Customer, s *sink) error {
	for _, f := range customerFields {
		if f.get(surv) != "" {
			continue
		}
		for _, m := range merged {
			if f.get(m) != "" {
				f.set(surv, m)
				break
			}
		}
	}
	for _, m := range merged {
		var cs []conflict
		for _, f := range customerFields {
			if v, k := f.get(m), f.get(surv); v != "" && v != k {
				cs = append(cs, conflict{f.name, v, k})
			}
		}
		if err := s.merged(staging.EntityCustomers, MergeEmail, m.SourceKey, surv.SourceKey, cs); err != nil {
			return err
		}
	}
	return nil
}

// writeCustomers is the second pass over customers.parquet, run after the
// child entities so address_count and attribute_count can be set to what
// is actually written. Rows keep their input order; a survivor takes the
// place of its own row.
func (r *run) writeCustomers(t *customerTable, span *dateSpan) error {
	s := &r.s
	ns, _ := t.opts.normalizers(nil)
	var preps []func(*batch[staging.Customer, struct{}])
	for _, n := range ns {
		preps = append(preps, func(b *batch[staging.Customer, struct{}]) {
			for i := range b.rows {
				if t.state[b.start+uint32(i)] != rowRejected {
					n.customer(&b.rows[i])
				}
			}
		})
	}
	counts := s.rep.Entities[staging.EntityCustomers]
	return passRows(r.ctx, r.in, staging.EntityCustomers, preps, func(b *batch[staging.Customer, struct{}]) error {
		for i := range b.rows {
			row, c := b.start+uint32(i), &b.rows[i]
			switch t.state[row] {
			case rowRejected:
				continue
			case rowMerged:
				if _, ok := t.stash[row]; !ok {
					v := *c
					t.stash[row] = &v // the group's first row: its survivor comes later
				}
				continue
			}
			if merged := t.survivors[row]; len(merged) > 0 {
				ms := make([]*staging.Customer, 0, len(merged))
				for _, m := range merged {
					ms = append(ms, t.stash[m])
					delete(t.stash, m)
				}
				// The group was found by the emails' hashes: the emails
				// themselves must be equal (see Key).
				for _, m := range ms {
					if bcrules.EmailKey(m.Email) != bcrules.EmailKey(c.Email) {
						return errKeyCollision
					}
				}
				if err := mergeCustomers(c, ms, s); err != nil {
					return err
				}
			}
			c.AddressCount, c.AttributeCount = t.addresses[row], t.attributes[row]
			span.add(c.DateModified)
			counts.RowsOut++
			if err := r.customers.write(*c); err != nil {
				return err
			}
		}
		return nil
	})
}
