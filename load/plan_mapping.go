package load

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// The dry run's store-to-store plan: where every source group, channel
// and form field name goes in the target, and what data preferences
// would cost (principle: a mapping is explicit, and the dry run shows it).

// GroupPlan is one source group.
type GroupPlan struct {
	Name      string   `json:"name"`
	SourceID  int64    `json:"source_id,omitempty"`
	Customers int64    `json:"customers"`
	TargetID  int64    `json:"target_id,omitempty"`
	Action    string   `json:"action"` // exists, create, or what becomes of its customers
	Dropped   []string `json:"dropped,omitempty"`
}

// ChannelPlan is one source channel.
type ChannelPlan struct {
	Source    int64  `json:"source"`
	Customers int64  `json:"customers"`
	Target    int64  `json:"target,omitempty"`
	Problem   string `json:"problem,omitempty"` // why its customers are rejected
}

// FormFieldPlan is one form field name of the input.
type FormFieldPlan struct {
	Form   string `json:"form"` // sign-up or address
	Name   string `json:"name"`
	Values int64  `json:"values"`
	Status string `json:"status"`
}

// MappingPlan is the plan's store-to-store part.
type MappingPlan struct {
	Groups     []GroupPlan     `json:"groups,omitempty"`
	Channels   []ChannelPlan   `json:"channels,omitempty"`
	FormFields []FormFieldPlan `json:"form_fields,omitempty"`
	// Consents is how many declarations the input holds: with
	// --with-consent, one PUT each; ConsentHours is that at the quota.
	Consents     int64   `json:"consents"`
	WithConsent  bool    `json:"with_consent"`
	ConsentHours float64 `json:"consent_hours,omitempty"`
}

// planMapping fills p.Mapping.
func (l *loader) planMapping(ctx context.Context, p *Plan) error {
	m := &MappingPlan{WithConsent: l.opts.WithConsent}
	p.Mapping = m
	tm := l.tm
	byName := map[string]*GroupPlan{}
	rows, err := l.srcRows(ctx, `SELECT seq, key, cust, ref, data FROM src WHERE entity = ? ORDER BY seq`, ent(staging.EntityCustomerGroups))
	if err != nil {
		return err
	}
	have := map[string]int64{}
	for _, g := range tm.target {
		have[strings.ToLower(g.Name)] = g.ID
	}
	for _, r := range rows {
		g, err := decode[staging.CustomerGroup](r)
		if err != nil {
			return err
		}
		gp := &GroupPlan{Name: g.Name, SourceID: deref(g.ID)}
		switch id, ok := have[strings.ToLower(g.Name)]; {
		case ok:
			gp.TargetID, gp.Action = id, "exists in the target: mapped by name"
		case l.opts.CreateGroups != nil && !*l.opts.CreateGroups:
			gp.Action = "not in the target, --create-groups=false: its customers are " + map[bool]string{true: "given the default group", false: "rejected"}[l.opts.MissingGroup == MissingGroupDefault]
		default:
			_, gp.Dropped = groupCreate(g)
			gp.Action = "created"
			if v := bcrules.CheckCustomerGroup(&g); v != nil {
				gp.Action = "invalid: " + v.Message
			}
		}
		byName[strings.ToLower(g.Name)] = gp
		m.Groups = append(m.Groups, gp.self())
	}
	q, err := l.st.db.QueryContext(ctx, `SELECT coalesce(json_extract(data, '$.gn'), ''), coalesce(json_extract(data, '$.gid'), 0), count(*)
		FROM src WHERE entity = ? GROUP BY 1, 2`, ent(staging.EntityCustomers))
	if err != nil {
		return err
	}
	var orphans []GroupPlan
	err = scanRows(q, func(q *sql.Rows) error {
		var name string
		var id, n int64
		if err := q.Scan(&name, &id, &n); err != nil {
			return err
		}
		if name == "" {
			name = tm.srcGroups[id]
		}
		if gp := byName[strings.ToLower(name)]; gp != nil {
			gp.Customers += n
		} else if id != 0 {
			c := staging.Customer{CustomerGroupID: &id}
			why := l.mapCustomer(&c)
			orphans = append(orphans, GroupPlan{SourceID: id, Customers: n, TargetID: deref(c.CustomerGroupID), Action: map[bool]string{true: "used as the target's group id", false: "rejected: " + why}[why == ""]})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range m.Groups {
		m.Groups[i] = *byName[strings.ToLower(m.Groups[i].Name)]
	}
	m.Groups = append(m.Groups, orphans...)

	q, err = l.st.db.QueryContext(ctx, `SELECT ch, count(DISTINCT k) FROM (
		SELECT src.key AS k, j.value AS ch FROM src, json_each(src.data, '$.ch') j WHERE src.entity = ?1
		UNION ALL SELECT key, json_extract(data, '$.oc') FROM src WHERE entity = ?1 AND json_extract(data, '$.oc') IS NOT NULL)
		GROUP BY ch ORDER BY ch`, ent(staging.EntityCustomers))
	if err != nil {
		return err
	}
	err = scanRows(q, func(q *sql.Rows) error {
		var c ChannelPlan
		if err := q.Scan(&c.Source, &c.Customers); err != nil {
			return err
		}
		c.Target, c.Problem = tm.channel(c.Source, l.opts.ChannelMap)
		m.Channels = append(m.Channels, c)
		return nil
	})
	if err != nil {
		return err
	}

	q, err = l.st.db.QueryContext(ctx, `SELECT ref != '', coalesce(json_extract(data, '$.n'), ''), count(*) FROM src WHERE entity = ? GROUP BY 1, 2 ORDER BY 1, 2`,
		ent(staging.EntityFormFieldValues))
	if err != nil {
		return err
	}
	err = scanRows(q, func(q *sql.Rows) error {
		var address bool
		f := FormFieldPlan{Form: "sign-up"}
		if err := q.Scan(&address, &f.Name, &f.Values); err != nil {
			return err
		}
		if address {
			f.Form = "address"
		}
		switch why := l.formRefusal(address, f.Name); {
		case why != "":
			f.Status = "values rejected: " + why
		case tm.custFields == nil:
			f.Status = "not checked (give --target-storefront-url): a refusal would teach it, at one request"
		default:
			f.Status = "in the target's form"
		}
		m.FormFields = append(m.FormFields, f)
		return nil
	})
	if err != nil {
		return err
	}
	if m.Consents, err = l.entityCount(ctx, staging.EntityConsents); err != nil {
		return err
	}
	if ps := l.c.Pacer().State(); ps.Known && ps.Quota > 0 {
		m.ConsentHours = float64(m.Consents) / float64(ps.Quota) * ps.Window.Hours()
	}
	sort.SliceStable(m.Groups, func(i, j int) bool { return m.Groups[i].Customers > m.Groups[j].Customers })
	return nil
}

func (g *GroupPlan) self() GroupPlan { return *g }

func scanRows(q *sql.Rows, fn func(*sql.Rows) error) error {
	defer q.Close()
	for q.Next() {
		if err := fn(q); err != nil {
			return err
		}
	}
	return q.Err()
}

// String is the mapping plan for a person.
func (m *MappingPlan) String() string {
	var b strings.Builder
	if len(m.Groups) > 0 {
		b.WriteString("customer groups (source → target):\n")
		for _, g := range m.Groups {
			name := g.Name
			if name == "" {
				name = fmt.Sprintf("id %d", g.SourceID)
			}
			fmt.Fprintf(&b, "  %-24s %6d customers  %s", name, g.Customers, g.Action)
			if g.TargetID != 0 {
				fmt.Fprintf(&b, " (target group %d)", g.TargetID)
			}
			b.WriteString("\n")
			for _, d := range g.Dropped {
				fmt.Fprintf(&b, "      not carried: %s\n", d)
			}
		}
	}
	if len(m.Channels) > 0 {
		b.WriteString("channels (source → target):\n")
		for _, c := range m.Channels {
			if c.Problem != "" {
				fmt.Fprintf(&b, "  %-10d %6d customers  rejected: %s\n", c.Source, c.Customers, c.Problem)
			} else {
				fmt.Fprintf(&b, "  %-10d %6d customers  → %d\n", c.Source, c.Customers, c.Target)
			}
		}
	}
	if len(m.FormFields) > 0 {
		b.WriteString("form fields:\n")
		for _, f := range m.FormFields {
			fmt.Fprintf(&b, "  %-8s %-24q %6d values  %s\n", f.Form, f.Name, f.Values, f.Status)
		}
	}
	if m.Consents > 0 {
		state := "not loaded: give --with-consent"
		if m.WithConsent {
			state = "loaded (--with-consent)"
		}
		fmt.Fprintf(&b, "data preferences: %d declarations, one PUT each (%s", m.Consents, state)
		if m.ConsentHours > 0 {
			fmt.Fprintf(&b, "; %s at the target's quota", time.Duration(m.ConsentHours*float64(time.Hour)).Round(time.Second))
		}
		b.WriteString(")\n")
	}
	return b.String()
}
