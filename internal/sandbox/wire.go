package sandbox

import "encoding/json"

// Wire types: the document's response schemas, field names as in
// customers.v3.yml (customer_Full, address_Full, attribute_Full, the
// CustomerAttributesResponse item, formFieldValue_Customer/_Address).

// maxEmbedded is the embedding cap of customer_Full.addresses and
// .attributes ("Limited to 10", maxItems: 10). address_count and
// attribute_count, when sent, give the full numbers.
const maxEmbedded = 10

type authOut struct {
	ForcePasswordReset bool `json:"force_password_reset"`
}

// creditOut is one store credit amount, written as the exact decimal
// kept (money.go).
type creditOut struct {
	Amount json.Number `json:"amount"`
}

type customerOut struct {
	ID                    int64   `json:"id"`
	Authentication        authOut `json:"authentication"`
	Company               string  `json:"company"`
	CustomerGroupID       int64   `json:"customer_group_id"`
	Email                 string  `json:"email"`
	FirstName             string  `json:"first_name"`
	LastName              string  `json:"last_name"`
	Notes                 string  `json:"notes"`
	Phone                 string  `json:"phone"`
	RegistrationIPAddress string  `json:"registration_ip_address"`
	TaxExemptCategory     string  `json:"tax_exempt_category"`
	DateCreated           string  `json:"date_created"`
	DateModified          string  `json:"date_modified"`
	Accepts               bool    `json:"accepts_product_review_abandoned_cart_emails"`
	OriginChannelID       int64   `json:"origin_channel_id"`
	// channel_ids is null for customers with global access (omitted with
	// Options.Shapes "documented").
	ChannelIDs *[]int64 `json:"channel_ids,omitempty"`
	// The counts are sent only with Options.SendCounts.
	AddressCount       *int          `json:"address_count,omitempty"`
	AttributeCount     *int          `json:"attribute_count,omitempty"`
	Addresses          *[]addressOut `json:"addresses,omitempty"`
	Attributes         *[]valueOut   `json:"attributes,omitempty"`
	FormFields         *[]formOut    `json:"form_fields,omitempty"`
	StoreCreditAmounts *[]creditOut  `json:"store_credit_amounts,omitempty"`
}

type addressOut struct {
	ID              int64      `json:"id"`
	CustomerID      int64      `json:"customer_id"`
	FirstName       string     `json:"first_name"`
	LastName        string     `json:"last_name"`
	Company         string     `json:"company"`
	Address1        string     `json:"address1"`
	Address2        string     `json:"address2"`
	City            string     `json:"city"`
	StateOrProvince string     `json:"state_or_province"`
	PostalCode      string     `json:"postal_code"`
	Country         string     `json:"country"`
	CountryCode     string     `json:"country_code"`
	Phone           string     `json:"phone"`
	AddressType     string     `json:"address_type"`
	FormFields      *[]formOut `json:"form_fields,omitempty"`
}

// valueOut is attribute_Full: the value is read back as attribute_value
// although it is written as value (attributeValue_Base).
type valueOut struct {
	ID             int64  `json:"id"`
	AttributeID    int64  `json:"attribute_id"`
	AttributeValue string `json:"attribute_value"`
	CustomerID     int64  `json:"customer_id"`
	DateCreated    string `json:"date_created"`
	DateModified   string `json:"date_modified"`
}

type attrOut struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	DateCreated  string `json:"date_created"`
	DateModified string `json:"date_modified"`
}

type formOut struct {
	Name       string          `json:"name"`
	Value      json.RawMessage `json:"value"`
	CustomerID int64           `json:"customer_id,omitempty"`
	AddressID  int64           `json:"address_id,omitempty"`
}

// includes says which sub-resources a customer answer embeds, and how the
// customer object is shaped (Server.view).
type includes struct {
	addresses, attributes, formfields, storecredit bool

	counts   bool // address_count, attribute_count (Options.SendCounts)
	recorded bool // Options.Shapes "recorded"
}

// allIncludes is used by write answers, which echo what was written.
var allIncludes = includes{addresses: true, attributes: true, formfields: true, storecredit: true}

// view adds the server's shape options to inc.
func (s *Server) view(inc includes) includes {
	inc.counts, inc.recorded = s.opts.SendCounts, s.recordedShapes()
	return inc
}

// customerFull renders a customer. The recorded shape
// (retrieve/with_params_200.json, bulk_create/201.json, update/200.json:
// objects without include and write answers alike) has channel_ids null
// for a customer of all channels, store_credit_amounts always, as
// [{"amount": 0}] when there is none, customer_group_id 0 and
// origin_channel_id 1 by default, and no address_count or attribute_count.
// Whether the counts come with include=addresses,attributes is not
// recorded; choice: never by default, so a client cannot depend on them to
// find customers with more than 10 addresses or attribute values
// (evidence: their absence in the recordings; stricter on purpose).
func customerFull(c *customerRec, inc includes) customerOut {
	o := customerOut{
		ID: c.ID, Authentication: authOut{c.ForceReset}, Company: c.Company, CustomerGroupID: c.GroupID,
		Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Notes: c.Notes, Phone: c.Phone,
		RegistrationIPAddress: c.RegistrationIP, TaxExemptCategory: c.TaxExemptCategory,
		DateCreated: formatTime(c.Created), DateModified: formatTime(c.Modified),
		Accepts: c.Accepts, OriginChannelID: c.OriginChannel,
	}
	// Copies of the slice headers: the answer is encoded after the store
	// lock is released, and writes replace these slices, never change them.
	if ch := c.Channels; ch != nil || inc.recorded {
		o.ChannelIDs = &ch
	}
	if inc.counts {
		na, nv := len(c.addrs), len(c.vals)
		o.AddressCount, o.AttributeCount = &na, &nv
	}
	if inc.addresses {
		as := make([]addressOut, 0, min(len(c.addrs), maxEmbedded))
		for _, a := range c.addrs[:min(len(c.addrs), maxEmbedded)] {
			as = append(as, addressFull(a, inc.formfields))
		}
		o.Addresses = &as
	}
	if inc.attributes {
		vs := make([]valueOut, 0, min(len(c.vals), maxEmbedded))
		for _, v := range c.vals[:min(len(c.vals), maxEmbedded)] {
			vs = append(vs, valueFull(v))
		}
		o.Attributes = &vs
	}
	if inc.formfields {
		fs := make([]formOut, 0, len(c.Forms))
		for _, f := range c.Forms {
			fs = append(fs, formOut{Name: f.Name, Value: f.Value, CustomerID: c.ID})
		}
		o.FormFields = &fs
	}
	if inc.storecredit || inc.recorded {
		cs := make([]creditOut, 0, max(len(c.Credits), 1))
		for _, a := range c.Credits {
			cs = append(cs, creditOut{json.Number(a)})
		}
		if len(cs) == 0 && inc.recorded {
			cs = append(cs, creditOut{"0"})
		}
		o.StoreCreditAmounts = &cs
	}
	return o
}

func addressFull(a *addressRec, forms bool) addressOut {
	o := addressOut{
		ID: a.ID, CustomerID: a.CustomerID, FirstName: a.FirstName, LastName: a.LastName, Company: a.Company,
		Address1: a.Address1, Address2: a.Address2, City: a.City, StateOrProvince: a.State, PostalCode: a.Postal,
		Country: countryNames[a.CountryCode], CountryCode: a.CountryCode, Phone: a.Phone, AddressType: a.AddressType,
	}
	if forms {
		fs := make([]formOut, 0, len(a.Forms))
		for _, f := range a.Forms {
			fs = append(fs, formOut{Name: f.Name, Value: f.Value, AddressID: a.ID})
		}
		o.FormFields = &fs
	}
	return o
}

func valueFull(v *valueRec) valueOut {
	return valueOut{ID: v.ID, AttributeID: v.AttrID, AttributeValue: v.Value, CustomerID: v.CustomerID,
		DateCreated: formatTime(v.Created), DateModified: formatTime(v.Modified)}
}

func attrFull(a *attrRec) attrOut {
	return attrOut{ID: a.ID, Name: a.Name, Type: a.Type, DateCreated: formatTime(a.Created), DateModified: formatTime(a.Modified)}
}
