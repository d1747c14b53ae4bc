package extract

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bcetl/bcetl/internal/staging"
)

// Record is what one record of an export file becomes: a customer and the
// rows that hang off it, all joined by the customer's source key.
type Record struct {
	Customer        staging.Customer
	Addresses       []staging.Address
	AttributeValues []staging.AttributeValue
	FormFieldValues []staging.FormFieldValue
	// Subscriber is the customer's email-marketing opt-in (Shopify's
	// "Accepts Email Marketing", a CSV's accepts_marketing): a newsletter
	// subscription in the target, not the review and abandoned-cart flag.
	// Set it with OptIn.
	Subscriber *staging.Subscriber
}

// OptIn records the customer's consent to email marketing: a subscriber
// of the customer's email and name with the marketing_newsletter consent,
// source "custom" (an import), at the time the source says (nil: not
// known). Call it once the customer's email and names are set.
func (r *Record) OptIn(at *time.Time) {
	c := &r.Customer
	key := c.SourceKey
	r.Subscriber = &staging.Subscriber{
		SourceKey:         key + "/subscriber",
		CustomerSourceKey: &key,
		Email:             c.Email,
		FirstName:         c.FirstName,
		LastName:          c.LastName,
		Source:            SubscriberSourceImport,
		Consents:          []string{ConsentMarketingNewsletter},
		DateCreated:       at,
		DateModified:      at,
	}
}

// The subscriber values a file source writes (subscribers.v3.yml): an
// import is source "custom"; the consent is the newsletter's.
const (
	SubscriberSourceImport     = "custom"
	ConsentMarketingNewsletter = "marketing_newsletter"
)

// AddAttribute appends the customer's value of the attribute name.
func (r *Record) AddAttribute(name, typ, value string) {
	key := r.Customer.SourceKey
	r.AttributeValues = append(r.AttributeValues, staging.AttributeValue{
		SourceKey:         key + "/attribute/" + name,
		CustomerSourceKey: key,
		AttributeName:     name,
		AttributeType:     typ,
		AttributeValue:    value,
	})
}

// Add writes one record of a file source, or a Reject if its source key
// was already used. where names the record for people ("customers.ndjson
// record 4"). The attribute definitions of the values are collected and
// written at commit, one per name with the first type seen. The sink must
// have every entity table (a file source writes them all).
func (s *Sink) Add(r *Record, where string) error {
	key := r.Customer.SourceKey
	if first, dup := s.seen[key]; dup {
		return s.Reject(staging.Reject{
			Entity: staging.EntityCustomers, SourceKey: key, Field: "source_key", Rule: "duplicate-source-key", Value: key,
			Message: fmt.Sprintf("%s: source key %q was already used by %s; the first record is kept. Give each record its own id, or remove the repeat.", where, key, first),
		})
	}
	s.seen[key] = where
	for i := range r.AttributeValues {
		v := &r.AttributeValues[i]
		if t, ok := s.attrTypes[v.AttributeName]; ok {
			v.AttributeType = t // one definition per name: the first type seen
		} else {
			s.attrTypes[v.AttributeName] = v.AttributeType
		}
	}
	if g := r.Customer.CustomerGroupName; g != "" {
		s.groupNames[g] = true
	}
	r.Customer.AddressCount = int32(len(r.Addresses))
	r.Customer.AttributeCount = int32(len(r.AttributeValues))
	if err := s.Customers.Write(r.Customer); err != nil {
		return err
	}
	if err := s.Addresses.Write(r.Addresses...); err != nil {
		return err
	}
	if err := s.AttributeValues.Write(r.AttributeValues...); err != nil {
		return err
	}
	if err := s.FormFieldValues.Write(r.FormFieldValues...); err != nil {
		return err
	}
	if r.Subscriber != nil {
		if s.Subscribers == nil {
			return fmt.Errorf("extract: %s: the source opted a customer in to email marketing but declared no subscribers", where)
		}
		r.Subscriber.Email = r.Customer.Email
		return s.Subscribers.Write(*r.Subscriber)
	}
	return nil
}

// writeDefinitions writes the attribute definitions and the customer
// groups Add collected, by name; the name is their source key. A file
// source knows a group by its name only: the row has no settings (the
// load creates a group the target lacks with the target's defaults).
func (s *Sink) writeDefinitions() error {
	if s.CustomerGroups != nil {
		for _, n := range slices.Sorted(maps.Keys(s.groupNames)) {
			if err := s.CustomerGroups.Write(staging.CustomerGroup{SourceKey: n, Name: n,
				CategoryAccessCategories: []int64{}, DiscountRules: []staging.GroupDiscountRule{}}); err != nil {
				return err
			}
		}
	}
	names := make([]string, 0, len(s.attrTypes))
	for n := range s.attrTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := s.Attributes.Write(staging.Attribute{SourceKey: n, Name: n, Type: s.attrTypes[n]}); err != nil {
			return err
		}
	}
	return nil
}

// SplitName splits a full name into first and last name. BigCommerce needs
// both, and a person written as one word ("Madonna", "Ngũgĩ") is still a
// customer to load, so the rule is:
//
//   - whitespace is trimmed and runs of it collapse to one space;
//   - no words: both empty (the transform rejects the customer);
//   - one word: first name and last name are both that word;
//   - more words: the first word is the first name, the rest the last name
//     ("Anna Maria van der Berg" -> "Anna", "Maria van der Berg").
//
// Joining the result with a space and splitting again gives the same pair,
// so re-running extract on its own output is stable.
func SplitName(full string) (first, last string) {
	words := strings.Fields(full)
	switch len(words) {
	case 0:
		return "", ""
	case 1:
		return words[0], words[0]
	}
	return words[0], strings.Join(words[1:], " ")
}

// UTF8BOM is the byte order mark some tools put before UTF-8 text.
var UTF8BOM = []byte{0xEF, 0xBB, 0xBF}

// Short keeps a value short in a message.
func Short(s string) string { return Clip(s, 60) }

// Clip cuts s to at most n bytes on a rune boundary, marking the cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
