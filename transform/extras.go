package transform

import (
	"github.com/bcetl/bcetl/internal/bcrules"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
)

// Customer groups, metafields, subscribers and consents: what each checks
// and merges. Limits are the documents' (customers.v2.yml,
// customers.v3.yml, subscribers.v3.yml); the sandbox enforces the same.

// MaxMetafieldsPerCustomer is metafield_Base's "the max number of
// metafields allowed on each is 50".
const MaxMetafieldsPerCustomer = 50

var groupSpec = childSpec[staging.CustomerGroup]{
	entity:    staging.EntityCustomerGroups,
	mergeRule: MergeGroupName,
	key:       func(g *staging.CustomerGroup) string { return g.SourceKey },
	owner:     func(*staging.CustomerGroup) *string { return nil },
	check: func(n *normalizer, g *staging.CustomerGroup) *problem {
		if p := checkUTF8("source_key", g.SourceKey, "name", g.Name); p != nil {
			return p
		}
		n.text(&g.Name)
		if p := (bcrules.Limit{Field: "name", Min: 1, Max: 255}).Check(g.Name); p != nil {
			return p
		}
		if p := checkOneOf("category_access_type", g.CategoryAccessType, true, "all", "specific", "none"); p != nil {
			return p
		}
		for _, d := range g.DiscountRules {
			if p := checkOneOf("discount_rules.type", d.Type, false, "price_list", "all", "category", "product"); p != nil {
				return p
			}
			if d.Type == "price_list" {
				continue
			}
			if p := checkOneOf("discount_rules.method", d.Method, false, "percent", "fixed", "price"); p != nil {
				return p
			}
			if m, err := staging.ParseMoney(d.Amount); err != nil || m.Sign() < 0 {
				return newProblem("discount_rules.amount", CheckEnum, d.Amount, "discount_rules.amount must be a number >= 0 with at most 4 decimals")
			}
		}
		return nil
	},
	// Group names are unique in a store ignoring case (the sandbox's
	// reading; a second group of a name is a 409): the target can hold one.
	dedupe: func(kb *keyBuilder, _ string, g *staging.CustomerGroup) Key {
		return kb.reset("group").raw(strings.ToLower(g.Name)).sum()
	},
	conflicts: func(l, w *staging.CustomerGroup) []conflict {
		return diff("name", l.Name, w.Name, "category_access_type", l.CategoryAccessType, w.CategoryAccessType)
	},
	modified: func(g *staging.CustomerGroup) *time.Time { return g.DateModified },
}

var metafieldSpec = childSpec[staging.Metafield]{
	entity:    staging.EntityMetafields,
	mergeRule: MergeMetafieldKey,
	key:       func(m *staging.Metafield) string { return m.SourceKey },
	owner:     func(m *staging.Metafield) *string { return &m.CustomerSourceKey },
	moved:     func(m *staging.Metafield) { m.CustomerID, m.ID = nil, nil },
	// Namespace, key and value are an app's data, compared exactly by the
	// app that reads them: they are checked, never rewritten.
	check: func(_ *normalizer, m *staging.Metafield) *problem {
		if p := checkUTF8("source_key", m.SourceKey, "customer_source_key", m.CustomerSourceKey, "namespace", m.Namespace,
			"key", m.Key, "value", m.Value, "description", m.Description); p != nil {
			return p
		}
		for _, l := range []struct {
			f        string
			v        string
			min, max int
		}{{"namespace", m.Namespace, 1, 64}, {"key", m.Key, 1, 64}, {"value", m.Value, 1, 65535}, {"description", m.Description, 0, 255}} {
			if p := (bcrules.Limit{Field: l.f, Min: l.min, Max: l.max}).Check(l.v); p != nil {
				return p
			}
		}
		return checkOneOf("permission_set", m.PermissionSet, false, "app_only", "read", "write", "read_and_sf_access", "write_and_sf_access")
	},
	// Unique per customer on (namespace, key), as the API keeps them.
	dedupe: func(kb *keyBuilder, owner string, m *staging.Metafield) Key {
		return kb.reset("metafield").raw(owner).raw(m.Namespace).raw(m.Key).sum()
	},
	conflicts: func(l, w *staging.Metafield) []conflict {
		return diff("value", l.Value, w.Value, "permission_set", l.PermissionSet, w.PermissionSet, "description", l.Description, w.Description)
	},
	perOwner:  MaxMetafieldsPerCustomer,
	limitRule: CheckMetafieldLimit,
	limitMsg:  "customer %s already has %d metafields, the most the API allows on one: drop or combine some at the source",
	modified:  func(m *staging.Metafield) *time.Time { return m.DateModified },
}

var subscriberSpec = childSpec[staging.Subscriber]{
	entity:    staging.EntitySubscribers,
	mergeRule: MergeSubscriberEmail,
	key:       func(s *staging.Subscriber) string { return s.SourceKey },
	owner:     func(s *staging.Subscriber) *string { return s.CustomerSourceKey },
	moved:     func(*staging.Subscriber) {},
	check: func(n *normalizer, s *staging.Subscriber) *problem {
		if p := checkUTF8("source_key", s.SourceKey, "email", s.Email, "first_name", s.FirstName, "last_name", s.LastName, "source", s.Source); p != nil {
			return p
		}
		n.text(&s.Email, &s.FirstName, &s.LastName)
		if n.opts.on(RuleEmail) || s.Email == "" {
			e, err := bcrules.NormalizeEmail(s.Email)
			if err != nil {
				return newProblem("email", RuleEmail, s.Email, err.Error()+": a subscriber needs a valid email")
			}
			n.count(RuleEmail, s.Email, e)
			s.Email = e
		}
		for _, l := range []struct{ f, v string }{{"email", s.Email}, {"first_name", s.FirstName}, {"last_name", s.LastName}} {
			if p := (bcrules.Limit{Field: l.f, Min: 0, Max: 255}).Check(l.v); p != nil {
				return p
			}
		}
		if p := checkOneOf("source", s.Source, true, "storefront", "order", "custom"); p != nil {
			return p
		}
		return checkList("consents", s.Consents, "marketing_newsletter", "abandoned_cart")
	},
	// One subscriber per email in a store, compared plain lower-case
	// (anything looser can merge two people).
	dedupe: func(kb *keyBuilder, _ string, s *staging.Subscriber) Key {
		return kb.reset("subscriber").raw(strings.ToLower(s.Email)).sum()
	},
	conflicts: func(l, w *staging.Subscriber) []conflict {
		return diff("consents", strings.Join(l.Consents, ","), strings.Join(w.Consents, ","), "first_name", l.FirstName, w.FirstName,
			"last_name", l.LastName, w.LastName)
	},
	modified: func(s *staging.Subscriber) *time.Time { return s.DateModified },
}

var consentSpec = childSpec[staging.Consent]{
	entity:    staging.EntityConsents,
	mergeRule: MergeConsent,
	key:       func(c *staging.Consent) string { return c.SourceKey },
	owner:     func(c *staging.Consent) *string { return &c.CustomerSourceKey },
	moved:     func(c *staging.Consent) { c.CustomerID = nil },
	check: func(_ *normalizer, c *staging.Consent) *problem {
		cats := []string{"essential", "functional", "analytics", "targeting"}
		if p := checkList("allow", c.Allow, cats...); p != nil {
			return p
		}
		if p := checkList("deny", c.Deny, cats...); p != nil {
			return p
		}
		for _, d := range c.Deny {
			if d == "essential" {
				return newProblem("deny", CheckEnum, d, "essential cookies cannot be denied")
			}
			for _, a := range c.Allow {
				if a == d {
					return newProblem("deny", CheckEnum, d, d+" is both allowed and denied")
				}
			}
		}
		return nil
	},
	// One declaration per customer: a merged customer's gives way to the
	// survivor's own.
	dedupe: func(kb *keyBuilder, owner string, _ *staging.Consent) Key {
		return kb.reset("consent").raw(owner).sum()
	},
	conflicts: func(l, w *staging.Consent) []conflict {
		return diff("allow", strings.Join(l.Allow, ","), strings.Join(w.Allow, ","), "deny", strings.Join(l.Deny, ","), strings.Join(w.Deny, ","))
	},
}
