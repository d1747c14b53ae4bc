package sandbox

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// StoreConfig is what a merchant sets up in a store before customers
// arrive and what the customer records then refer to: customer groups (a
// customer's customer_group_id), channels (channel_ids, origin_channel_id)
// and the custom fields of the account sign-up and address forms (the
// names of form_fields values). The ids and names are the store's own: a
// customer record carried to another store must be translated, and the
// sandbox refuses a record naming what its store does not have, as
// BigCommerce does (bigcommerce-facts.md (h)).
//
// Options.Config sets it for a new store; a store without it starts as a
// new BigCommerce store does (defaultConfig). Generate adds the groups,
// channels and fields its customers use. Server.Config returns it, so a
// test can build a target from a source's configuration ("the same group
// names under other ids, a form without one field"). As JSON (the
// `bcetl sandbox --config FILE` format) the field names are the ones below.
type StoreConfig struct {
	Groups         []Group     `json:"customer_groups,omitempty"`
	Channels       []Channel   `json:"channels,omitempty"`
	CustomerFields []FormField `json:"customer_fields,omitempty"`
	AddressFields  []FormField `json:"address_fields,omitempty"`
}

// Group is a customer group (customers.v2.yml customerGroup_Full). ID 0
// takes the next free id.
type Group struct {
	ID               int64          `json:"id,omitempty"`
	Name             string         `json:"name"`
	IsDefault        bool           `json:"is_default,omitempty"`
	IsGroupForGuests bool           `json:"is_group_for_guests,omitempty"`
	CategoryAccess   CategoryAccess `json:"category_access"`
	DiscountRules    []DiscountRule `json:"discount_rules,omitempty"`
}

// CategoryAccess is categoryAccessLevel_Full: type all, specific or none;
// Categories only with specific.
type CategoryAccess struct {
	Type       string  `json:"type"`
	Categories []int64 `json:"categories,omitempty"`
}

// DiscountRule is one discount rule of a group: Type price_list (with
// PriceListID, alone), all (once), category (CategoryID) or product
// (ProductID); Method percent, fixed or price; Amount a decimal as text.
type DiscountRule struct {
	Type        string `json:"type"`
	Method      string `json:"method,omitempty"`
	Amount      string `json:"amount,omitempty"`
	CategoryID  int64  `json:"category_id,omitempty"`
	ProductID   int64  `json:"product_id,omitempty"`
	PriceListID int64  `json:"price_list_id,omitempty"`
}

// Channel is a sales channel (channels.v3.yml ChannelWithoutCurrencies).
type Channel struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`     // storefront, marketplace, marketing, pos
	Platform   string `json:"platform"` // bigcommerce, amazon, …
	Status     string `json:"status"`   // prelaunch, active, inactive, connected, disconnected, archived, deleted, terminated
	ExternalID string `json:"external_id,omitempty"`
}

// FormField is a custom field of the sign-up form (CustomerFields) or the
// address form (AddressFields). Name is what form_fields values name it by.
// FieldType is one of text, multiline, numbers, date, checkbox, radio,
// dropdown; Options lists the values of checkbox, radio and dropdown.
type FormField struct {
	Name      string   `json:"name"`
	Label     string   `json:"label,omitempty"` // shown on the storefront; Name when empty
	FieldType string   `json:"field_type"`
	Required  bool     `json:"required,omitempty"`
	Options   []string `json:"options,omitempty"`
	MaxLength int      `json:"max_length,omitempty"` // text and multiline; 0 = no limit
}

var fieldTypes = []string{"text", "multiline", "numbers", "date", "checkbox", "radio", "dropdown"}

// The store's configuration records.
type groupRec struct {
	Group
	Created, Modified int64
}

type channelRec struct {
	Channel
	Created, Modified int64
}

// defaultChannel is channel 1, which every store has: "Will always return
// the default BigCommerce storefront with an ID of 1" (getChannels). A new
// store's storefront is not launched yet: prelaunch (the document's
// example of channel 1).
func defaultChannel() Channel {
	return Channel{ID: 1, Name: "Sample Store", Type: "storefront", Platform: "bigcommerce", Status: "prelaunch"}
}

// A new store: channel 1, no customer groups (customers belong to group 0,
// "no group", as recorded customers do; groups "are only available on
// specific plans", customers.v2.yml) and a sign-up form of the system
// fields only (storefront.go): custom fields are created by the merchant
// first (bigcommerce-facts.md (i)).
func defaultConfig() StoreConfig { return StoreConfig{Channels: []Channel{defaultChannel()}} }

// setConfig checks c and makes it the store's configuration (a new store:
// called before any request). Channel 1 is added when c lacks it.
func (st *store) setConfig(c StoreConfig, now int64) error {
	if err := checkConfig(&c); err != nil {
		return err
	}
	st.groups, st.channels = nil, nil
	for _, g := range c.Groups {
		st.insertGroup(&groupRec{Group: g, Created: now, Modified: now})
	}
	for _, ch := range c.Channels {
		st.putChannel(&channelRec{Channel: ch, Created: now, Modified: now})
	}
	st.setForms(c.CustomerFields, c.AddressFields)
	return nil
}

// checkConfig validates a configuration and fills in defaults, naming the
// entry at fault.
func checkConfig(c *StoreConfig) error {
	names := map[string]bool{}
	ids := map[int64]bool{}
	var defaults, guests int
	for i := range c.Groups {
		g := &c.Groups[i]
		at := "sandbox: Config.Groups[" + strconv.Itoa(i) + "]"
		low := strings.ToLower(strings.TrimSpace(g.Name))
		switch {
		case low == "":
			return errors.New(at + ": name is required")
		case names[low]:
			return fmt.Errorf("%s: the name %q is used twice", at, g.Name)
		case g.ID < 0 || g.ID > maxInt32:
			return fmt.Errorf("%s: id %d out of range", at, g.ID)
		case g.ID != 0 && ids[g.ID]:
			return fmt.Errorf("%s: id %d is used twice", at, g.ID)
		}
		names[low], ids[g.ID] = true, true
		if g.CategoryAccess.Type == "" {
			g.CategoryAccess.Type = "all"
		}
		if msg := checkCategoryAccess(g.CategoryAccess); msg != "" {
			return errors.New(at + ": category_access: " + msg)
		}
		for k := range g.DiscountRules {
			if err := normaliseRule(&g.DiscountRules[k]); err != "" {
				return errors.New(at + ": discount_rules[" + strconv.Itoa(k) + "]: " + err)
			}
		}
		if msg := checkRuleSet(g.DiscountRules); msg != "" {
			return errors.New(at + ": discount_rules: " + msg)
		}
		if g.IsDefault {
			defaults++
		}
		if g.IsGroupForGuests {
			guests++
		}
	}
	if defaults > 1 || guests > 1 {
		return errors.New("sandbox: Config.Groups: at most one group can be the default and one the group for guests")
	}
	chIDs := map[int64]bool{}
	for i := range c.Channels {
		ch := &c.Channels[i]
		at := "sandbox: Config.Channels[" + strconv.Itoa(i) + "]"
		if ch.Type == "" {
			ch.Type = "storefront"
		}
		if ch.Platform == "" {
			ch.Platform = map[string]string{"storefront": "bigcommerce"}[ch.Type]
			if ch.Platform == "" {
				ch.Platform = "custom"
			}
		}
		if ch.Status == "" {
			ch.Status = map[bool]string{true: "active", false: "connected"}[ch.Type == "storefront"]
		}
		switch {
		case ch.ID < 1 || ch.ID > maxInt32:
			return fmt.Errorf("%s: id %d must be from 1 to 2147483647", at, ch.ID)
		case chIDs[ch.ID]:
			return fmt.Errorf("%s: id %d is used twice", at, ch.ID)
		case strings.TrimSpace(ch.Name) == "":
			return errors.New(at + ": name is required")
		case !oneOf(ch.Type, channelTypes):
			return fmt.Errorf("%s: type %q is not one of %s", at, ch.Type, strings.Join(channelTypes, ", "))
		case !oneOf(ch.Status, channelStatuses):
			return fmt.Errorf("%s: status %q is not one of %s", at, ch.Status, strings.Join(channelStatuses, ", "))
		}
		chIDs[ch.ID] = true
	}
	if !chIDs[1] {
		c.Channels = append([]Channel{defaultChannel()}, c.Channels...)
	}
	for _, form := range []struct {
		name   string
		fields []FormField
	}{{"CustomerFields", c.CustomerFields}, {"AddressFields", c.AddressFields}} {
		seen := map[string]bool{}
		for i := range form.fields {
			f := &form.fields[i]
			at := "sandbox: Config." + form.name + "[" + strconv.Itoa(i) + "]"
			if err := checkFormField(f); err != "" {
				return errors.New(at + ": " + err)
			}
			if seen[f.Name] {
				return fmt.Errorf("%s: the name %q is used twice", at, f.Name)
			}
			seen[f.Name] = true
		}
	}
	return nil
}

func checkFormField(f *FormField) string {
	if strings.TrimSpace(f.Name) == "" {
		return "name is required"
	}
	if systemFieldNames[f.Name] {
		return "the name " + strconv.Quote(f.Name) + " is a system field of the form"
	}
	if f.Label == "" {
		f.Label = f.Name
	}
	if !oneOf(f.FieldType, fieldTypes) {
		return "field_type " + strconv.Quote(f.FieldType) + " is not one of " + strings.Join(fieldTypes, ", ")
	}
	withOptions := f.FieldType == "checkbox" || f.FieldType == "radio" || f.FieldType == "dropdown"
	if withOptions != (len(f.Options) > 0) {
		return "options are required for checkbox, radio and dropdown fields, and only for them"
	}
	if f.MaxLength < 0 {
		return "max_length must be >= 0"
	}
	return ""
}

// Config returns the store's configuration: its groups, channels and the
// custom fields of its forms, with the ids they were given.
func (s *Server) Config() StoreConfig {
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	var c StoreConfig
	for _, g := range st.groups {
		c.Groups = append(c.Groups, cloneGroup(g.Group))
	}
	for _, ch := range st.channels {
		c.Channels = append(c.Channels, ch.Channel)
	}
	c.CustomerFields = append(c.CustomerFields, st.custForm...)
	c.AddressFields = append(c.AddressFields, st.addrForm...)
	return c
}

func cloneGroup(g Group) Group {
	g.CategoryAccess.Categories = append([]int64(nil), g.CategoryAccess.Categories...)
	g.DiscountRules = append([]DiscountRule(nil), g.DiscountRules...)
	return g
}

const maxInt32 = 1<<31 - 1
