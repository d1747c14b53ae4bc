package load

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Plan is what a run will send: the dry run's answer.
type Plan struct {
	Input              map[string]int64 `json:"input"` // records per entity
	AttributesToCreate int64            `json:"attributes_to_create"`
	AttributeConflicts []string         `json:"attribute_conflicts,omitempty"`
	Requests           map[string]int64 `json:"requests"` // minimum per endpoint
	TotalRequests      int64            `json:"total_requests"`
	Quota              int              `json:"quota"`
	WindowSeconds      float64          `json:"window_seconds"`
	// TargetCustomers is how many customers the target holds; when it
	// holds any, ExistingCustomers is how many of the input's customers
	// not loaded yet it has (found by email, as the run will look them up
	// before sending them), and Requests counts those look-ups and what
	// --on-existing makes of them instead of their POSTs.
	TargetCustomers   int64  `json:"target_customers"`
	ExistingCustomers int64  `json:"existing_customers"`
	OnExisting        string `json:"on_existing,omitempty"`
	// MinSeconds is the shortest the run can take at the target's quota.
	MinSeconds float64 `json:"min_seconds"`
	// Mapping is where the source's groups, channels and form fields go
	// in the target, and what its data preferences cost.
	Mapping *MappingPlan `json:"mapping,omitempty"`
	// Problems found by local validation (the first few), and how many.
	Problems     []string `json:"problems,omitempty"`
	ProblemCount int64    `json:"problem_count"`
}

const maxProblems = 50

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// overflow counts the records beyond the first ten per customer.
func (l *loader) overflow(ctx context.Context, entity string) (int64, error) {
	var n int64
	err := l.st.db.QueryRowContext(ctx, `SELECT coalesce(sum(max(n - 10, 0)), 0) FROM (SELECT count(*) AS n FROM src WHERE entity = ? GROUP BY cust)`, ent(entity)).Scan(&n)
	return n, err
}

func (l *loader) entityCount(ctx context.Context, entity string) (int64, error) {
	var n int64
	err := l.st.db.QueryRowContext(ctx, `SELECT count(*) FROM src WHERE entity = ?`, ent(entity)).Scan(&n)
	return n, err
}

// planRequests is the minimum number of requests per endpoint for the
// whole input, given how many attributes must be created.
func (l *loader) planRequests(ctx context.Context, creates int64) (map[string]int64, int64, error) {
	c, err := l.entityCount(ctx, staging.EntityCustomers)
	if err != nil {
		return nil, 0, err
	}
	oa, err := l.overflow(ctx, staging.EntityAddresses)
	if err != nil {
		return nil, 0, err
	}
	ov, err := l.overflow(ctx, staging.EntityAttributeValues)
	if err != nil {
		return nil, 0, err
	}
	r := map[string]int64{
		epGetAttributes:  1,
		epPostAttributes: ceilDiv(creates, bigcommerce.MaxAttributesPerCall),
		epPostCustomers:  ceilDiv(c, bigcommerce.MaxCustomersPerCall),
		epPostAddresses:  ceilDiv(oa, bigcommerce.MaxAddressesPerCall),
		epPutValues:      ceilDiv(ov, bigcommerce.MaxAttributeValuesPerCall),
	}
	if err := l.planMappingRequests(ctx, r); err != nil {
		return nil, 0, err
	}
	var total int64
	for ep, n := range r {
		if n == 0 {
			delete(r, ep)
		}
		total += n
	}
	return r, total, nil
}

// minimumRequests is Summary.MinimumRequests: l.minBase, the plan without
// attribute creations (planned before the first write, so that no pass
// over the input follows the last request), and the creations the
// attribute step found needed.
func (l *loader) minimumRequests() int64 {
	return l.minBase + ceilDiv(l.attrCreates.Load(), bigcommerce.MaxAttributesPerCall)
}

// dryRun validates the input and prints the plan; it writes nothing to the
// target. Its one request (the attribute list) also reads the quota from
// the rate-limit headers.
func (l *loader) dryRun(ctx context.Context) (*Summary, error) {
	p := &Plan{Input: map[string]int64{}}
	for _, e := range staging.Entities {
		n, err := l.entityCount(ctx, e)
		if err != nil {
			return nil, err
		}
		p.Input[e] = n
	}
	src, err := l.sourceAttributes(ctx)
	if err != nil {
		return nil, err
	}
	target, err := l.firstAttrs()
	if err != nil {
		return nil, err
	}
	types := map[string]string{}
	for _, a := range src {
		t, ok := target[a.name]
		switch {
		case !ok:
			p.AttributesToCreate++
			types[a.name] = a.typ
		case t.Type != a.typ:
			p.AttributeConflicts = append(p.AttributeConflicts, fmt.Sprintf("%s: %s in the source, %s in the target; its values will be rejected", a.name, a.typ, t.Type))
		default:
			types[a.name] = t.Type
		}
	}
	if p.Requests, p.TotalRequests, err = l.planRequests(ctx, p.AttributesToCreate); err != nil {
		return nil, err
	}
	if err := l.planExisting(ctx, p); err != nil {
		return nil, err
	}
	if ps := l.c.Pacer().State(); ps.Known && ps.Quota > 0 {
		p.Quota, p.WindowSeconds = ps.Quota, ps.Window.Seconds()
		p.MinSeconds = float64(p.TotalRequests) / float64(ps.Quota) * ps.Window.Seconds()
	}
	if err := l.validate(ctx, p, types); err != nil {
		return nil, err
	}
	if err := l.planMapping(ctx, p); err != nil {
		return nil, err
	}
	s := l.baseSummary()
	s.DryRun, s.Plan = true, p
	return s, l.writeSummary(s)
}

// planExisting asks the target how many customers it holds and, when it
// holds any, looks the input's pending customers up by email as the run
// will (a chunk per request), so the plan says how many exist and what
// they cost: look-ups, and per --on-existing no POST (skip, fail) or a
// PUT per ten (update).
func (l *loader) planExisting(ctx context.Context, p *Plan) error {
	l.count(epGetCustomers, 1)
	_, resp, err := l.c.Customers.List(ctx, &bigcommerce.CustomerListOptions{ListOptions: bigcommerce.ListOptions{Limit: 1}})
	if err != nil {
		return fmt.Errorf("counting the target's customers: %w", err)
	}
	p.OnExisting = l.opts.OnExisting
	if resp.Meta.Pagination != nil {
		p.TargetCustomers = int64(resp.Meta.Pagination.Total)
	}
	if p.TargetCustomers == 0 {
		return nil
	}
	rows, err := l.st.db.QueryContext(ctx, `SELECT s.ref FROM src s WHERE s.entity = ? AND s.status IS NULL ORDER BY s.seq`, ent(staging.EntityCustomers))
	if err != nil {
		return err
	}
	var emails []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return err
		}
		emails = append(emails, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	found, err := l.lookupEmails(ctx, emails)
	if err != nil {
		return err
	}
	p.ExistingCustomers = int64(len(found))
	chunks, err := l.emailChunks(emails)
	if err != nil {
		return err
	}
	lookups := int64(len(chunks))
	c, err := l.entityCount(ctx, staging.EntityCustomers)
	if err != nil {
		return err
	}
	p.Requests[epGetCustomers] += lookups
	p.Requests[epPostCustomers] = ceilDiv(c-p.ExistingCustomers, bigcommerce.MaxCustomersPerCall)
	if l.opts.OnExisting == OnExistingUpdate {
		p.Requests[epPutCustomers] = ceilDiv(p.ExistingCustomers, bigcommerce.MaxCustomersPerCall)
	}
	p.TotalRequests = 0
	for ep, n := range p.Requests {
		if n == 0 {
			delete(p.Requests, ep)
		}
		p.TotalRequests += n
	}
	return nil
}

// validate applies the checks that need no request, the transform's own
// (internal/bcrules): required fields, lengths, email syntax, country
// codes, attribute value types, form field values.
func (l *loader) validate(ctx context.Context, p *Plan, types map[string]string) error {
	problem := func(entity, key, msg string) {
		p.ProblemCount++
		if len(p.Problems) < maxProblems {
			p.Problems = append(p.Problems, entity+" "+key+": "+msg)
		}
	}
	rows, err := l.st.db.QueryContext(ctx, `SELECT entity, seq, key, cust, ref, data FROM src WHERE entity != ? ORDER BY entity, seq`, ent(staging.EntityAttributes))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r srcRow
		var code entityCol
		if err := rows.Scan(&code, &r.seq, &r.key, &r.cust, &r.ref, &r.data); err != nil {
			return err
		}
		entity := staging.Entity(code)
		switch entity {
		case staging.EntityCustomers:
			c, err := decode[staging.Customer](r)
			if err != nil {
				return err
			}
			if v := bcrules.CheckCustomer(&c); v != nil {
				problem("customer", r.key, v.Message)
			}
		case staging.EntityAddresses:
			a, err := decode[staging.Address](r)
			if err != nil {
				return err
			}
			if v := bcrules.CheckAddress(&a); v != nil {
				problem("address", r.key, v.Message)
			} else if why, err := l.mapState(ctx, &a); err != nil {
				return err
			} else if why != "" {
				problem("address", r.key, why)
			}
		case staging.EntityAttributeValues:
			v, err := decode[staging.AttributeValue](r)
			if err != nil {
				return err
			}
			// An attribute in conflict with the target has no type here: its
			// values are rejected with it.
			if typ, ok := types[v.AttributeName]; ok {
				if err := bcrules.CheckAttributeValue(typ, v.AttributeValue); err != nil {
					problem("attribute value", r.key, v.AttributeName+": "+err.Error())
				}
			}
		case staging.EntityCustomerGroups:
			if g, err := decode[staging.CustomerGroup](r); err != nil {
				return err
			} else if v := bcrules.CheckCustomerGroup(&g); v != nil {
				problem("customer group", r.key, v.Message)
			}
		case staging.EntityMetafields:
			if m, err := decode[staging.Metafield](r); err != nil {
				return err
			} else if v := bcrules.CheckMetafield(&m); v != nil {
				problem("metafield", r.key, v.Message)
			}
		case staging.EntitySubscribers:
			if sb, err := decode[staging.Subscriber](r); err != nil {
				return err
			} else if v := bcrules.CheckSubscriber(&sb); v != nil {
				problem("subscriber", r.key, v.Message)
			}
		case staging.EntityConsents:
			if c, err := decode[staging.Consent](r); err != nil {
				return err
			} else if v := bcrules.CheckConsent(&c); v != nil {
				problem("consent", r.key, v.Message)
			}
		case staging.EntityFormFieldValues:
			if fi, bad, err := l.decodeForm(r); err != nil {
				return err
			} else if bad != nil {
				problem("form field value", r.key, bad.message)
			} else if v := bcrules.CheckFormField(&fi.f); v != nil {
				problem("form field value", r.key, v.Message)
			}
		}
	}
	return rows.Err()
}

// String is the plan for a person.
func (p *Plan) String() string {
	var b strings.Builder
	b.WriteString("dry run: nothing was written to the target\ninput:\n")
	for _, e := range staging.Entities {
		fmt.Fprintf(&b, "  %-18s %d\n", e, p.Input[e])
	}
	fmt.Fprintf(&b, "attributes to create: %d\n", p.AttributesToCreate)
	if p.TargetCustomers > 0 {
		fmt.Fprintf(&b, "the target holds %d customers; %d of the input's are among them (--on-existing=%s)\n",
			p.TargetCustomers, p.ExistingCustomers, p.OnExisting)
	}
	for _, c := range p.AttributeConflicts {
		fmt.Fprintf(&b, "  type conflict: %s\n", c)
	}
	b.WriteString("requests (minimum):\n")
	for _, ep := range sortedKeys(p.Requests) {
		fmt.Fprintf(&b, "  %-34s %d\n", ep, p.Requests[ep])
	}
	fmt.Fprintf(&b, "  %-34s %d\n", "total", p.TotalRequests)
	if p.Quota > 0 {
		d := time.Duration(p.MinSeconds * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(&b, "quota %d per %.0fs: at least %s\n", p.Quota, p.WindowSeconds, d)
	} else {
		b.WriteString("the target sent no rate-limit headers: no quota bound\n")
	}
	if p.Mapping != nil {
		b.WriteString(p.Mapping.String())
	}
	fmt.Fprintf(&b, "problems found: %d\n", p.ProblemCount)
	for _, pr := range p.Problems {
		fmt.Fprintf(&b, "  %s\n", pr)
	}
	return b.String()
}
