package load

import (
	"context"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Step 5 writes the form field values whose owner existed before they
// could ride along with it (addresses that already existed, customers
// updated in place, values a 413 split off, values added by a changed
// input), through the endpoints customers.v3.yml points to:
// PUT /customers/form-field-values is deprecated ("Use Update a Customer
// Address and Update Customers instead"), so a customer's values go as
// `form_fields` of PUT /customers and an address's as `form_fields` of
// PUT /customers/addresses, each item naming only the owner's id and the
// values: no other field of the owner is touched. Both are upserts by
// (owner, name), so a request sent twice leaves one value. Ten owners per
// request (PUT /customers' documented maximum; addresses use the same),
// at most three requests in flight per endpoint (their documented caps),
// an owner once per request and a name once per owner.

// formOwner is one item of such a request: an owner and values of it.
type formOwner struct {
	owner     int64
	isAddress bool
	forms     []formItem
}

// loadForms is step 5.
func (l *loader) loadForms(ctx context.Context) error {
	return l.eachPage(ctx, "form field values", pendingForms, cap(l.sems[epPutCustomers])+cap(l.sems[epPutAddresses]),
		func(ctx context.Context, rows []ownedRow, g *errgroup.Group, b *bar) error {
			var rejected []outcome
			var owners []*formOwner
			open := map[[2]int64]*formOwner{} // (kind, owner) → its item still taking values
			for _, r := range rows {
				fi, bad, err := l.decodeForm(r.srcRow)
				if err != nil {
					return err
				}
				if bad != nil {
					rejected = append(rejected, *bad)
					continue
				}
				k := [2]int64{0, r.owner}
				if r.ref != "" {
					k[0] = 1
				}
				o := open[k]
				if o == nil || slices.ContainsFunc(o.forms, func(f formItem) bool { return f.f.Name == fi.f.Name }) {
					// A name twice for one owner: the second goes in a
					// later request (a list with a name twice is refused).
					o = &formOwner{owner: r.owner, isAddress: r.ref != ""}
					open[k] = o
					owners = append(owners, o)
				}
				o.forms = append(o.forms, fi)
			}
			if err := l.st.record(rejected...); err != nil {
				return err
			}
			for _, batch := range ownerBatches(owners) {
				g.Go(func() error {
					defer b.add(int64(countForms(batch)))
					return isolate(ctx, batch, l.putForms, func(o *formOwner, r *refusal, i int) (*formOwner, bool, error) {
						if kept, outs, ok := dropRefusedForms(o.forms, r, i); ok {
							o.forms = kept
							return o, len(kept) > 0, l.st.record(outs...)
						}
						outs := make([]outcome, len(o.forms))
						for j, f := range o.forms {
							outs[j] = outcome{entity: staging.EntityFormFieldValues, key: f.f.SourceKey, status: staging.StatusRejected, http: r.er.StatusCode,
								message: "the API refused its owner's update: " + r.reason(i)}
						}
						return o, false, l.st.record(outs...)
					})
				})
			}
			return nil
		})
}

// ownerBatches groups owners into requests: customers and addresses
// apart, at most ten per request, an owner at most once per request.
func ownerBatches(owners []*formOwner) [][]*formOwner {
	var out [][]*formOwner
	for _, isAddress := range []bool{false, true} {
		var cur []*formOwner
		in := map[int64]bool{}
		for _, o := range owners {
			if o.isAddress != isAddress {
				continue
			}
			if in[o.owner] || len(cur) == bigcommerce.MaxCustomersPerCall {
				out = append(out, cur)
				cur, in = nil, map[int64]bool{}
			}
			in[o.owner] = true
			cur = append(cur, o)
		}
		if len(cur) > 0 {
			out = append(out, cur)
		}
	}
	return out
}

func countForms(owners []*formOwner) (n int) {
	for _, o := range owners {
		n += len(o.forms)
	}
	return n
}

// putForms sends one request of owners (all customers or all addresses)
// with their form field values and records the values loaded, each with
// its owner's id (form field values have no id of their own).
func (l *loader) putForms(ctx context.Context, owners []*formOwner) error {
	var err error
	if owners[0].isAddress {
		body := make([]bigcommerce.AddressUpdate, len(owners))
		for i, o := range owners {
			body[i] = bigcommerce.AddressUpdate{ID: o.owner, FormFields: formFields(o.forms)}
		}
		_, err = call(ctx, l, epPutAddresses, len(body), func(ctx context.Context) ([]bigcommerce.Address, error) {
			out, _, err := l.c.Addresses.Update(ctx, body)
			return out, err
		})
	} else {
		body := make([]bigcommerce.CustomerUpdate, len(owners))
		for i, o := range owners {
			body[i] = bigcommerce.CustomerUpdate{ID: o.owner, FormFields: formFields(o.forms)}
		}
		_, err = call(ctx, l, epPutCustomers, len(body), func(ctx context.Context) ([]bigcommerce.Customer, error) {
			out, _, err := l.c.Customers.Update(ctx, body)
			return out, err
		})
	}
	if err != nil {
		return err
	}
	var outs []outcome
	for _, o := range owners {
		outs = append(outs, formOutcomes(o.forms, o.owner)...)
	}
	return l.st.record(outs...)
}
