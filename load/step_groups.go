package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// The group step maps the source's customer groups to the target's by
// name (the ids of two stores mean nothing to each other), creating the
// missing ones with their settings unless Options.CreateGroups is false.
// BigCommerce's transfer guide says category access and discount rules
// travel through the API; what names the source's catalog does not: the
// categories of a "specific" access, and discount rules on a category, a
// product or a price list. Those are dropped — the access becomes "none",
// never wider than the source's — and each is named in the group's
// result. A group known only by name (a file source) is created with the
// target's defaults.
//
// A creation is recorded in flight before it is sent (POST
// /v2/customer_groups, one group per request); one whose answer was lost,
// here or by a killed run, is settled by looking the name up: found and
// created after the request was recorded, it was this load's.

type groupStep struct{ l *loader }

func (groupStep) name() string { return "customer groups" }

func (s groupStep) load(ctx context.Context) error {
	l := s.l
	rows, err := l.srcRows(ctx, `SELECT seq, key, cust, ref, data FROM src WHERE entity = ? ORDER BY seq`, ent(staging.EntityCustomerGroups))
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	by := map[string]bigcommerce.CustomerGroup{}
	for _, g := range l.tm.target {
		by[strings.ToLower(g.Name)] = g
	}
	inflight, err := l.st.inflight(ctx, staging.EntityCustomerGroups)
	if err != nil {
		return err
	}
	started := map[string]time.Time{} // source key → when a lost creation of it was recorded
	for _, b := range inflight {
		for _, k := range b.keys {
			started[k] = b.started
		}
		if err := l.st.finish(b.id, batchReconciled, 0, "looked up by name", nil); err != nil {
			return err
		}
	}
	for _, r := range rows {
		g, err := decode[staging.CustomerGroup](r)
		if err != nil {
			return err
		}
		low := strings.ToLower(g.Name)
		id, st, err := l.st.targetID(ctx, staging.EntityCustomerGroups, r.key)
		if err != nil {
			return err
		}
		if st != "" {
			s.settled(low, id, st)
			continue
		}
		var out outcome
		if t, ok := by[low]; ok {
			out = outcome{entity: staging.EntityCustomerGroups, key: r.key, status: staging.StatusSkipped, target: t.ID,
				message: "the target store has a customer group of this name (its settings are kept)"}
			if when, lost := started[r.key]; lost && !existedBeforeV2(t.DateCreated, when) {
				out.status, out.message = staging.StatusLoaded, "created by a request whose answer was lost; found on the target"
			}
		} else if l.opts.CreateGroups != nil && !*l.opts.CreateGroups {
			out = outcome{entity: staging.EntityCustomerGroups, key: r.key, status: staging.StatusRejected,
				message: fmt.Sprintf("the target store has no customer group named %q and --create-groups=false", g.Name)}
		} else if out, err = s.create(ctx, r.key, g); err != nil {
			return err
		}
		if err := l.st.record(out); err != nil {
			return err
		}
		s.settled(low, out.target, out.status)
		if out.status == staging.StatusRejected {
			l.tm.groupBad[low] = "group " + out.message
		}
	}
	return nil
}

// settled makes a group's outcome the mapping of its name.
func (s groupStep) settled(low string, id int64, st staging.Status) {
	if st != staging.StatusRejected && id != 0 {
		s.l.tm.mu.Lock()
		s.l.tm.groups[low] = id
		s.l.tm.groupIDs[id] = true
		s.l.tm.mu.Unlock()
	}
}

// create creates a group the target lacks, under the in-flight protocol.
func (s groupStep) create(ctx context.Context, key string, g staging.CustomerGroup) (outcome, error) {
	l := s.l
	body, dropped := groupCreate(g)
	msg := ""
	if len(dropped) > 0 {
		msg = "created without what names the source store's catalog: " + strings.Join(dropped, "; ")
	}
	for attempt := 0; ; attempt++ {
		id, started, err := l.st.beginBatch(staging.EntityCustomerGroups, []string{key}, nil)
		if err != nil {
			return outcome{}, err
		}
		created, err := call(ctx, l, epPostGroups, 1, func(ctx context.Context) (bigcommerce.CustomerGroup, error) {
			out, _, err := l.c.CustomerGroups.Create(ctx, body)
			return out, err
		})
		var partial *bigcommerce.GroupDiscountError
		switch {
		case err == nil:
			out := outcome{entity: staging.EntityCustomerGroups, key: key, status: staging.StatusLoaded, target: created.ID, http: http.StatusOK, message: msg}
			return out, l.st.finish(id, batchDone, http.StatusOK, "", nil)
		case errors.As(err, &partial), bigcommerce.IsOutcomeUnknown(err) && attempt < maxReconcileAttempts:
			// Created (207: without its discount rules), or perhaps: look
			// it up by name.
			found, lerr := l.groupNamed(ctx, g.Name)
			if lerr != nil {
				return outcome{}, lerr
			}
			if found == nil {
				if err := l.st.finish(id, batchReconciled, 0, "not on the target: sent again", nil); err != nil {
					return outcome{}, err
				}
				continue
			}
			out := outcome{entity: staging.EntityCustomerGroups, key: key, status: staging.StatusLoaded, target: found.ID, message: msg}
			if partial != nil {
				out.message = strings.TrimPrefix(msg+"; ", "; ") + partial.Error()
			} else if existedBeforeV2(found.DateCreated, started) {
				out.status, out.message = staging.StatusSkipped, "the target store has a customer group of this name"
			}
			return out, l.st.finish(id, batchReconciled, 0, "looked up by name", nil)
		}
		if er := invalid(err); er != nil {
			if ferr := l.st.finish(id, batchFailed, er.StatusCode, er.Error(), nil); ferr != nil {
				return outcome{}, ferr
			}
			if er.StatusCode == http.StatusConflict { // created meanwhile by someone else
				if found, lerr := l.groupNamed(ctx, g.Name); lerr != nil || found != nil {
					return outcome{entity: staging.EntityCustomerGroups, key: key, status: staging.StatusSkipped, target: foundID(found),
						message: "the target store has a customer group of this name"}, lerr
				}
			}
			return outcome{entity: staging.EntityCustomerGroups, key: key, status: staging.StatusRejected, http: er.StatusCode,
				message: "the target store refused the group: " + er.Error()}, nil
		}
		return outcome{}, err
	}
}

func foundID(g *bigcommerce.CustomerGroup) int64 {
	if g == nil {
		return 0
	}
	return g.ID
}

// groupNamed looks a group up by name on the target (nil: none).
func (l *loader) groupNamed(ctx context.Context, name string) (*bigcommerce.CustomerGroup, error) {
	l.count(epGetGroups, 0)
	for g, err := range l.c.CustomerGroups.All(ctx, bigcommerce.CustomerGroupListOptions{Name: name}) {
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(g.Name, name) {
			return &g, nil
		}
	}
	return nil, nil
}

// existedBeforeV2 is existedBefore for a V2 date (text); an unreadable
// one is taken as older.
func existedBeforeV2(created string, started time.Time) bool {
	t, ok := bigcommerce.ParseV2Time(created)
	if !ok {
		return true
	}
	return existedBefore(&t, started)
}

// groupCreate is what a source group becomes in the target, and what of
// it names the source's catalog and is dropped.
func groupCreate(g staging.CustomerGroup) (bigcommerce.CustomerGroupCreate, []string) {
	body := bigcommerce.CustomerGroupCreate{Name: g.Name}
	var dropped []string
	switch g.CategoryAccessType {
	case "":
	case "specific":
		body.CategoryAccess = &bigcommerce.CategoryAccess{Type: "none"}
		dropped = append(dropped, fmt.Sprintf("category access to the source's categories %v (access set to none: choose the categories in the target)",
			g.CategoryAccessCategories))
	default:
		body.CategoryAccess = &bigcommerce.CategoryAccess{Type: g.CategoryAccessType}
	}
	for _, d := range g.DiscountRules {
		switch d.Type {
		case "all":
			body.DiscountRules = append(body.DiscountRules, bigcommerce.DiscountRule{Type: "all", Method: d.Method, Amount: json.Number(d.Amount)})
		case "category":
			dropped = append(dropped, fmt.Sprintf("discount rule %s %s on source category %d", d.Method, d.Amount, deref(d.CategoryID)))
		case "product":
			dropped = append(dropped, fmt.Sprintf("discount rule %s %s on source product %d", d.Method, d.Amount, deref(d.ProductID)))
		case "price_list":
			dropped = append(dropped, fmt.Sprintf("price list rule (source price list %d)", deref(d.PriceListID)))
		}
	}
	return body, dropped
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
