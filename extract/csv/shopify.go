package csv

import (
	"errors"
	"slices"
)

// The Shopify customer export comes in two headers (peers.md §6): the
// current admin export, with "Default Address …" columns and a Customer ID,
// and the older import template. Both map onto the generic CSV mapper; the
// differences are in which column feeds which field. "Accepts Email
// Marketing" is the newsletter opt-in: it becomes a subscriber
// (accepts_marketing), not BigCommerce's review and abandoned-cart mail
// flag, which is another consent Shopify's export does not hold.
var (
	// shopifyCurrent maps the current export. Default Address Company feeds
	// both the customer's and the address's company: Shopify keeps company
	// on the address only, BigCommerce on both.
	shopifyCurrent = []fieldMap{
		{target: "source_key", column: "Customer ID"},
		{target: "first_name", column: "First Name"},
		{target: "last_name", column: "Last Name"},
		{target: "email", column: "Email"},
		{target: "accepts_marketing", column: "Accepts Email Marketing"},
		{target: "company", column: "Default Address Company"},
		{target: "address.company", column: "Default Address Company"},
		{target: "address.address1", column: "Default Address Address1"},
		{target: "address.address2", column: "Default Address Address2"},
		{target: "address.city", column: "Default Address City"},
		{target: "address.state_or_province", column: "Default Address Province Code"},
		{target: "address.country_code", column: "Default Address Country Code"},
		{target: "address.postal_code", column: "Default Address Zip"},
		{target: "address.phone", column: "Default Address Phone"},
		{target: "phone", column: "Phone"},
		{target: "attribute.accepts_sms_marketing", column: "Accepts SMS Marketing"},
		{target: "notes", column: "Note"},
		{target: "attribute.tax_exempt", column: "Tax Exempt"},
		{target: "attribute.tags", column: "Tags"},
	}
	// shopifyOlder maps the older template. It has one Phone, used for the
	// customer and the address. Province (the full name BigCommerce wants)
	// is preferred to Province Code, which is read where Province is absent or
	// empty.
	shopifyOlder = []fieldMap{
		{target: "first_name", column: "First Name"},
		{target: "last_name", column: "Last Name"},
		{target: "email", column: "Email"},
		{target: "company", column: "Company"},
		{target: "address.company", column: "Company"},
		{target: "address.address1", column: "Address1"},
		{target: "address.address2", column: "Address2"},
		{target: "address.city", column: "City"},
		{target: "address.state_or_province", column: "Province", alt: "Province Code"},
		{target: "address.country", column: "Country"},
		{target: "address.country_code", column: "Country Code"},
		{target: "address.postal_code", column: "Zip"},
		{target: "phone", column: "Phone"},
		{target: "address.phone", column: "Phone"},
		{target: "accepts_marketing", column: "Accepts Email Marketing"},
		{target: "attribute.accepts_sms_marketing", column: "Accepts SMS Marketing"},
		{target: "attribute.tags", column: "Tags"},
		{target: "notes", column: "Note"},
		{target: "attribute.tax_exempt", column: "Tax Exempt"},
	}
	// shopifyRequired are the columns without which a file is not a
	// customer export; the others may have been deleted by the user and
	// then simply stay empty. Total Spent and Total Orders are never read:
	// they are order history, which BigCommerce customers do not hold.
	shopifyRequired = []string{"First Name", "Last Name", "Email"}
)

// shopifyMapping picks the preset for a header: the current export has a
// "Customer ID" or "Default Address …" columns, anything else with the
// required columns is read as the older template.
func shopifyMapping(header []string) (*csvMapping, error) {
	has := func(c string) bool { return slices.Contains(header, c) }
	for _, c := range shopifyRequired {
		if !has(c) {
			return nil, errors.New("not a Shopify customer export: missing required column \"" + c + "\" (headers are case-sensitive)")
		}
	}
	preset := shopifyOlder
	if has("Customer ID") || has("Default Address Address1") || has("Default Address Country Code") {
		preset = shopifyCurrent
	}
	m := &csvMapping{delimiter: ',', keyPrefix: "shopify:"}
	for _, f := range preset {
		f.optional = !slices.Contains(shopifyRequired, f.column)
		m.fields = append(m.fields, f)
	}
	return m, nil
}
