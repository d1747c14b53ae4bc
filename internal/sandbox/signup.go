package sandbox

import (
	"net/http"
	"strconv"
)

// The store's sign-up and address forms, and the form field values that
// may be written against them.
//
// A store's forms hold system fields (email, password, the address lines),
// which the API writes as the customer's and address's own properties,
// and custom fields the merchant added, which it writes as form_fields
// values (customers.v3.yml formFieldValue). Rules for a form_fields value,
// on every write that carries one (POST/PUT /customers, inline addresses,
// POST/PUT /customers/addresses, PUT /customers/form-field-values):
//   - its name must be a custom field of the form it belongs to — the
//     sign-up form for a customer's values, the address form for an
//     address's — compared exactly (case and spaces matter); else 422
//     naming the value ("must be defined in this store's … form"). The
//     facts: names "must be fields defined in the store's sign-up / address
//     form", and "custom sign-up and address form fields must be created in
//     the destination store first" (bigcommerce-facts.md (h), (i)). A
//     system field's name is refused too (choice: it is not a form field
//     value);
//   - its value is checked as the document types it (string | number |
//     array of strings, validate.go), not against the field's type
//     (choice: nothing says whether the API refuses, say, a string for a
//     numbers field; the generator's values fit their fields);
//   - a field marked required is not enforced on API writes (choice: the
//     storefront enforces it; the API creates customers without their
//     sign-up form).
// GET /api/storefront/form-fields serves the definitions (storefront.go).

// systemFields are the fields every store's forms have, as the storefront
// names them: the account part of the sign-up form, then the address form
// (served as shippingAddress and billingAddress).
var (
	systemAccountFields = []sysField{
		{"field_1", "email", "Email Address", "string", "text", true},
		{"field_2", "password", "Password", "string", "text", true},
		{"field_3", "confirmPassword", "Confirm Password", "string", "text", true},
	}
	systemAddressFields = []sysField{
		{"field_4", "firstName", "First Name", "string", "text", true},
		{"field_5", "lastName", "Last Name", "string", "text", true},
		{"field_6", "company", "Company Name", "string", "text", false},
		{"field_7", "phone", "Phone Number", "string", "text", false},
		{"field_8", "address1", "Address Line 1", "string", "text", true},
		{"field_9", "address2", "Address Line 2", "string", "text", false},
		{"field_10", "city", "Suburb/City", "string", "text", true},
		{"field_11", "countryCode", "Country", "string", "dropdown", true},
		{"field_12", "stateOrProvince", "State/Province", "string", "text", true},
		{"field_13", "postalCode", "Zip/Postcode", "string", "text", true},
	}
	systemFieldNames = map[string]bool{}
)

type sysField struct {
	id, name, label, typ, fieldType string
	required                        bool
}

func init() {
	for _, l := range [][]sysField{systemAccountFields, systemAddressFields} {
		for _, f := range l {
			systemFieldNames[f.name] = true
		}
	}
}

// checkFormValues applies the rules above to values written against form
// (address: the address form); problems are keyed at each value's path.
func checkFormValues(form []FormField, address bool, values []formRec, errs map[string]string) {
	which := "sign-up"
	if address {
		which = "address"
	}
	for _, v := range values {
		def := fieldNamed(form, v.Name)
		if def == nil {
			errs[v.path+".name"] = "form field " + strconv.Quote(v.Name) + " must be defined in this store's " + which + " form"
		}
	}
}

// v3FieldType is the field_type of GET /customers/form-field-values for a
// custom field (its enum: checkboxes, date, multiline, numbers, password,
// radiobuttons, text, picklist).
var v3FieldType = map[string]string{"text": "text", "multiline": "multiline", "numbers": "numbers", "date": "date",
	"checkbox": "checkboxes", "radio": "radiobuttons", "dropdown": "picklist"}

// storefrontPrefix is where the Storefront API is served: the sandbox's
// listener is also the store's storefront domain
// ("https://{store_domain}/api/storefront", form_fields.sf.yml).
const storefrontPrefix = "/api/storefront/"

type formFieldOut struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Custom       bool            `json:"custom"`
	Label        string          `json:"label"`
	Required     bool            `json:"required"`
	Default      string          `json:"default"`
	Type         string          `json:"type"`
	FieldType    string          `json:"fieldType"`
	MaxLength    *int            `json:"maxLength,omitempty"`
	Secret       bool            `json:"secret,omitempty"`
	Requirements *requirementOut `json:"requirements,omitempty"`
	Options      *optionsOut     `json:"options,omitempty"`
}

type requirementOut struct {
	Alpha       string `json:"alpha"`
	Description string `json:"description"`
	MinLength   int    `json:"minlength"`
	Numeric     string `json:"numeric"`
}

type optionsOut struct {
	HelperLabel string      `json:"helperLabel,omitempty"`
	Items       []optionOut `json:"items"`
}

type optionOut struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// storefrontType maps a custom field's type to the storefront's (type,
// fieldType): a numbers field is an integer text field.
var storefrontType = map[string][2]string{"text": {"string", "text"}, "multiline": {"string", "multiline"},
	"numbers": {"integer", "text"}, "date": {"date", "date"}, "checkbox": {"array", "checkbox"},
	"radio": {"string", "radio"}, "dropdown": {"string", "dropdown"}}

func sysFieldOut(f sysField) formFieldOut {
	o := formFieldOut{ID: f.id, Name: f.name, Label: f.label, Required: f.required, Type: f.typ, FieldType: f.fieldType}
	switch f.name {
	case "password", "confirmPassword":
		o.Secret = true
		// passwordProblem's policy (customers_write.go).
		o.Requirements = &requirementOut{Alpha: "[A-Za-z]", Numeric: "[0-9]", MinLength: 7,
			Description: "Passwords must be at least 7 characters and contain both alphabetic and numeric characters."}
	case "countryCode":
		o.Options = &optionsOut{HelperLabel: "Choose a Country"}
		for _, c := range countryList {
			o.Options.Items = append(o.Options.Items, optionOut{Label: c.name, Value: c.iso2})
		}
	}
	return o
}

func customFieldOut(f FormField, n int) formFieldOut {
	t := storefrontType[f.FieldType]
	o := formFieldOut{ID: "field_" + strconv.Itoa(n), Name: f.Name, Custom: true, Label: f.Label, Required: f.Required,
		Type: t[0], FieldType: t[1]}
	if f.MaxLength > 0 {
		o.MaxLength = ptr(f.MaxLength)
	}
	if len(f.Options) > 0 {
		o.Options = &optionsOut{}
		for _, v := range f.Options {
			o.Options.Items = append(o.Options.Items, optionOut{Label: v, Value: v})
		}
	}
	return o
}

// serveStorefront answers the Storefront API: GET
// /api/storefront/form-fields[?filter=customerAccount,shippingAddress,
// billingAddress]. It takes no token ("You do not need to send any
// BigCommerce-specific tokens", form_fields.sf.yml) and does not count
// against the API quota (choice: storefront traffic is not the store's
// API quota). Custom fields get the ids field_25, field_26, … in order,
// the sign-up form's first (choice).
func (s *Server) serveStorefront(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != storefrontPrefix+"form-fields" {
		writeError(w, r, http.StatusNotFound, "The requested resource was not found.", nil)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, r, http.StatusMethodNotAllowed, "The method "+r.Method+" is not allowed on this resource.", nil)
		return
	}
	q := s.parseQuery(r, "filter")
	groups := q.enumList("filter", []string{"customerAccount", "shippingAddress", "billingAddress"})
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	want := map[string]bool{"customerAccount": true, "shippingAddress": true, "billingAddress": true}
	if groups != nil {
		want = setOf(groups)
	}
	st := s.st
	st.mu.RLock()
	account := []formFieldOut{}
	for _, f := range systemAccountFields {
		account = append(account, sysFieldOut(f))
	}
	n := 25
	for _, f := range st.custForm {
		account = append(account, customFieldOut(f, n))
		n++
	}
	address := []formFieldOut{}
	for _, f := range systemAddressFields {
		address = append(address, sysFieldOut(f))
	}
	for _, f := range st.addrForm {
		address = append(address, customFieldOut(f, n))
		n++
	}
	st.mu.RUnlock()
	out := map[string][]formFieldOut{}
	for name, fields := range map[string][]formFieldOut{"customerAccount": account, "shippingAddress": address, "billingAddress": address} {
		if want[name] {
			out[name] = fields
		}
	}
	writeJSON(w, http.StatusOK, out)
}
