package bcrules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bcetl/bcetl/internal/staging"
)

// The value rules of what a customer carries besides its record: customer
// groups (customers.v2.yml customerGroup_Post_Put), metafields
// (customers.v3.yml MetafieldBase_Post) and newsletter subscribers
// (subscribers.v3.yml subscriber_Post). Where a document gives no
// maximum, the one chosen is named, and the sandbox enforces the same.

// MaxMetafieldsPerCustomer is metafield_Base's "the max number of
// metafields allowed on each is 50".
const MaxMetafieldsPerCustomer = 50

var (
	// GroupName has no documented maximum; 255, as the other names.
	GroupName = Limit{"name", 1, 255}
	// CustomerGroupName is a customer's group by name (empty: none).
	CustomerGroupName = Limit{"customer_group_name", 0, GroupName.Max}
	// metafieldLimits: namespace, key, value, description.
	metafieldLimits = []Limit{{"namespace", 1, 64}, {"key", 1, 64}, {"value", 1, 65535}, {"description", 0, 255}}
	// subscriberLimits: email (3 to 255, as customer emails start at 3),
	// first_name, last_name.
	subscriberLimits = []Limit{{"email", 3, 255}, {"first_name", 0, 255}, {"last_name", 0, 255}}
)

// The enumerations of these documents.
var (
	CategoryAccessTypes  = []string{"all", "specific", "none"}
	DiscountRuleTypes    = []string{"price_list", "all", "category", "product"}
	DiscountRuleMethods  = []string{"percent", "fixed", "price"}
	MetafieldPermissions = []string{"app_only", "read", "write", "read_and_sf_access", "write_and_sf_access"}
	SubscriberSources    = []string{"storefront", "order", "custom"}
	SubscriberConsents   = []string{"marketing_newsletter", "abandoned_cart"}
	ConsentCategories    = []string{"essential", "functional", "analytics", "targeting"}
)

// OneOf refuses v unless it is one of allowed (or empty, when optional).
func OneOf(field, v string, optional bool, allowed ...string) *Violation {
	if (v == "" && optional) || slices.Contains(allowed, v) {
		return nil
	}
	return &Violation{field, RuleEnum, v, fmt.Sprintf("%s %q is not one of %s", field, v, strings.Join(allowed, ", "))}
}

// ListOf refuses a list with a value outside allowed or a repeat.
func ListOf(field string, l []string, allowed ...string) *Violation {
	seen := map[string]bool{}
	for _, v := range l {
		if p := OneOf(field, v, false, allowed...); p != nil {
			return p
		}
		if seen[v] {
			return &Violation{field, RuleEnum, v, fmt.Sprintf("%s lists %q twice", field, v)}
		}
		seen[v] = true
	}
	return nil
}

// CheckCustomerGroup checks a group as it will be created: its name, its
// category access type (empty for a group known by name only: the
// target's default applies) and its discount rules' types, methods and
// amounts (a decimal ≥ 0 with at most four places; a price list rule has
// none).
func CheckCustomerGroup(g *staging.CustomerGroup) *Violation {
	if v := GroupName.Check(g.Name); v != nil {
		return v
	}
	if v := OneOf("category_access_type", g.CategoryAccessType, true, CategoryAccessTypes...); v != nil {
		return v
	}
	for _, d := range g.DiscountRules {
		if v := OneOf("discount_rules.type", d.Type, false, DiscountRuleTypes...); v != nil {
			return v
		}
		if d.Type == "price_list" {
			continue
		}
		if v := OneOf("discount_rules.method", d.Method, false, DiscountRuleMethods...); v != nil {
			return v
		}
		if m, err := staging.ParseMoney(d.Amount); err != nil || m.Sign() < 0 {
			return &Violation{"discount_rules.amount", RuleEnum, d.Amount, "discount_rules.amount must be a number >= 0 with at most 4 decimals"}
		}
	}
	return nil
}

// CheckMetafield checks a metafield as it will be created: lengths and
// the permission set. Namespace, key and value are an app's data: they
// are checked, never rewritten.
func CheckMetafield(m *staging.Metafield) *Violation {
	if v := checkAll(metafieldLimits, m.Namespace, m.Key, m.Value, m.Description); v != nil {
		return v
	}
	return OneOf("permission_set", m.PermissionSet, false, MetafieldPermissions...)
}

// CheckSubscriber checks a subscriber as it will be created: a valid
// email, lengths, the source (empty: the API's custom) and the consents.
func CheckSubscriber(s *staging.Subscriber) *Violation {
	if s.Email != "" {
		if err := CheckEmail(s.Email); err != nil {
			return &Violation{"email", RuleEmail, s.Email, err.Error() + ": a subscriber needs a valid email"}
		}
	}
	if v := checkAll(subscriberLimits, s.Email, s.FirstName, s.LastName); v != nil {
		return v
	}
	if v := OneOf("source", s.Source, true, SubscriberSources...); v != nil {
		return v
	}
	return ListOf("consents", s.Consents, SubscriberConsents...)
}

// CheckConsent checks a data preferences declaration: known categories,
// each at most once, essential never denied, none both allowed and
// denied.
func CheckConsent(c *staging.Consent) *Violation {
	if v := ListOf("allow", c.Allow, ConsentCategories...); v != nil {
		return v
	}
	if v := ListOf("deny", c.Deny, ConsentCategories...); v != nil {
		return v
	}
	for _, d := range c.Deny {
		if d == "essential" {
			return &Violation{"deny", RuleEnum, d, "essential cookies cannot be denied"}
		}
		if slices.Contains(c.Allow, d) {
			return &Violation{"deny", RuleEnum, d, d + " is both allowed and denied"}
		}
	}
	return nil
}
