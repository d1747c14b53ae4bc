package transform

import (
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/bcrules"
	"github.com/bcetl/bcetl/internal/staging"
)

// Customer groups, metafields, subscribers and consents: what each checks
// and merges. The value rules are the API's, in internal/bcrules
// (CheckCustomerGroup, CheckMetafield, CheckSubscriber, CheckConsent),
// which the load's dry run applies too and the sandbox agrees with.

// MaxMetafieldsPerCustomer is the API's bound per customer.
const MaxMetafieldsPerCustomer = bcrules.MaxMetafieldsPerCustomer

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
		return bcrules.CheckCustomerGroup(g)
	},
	// Group names are unique in a store ignoring case (the sandbox's
	// reading; a second group of a name is a 409): the target can hold one.
	dedupe: func(kb *keyBuilder, _ string, g *staging.CustomerGroup) *keyBuilder {
		return kb.reset("group").raw(strings.ToLower(g.Name))
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
		return bcrules.CheckMetafield(m)
	},
	// Unique per customer on (namespace, key), as the API keeps them.
	dedupe: func(kb *keyBuilder, owner string, m *staging.Metafield) *keyBuilder {
		return kb.reset("metafield").raw(owner).raw(m.Namespace).raw(m.Key)
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
		return bcrules.CheckSubscriber(s)
	},
	// One subscriber per email in a store, compared plain lower-case
	// (anything looser can merge two people).
	dedupe: func(kb *keyBuilder, _ string, s *staging.Subscriber) *keyBuilder {
		return kb.reset("subscriber").raw(strings.ToLower(s.Email))
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
		return bcrules.CheckConsent(c)
	},
	// One declaration per customer: a merged customer's gives way to the
	// survivor's own.
	dedupe: func(kb *keyBuilder, owner string, _ *staging.Consent) *keyBuilder {
		return kb.reset("consent").raw(owner)
	},
	conflicts: func(l, w *staging.Consent) []conflict {
		return diff("allow", strings.Join(l.Allow, ","), strings.Join(w.Allow, ","), "deny", strings.Join(l.Deny, ","), strings.Join(w.Deny, ","))
	},
}
