package bigcommerce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// The types in this file follow the schemas of the official Customers V3
// OpenAPI document (reference/customers.v3.yml). Field names are the API's.
// Optional scalars that the API distinguishes from their zero value are
// pointers; everything else uses omitempty so a request carries only what the
// caller set.

// Customer is customer_Full: what GET /customers returns and what the write
// endpoints echo back.
type Customer struct {
	ID                    int64      `json:"id,omitempty"`
	Email                 string     `json:"email"`
	FirstName             string     `json:"first_name"`
	LastName              string     `json:"last_name"`
	Company               string     `json:"company,omitempty"`
	Phone                 string     `json:"phone,omitempty"`
	RegistrationIPAddress string     `json:"registration_ip_address,omitempty"`
	Notes                 string     `json:"notes,omitempty"`
	TaxExemptCategory     string     `json:"tax_exempt_category,omitempty"`
	CustomerGroupID       int64      `json:"customer_group_id,omitempty"`
	DateCreated           *time.Time `json:"date_created,omitempty"`
	DateModified          *time.Time `json:"date_modified,omitempty"`
	// AddressCount and AttributeCount are nil when the API does not send
	// them, as recorded answers do not (bigcommerce-facts.md (h)).
	AddressCount                            *int                `json:"address_count,omitempty"`
	AttributeCount                          *int                `json:"attribute_count,omitempty"`
	Authentication                          *Authentication     `json:"authentication,omitempty"`
	Addresses                               []Address           `json:"addresses,omitempty"`
	Attributes                              []AttributeValue    `json:"attributes,omitempty"`
	FormFields                              []FormFieldValue    `json:"form_fields,omitempty"`
	StoreCreditAmounts                      []StoreCreditAmount `json:"store_credit_amounts,omitempty"`
	AcceptsProductReviewAbandonedCartEmails *bool               `json:"accepts_product_review_abandoned_cart_emails,omitempty"`
	OriginChannelID                         int64               `json:"origin_channel_id,omitempty"`
	ChannelIDs                              []int64             `json:"channel_ids,omitempty"`
}

// Authentication is customerAuthentication_PostPut. NewPassword is write-only:
// the API never returns it.
type Authentication struct {
	ForcePasswordReset bool   `json:"force_password_reset"`
	NewPassword        string `json:"new_password,omitempty"`
}

// StoreCreditAmount is one element of CustomerStoredCreditAmounts. The
// document types the amount as a number (format float); money is kept
// here as its exact decimal literal, read and sent digit for digit, never
// through a float64 (which turns 0.1 + 0.2 into 0.30000000000000004, an
// amount a store refuses or, worse, keeps).
type StoreCreditAmount struct {
	Amount json.Number `json:"amount"`
}

// CustomerCreate is customer_Post: the body item of POST /customers. Inline
// addresses and attribute values are limited to MaxInlineAddresses and
// MaxInlineAttributes; inline attribute values use the read-side name
// attribute_value (customerAttributes_Base).
type CustomerCreate struct {
	Email             string `json:"email"`
	FirstName         string `json:"first_name"`
	LastName          string `json:"last_name"`
	Company           string `json:"company,omitempty"`
	Phone             string `json:"phone,omitempty"`
	Notes             string `json:"notes,omitempty"`
	TaxExemptCategory string `json:"tax_exempt_category,omitempty"`
	// CustomerGroupID nil leaves the store's default group (a customer
	// created without one joins it); a pointer to 0 is "no group".
	CustomerGroupID                         *int64              `json:"customer_group_id,omitempty"`
	Addresses                               []AddressInline     `json:"addresses,omitempty"`
	Attributes                              []AttributeInline   `json:"attributes,omitempty"`
	Authentication                          *Authentication     `json:"authentication,omitempty"`
	AcceptsProductReviewAbandonedCartEmails *bool               `json:"accepts_product_review_abandoned_cart_emails,omitempty"`
	StoreCreditAmounts                      []StoreCreditAmount `json:"store_credit_amounts,omitempty"`
	OriginChannelID                         int64               `json:"origin_channel_id,omitempty"`
	ChannelIDs                              []int64             `json:"channel_ids,omitempty"`
	FormFields                              []FormField         `json:"form_fields,omitempty"`
	TriggerAccountCreatedNotification       *bool               `json:"trigger_account_created_notification,omitempty"`
}

// CustomerUpdate is customer_Put: the body item of PUT /customers. ID is
// required; sub-resources other than form fields cannot be updated here.
// Only the fields set are sent; the optional strings are pointers so that
// an update can blank one (a pointer to "") as well as leave it alone
// (nil).
type CustomerUpdate struct {
	ID                                      int64               `json:"id"`
	Email                                   string              `json:"email,omitempty"`
	FirstName                               string              `json:"first_name,omitempty"`
	LastName                                string              `json:"last_name,omitempty"`
	Company                                 *string             `json:"company,omitempty"`
	Phone                                   *string             `json:"phone,omitempty"`
	Notes                                   *string             `json:"notes,omitempty"`
	TaxExemptCategory                       *string             `json:"tax_exempt_category,omitempty"`
	CustomerGroupID                         *int64              `json:"customer_group_id,omitempty"`
	Authentication                          *Authentication     `json:"authentication,omitempty"`
	AcceptsProductReviewAbandonedCartEmails *bool               `json:"accepts_product_review_abandoned_cart_emails,omitempty"`
	StoreCreditAmounts                      []StoreCreditAmount `json:"store_credit_amounts,omitempty"`
	ChannelIDs                              []int64             `json:"channel_ids,omitempty"`
	FormFields                              []FormField         `json:"form_fields,omitempty"`
}

// Address is address_Full.
type Address struct {
	ID              int64            `json:"id,omitempty"`
	CustomerID      int64            `json:"customer_id,omitempty"`
	FirstName       string           `json:"first_name"`
	LastName        string           `json:"last_name"`
	Company         string           `json:"company,omitempty"`
	Address1        string           `json:"address1"`
	Address2        string           `json:"address2,omitempty"`
	City            string           `json:"city"`
	StateOrProvince string           `json:"state_or_province"`
	PostalCode      string           `json:"postal_code"`
	Country         string           `json:"country,omitempty"`
	CountryCode     string           `json:"country_code"`
	Phone           string           `json:"phone,omitempty"`
	AddressType     string           `json:"address_type,omitempty"`
	FormFields      []FormFieldValue `json:"form_fields,omitempty"`
}

// AddressInline is customerAddresses_CustomerPost: an address carried inside
// a POST /customers item (no customer_id; the API assigns it).
type AddressInline struct {
	FirstName       string      `json:"first_name"`
	LastName        string      `json:"last_name"`
	Company         string      `json:"company,omitempty"`
	Address1        string      `json:"address1"`
	Address2        string      `json:"address2,omitempty"`
	City            string      `json:"city"`
	StateOrProvince string      `json:"state_or_province,omitempty"`
	PostalCode      string      `json:"postal_code,omitempty"`
	CountryCode     string      `json:"country_code"`
	Phone           string      `json:"phone,omitempty"`
	AddressType     string      `json:"address_type,omitempty"`
	FormFields      []FormField `json:"form_fields,omitempty"`
}

// AddressCreate is address_Post: the body item of POST /customers/addresses.
type AddressCreate struct {
	CustomerID      int64       `json:"customer_id"`
	FirstName       string      `json:"first_name"`
	LastName        string      `json:"last_name"`
	Company         string      `json:"company,omitempty"`
	Address1        string      `json:"address1"`
	Address2        string      `json:"address2,omitempty"`
	City            string      `json:"city"`
	StateOrProvince string      `json:"state_or_province"`
	PostalCode      string      `json:"postal_code"`
	CountryCode     string      `json:"country_code"`
	Phone           string      `json:"phone,omitempty"`
	AddressType     string      `json:"address_type,omitempty"`
	FormFields      []FormField `json:"form_fields,omitempty"`
}

// AddressUpdate is address_Put: the body item of PUT /customers/addresses.
// Only the fields set are sent; the optional strings are pointers so that
// an update can blank one (a pointer to "") as well as leave it alone.
type AddressUpdate struct {
	ID              int64       `json:"id"`
	FirstName       string      `json:"first_name,omitempty"`
	LastName        string      `json:"last_name,omitempty"`
	Company         *string     `json:"company,omitempty"`
	Address1        string      `json:"address1,omitempty"`
	Address2        *string     `json:"address2,omitempty"`
	City            string      `json:"city,omitempty"`
	StateOrProvince *string     `json:"state_or_province,omitempty"`
	PostalCode      *string     `json:"postal_code,omitempty"`
	CountryCode     string      `json:"country_code,omitempty"`
	Phone           *string     `json:"phone,omitempty"`
	AddressType     string      `json:"address_type,omitempty"`
	FormFields      []FormField `json:"form_fields,omitempty"`
}

// Attribute is a customer attribute definition (the schema of
// GET /customers/attributes). Type is one of bcrules.AttributeTypes.
type Attribute struct {
	ID           int64      `json:"id,omitempty"`
	Name         string     `json:"name"`
	Type         string     `json:"type"`
	DateCreated  *time.Time `json:"date_created,omitempty"`
	DateModified *time.Time `json:"date_modified,omitempty"`
}

// AttributeCreate is attribute_Post.
type AttributeCreate struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// AttributeUpdate is attribute_Put: only the name can change.
type AttributeUpdate struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// AttributeValue is attribute_Full: an attribute value as the API returns it,
// with the value under attribute_value. Writes use AttributeValueUpsert,
// whose value is under value: the API reads and writes the same datum under
// two names, and this pair of types keeps the asymmetry out of callers' way.
type AttributeValue struct {
	ID             int64      `json:"id,omitempty"`
	AttributeID    int64      `json:"attribute_id"`
	AttributeValue string     `json:"attribute_value"`
	CustomerID     int64      `json:"customer_id,omitempty"`
	DateCreated    *time.Time `json:"date_created,omitempty"`
	DateModified   *time.Time `json:"date_modified,omitempty"`
}

// AttributeValueUpsert is attributeValue_Base: the body item of
// PUT /customers/attribute-values. The value is always a string, whatever
// the attribute's type.
type AttributeValueUpsert struct {
	ID          int64  `json:"id,omitempty"`
	AttributeID int64  `json:"attribute_id"`
	Value       string `json:"value"`
	CustomerID  int64  `json:"customer_id"`
}

// Upsert returns the write-side form of a value read from the API.
func (v AttributeValue) Upsert() AttributeValueUpsert {
	return AttributeValueUpsert{AttributeID: v.AttributeID, Value: v.AttributeValue, CustomerID: v.CustomerID}
}

// AttributeInline is customerAttributes_Base: an attribute value carried
// inside a POST /customers item.
type AttributeInline struct {
	AttributeID    int64  `json:"attribute_id"`
	AttributeValue string `json:"attribute_value"`
}

// FormField is the generic formFieldValue: a name and a value that is a
// string, a number or a list of strings.
type FormField struct {
	Name  string    `json:"name"`
	Value FormValue `json:"value"`
}

// FormFieldValue is formFieldValue_Full: a form field value owned either by a
// customer (CustomerID set) or by an address (AddressID set).
type FormFieldValue struct {
	Name       string    `json:"name"`
	Value      FormValue `json:"value"`
	CustomerID int64     `json:"customer_id,omitempty"`
	AddressID  int64     `json:"address_id,omitempty"`
}

// FormValueKind says which member of the oneOf a FormValue holds.
type FormValueKind uint8

const (
	FormValueNull FormValueKind = iota
	FormValueString
	FormValueNumber
	FormValueList
)

func (k FormValueKind) String() string {
	switch k {
	case FormValueString:
		return "string"
	case FormValueNumber:
		return "number"
	case FormValueList:
		return "array"
	}
	return "null"
}

// FormValue holds a form field value losslessly: a string, a number (kept as
// its JSON literal so no digit is lost to float64), or a list of strings.
type FormValue struct {
	Kind   FormValueKind
	String string
	Number json.Number
	List   []string
}

// StringValue, NumberValue and ListValue build FormValues.
func StringValue(s string) FormValue { return FormValue{Kind: FormValueString, String: s} }

// NumberValue builds a number FormValue from its decimal literal.
func NumberValue(n string) FormValue { return FormValue{Kind: FormValueNumber, Number: json.Number(n)} }

// ListValue builds a list FormValue.
func ListValue(l []string) FormValue {
	if l == nil {
		l = []string{}
	}
	return FormValue{Kind: FormValueList, List: l}
}

// MarshalJSON writes the member the value holds.
func (v FormValue) MarshalJSON() ([]byte, error) {
	switch v.Kind {
	case FormValueString:
		return marshal(v.String)
	case FormValueNumber:
		if !validNumber(string(v.Number)) {
			return nil, fmt.Errorf("form field value: invalid number %q", string(v.Number))
		}
		return []byte(v.Number), nil
	case FormValueList:
		if v.List == nil {
			return []byte("[]"), nil
		}
		return marshal(v.List)
	}
	return []byte("null"), nil
}

// UnmarshalJSON accepts a string, a number, an array of strings, or null.
func (v *FormValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return fmt.Errorf("form field value: empty")
	}
	switch b[0] {
	case 'n':
		if string(b) != "null" {
			return fmt.Errorf("form field value: invalid literal %q", b)
		}
		*v = FormValue{}
	case '"':
		var s string
		if err := unmarshal(b, &s); err != nil {
			return fmt.Errorf("form field value: %w", err)
		}
		*v = StringValue(s)
	case '[':
		var l []string
		if err := unmarshal(b, &l); err != nil {
			return fmt.Errorf("form field value: want a string, a number or an array of strings: %w", err)
		}
		*v = ListValue(l)
	default:
		var n json.Number
		if err := unmarshal(b, &n); err != nil {
			return fmt.Errorf("form field value: want a string, a number or an array of strings, got %.40q", b)
		}
		*v = FormValue{Kind: FormValueNumber, Number: n}
	}
	return nil
}

// validNumber reports whether s is a JSON number literal. The literal is
// kept as given (no float64 round trip), so 1e400 or 20 significant digits
// survive unchanged.
func validNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	var n json.Number
	return unmarshal([]byte(s), &n) == nil
}

// ErrorBody is the API's ErrorResponse schema.
type ErrorBody struct {
	Status   int               `json:"status"`
	Title    string            `json:"title"`
	Type     string            `json:"type"`
	Instance string            `json:"instance,omitempty"`
	Errors   map[string]string `json:"errors,omitempty"`
}

// Pagination is meta.pagination.
type Pagination struct {
	Total       int   `json:"total"`
	Count       int   `json:"count"`
	PerPage     int   `json:"per_page"`
	CurrentPage int   `json:"current_page"`
	TotalPages  int   `json:"total_pages"`
	Links       Links `json:"links"`
}

// Links are the pagination links of meta.pagination and
// meta.cursor_pagination.
type Links struct {
	Previous string `json:"previous,omitempty"`
	Current  string `json:"current,omitempty"`
	Next     string `json:"next,omitempty"`
}

// CursorPagination is meta.cursor_pagination.
type CursorPagination struct {
	Count       int    `json:"count"`
	PerPage     int    `json:"per_page"`
	StartCursor string `json:"start_cursor,omitempty"`
	EndCursor   string `json:"end_cursor,omitempty"`
	Links       Links  `json:"links"`
}

// Meta is the meta object of collection responses.
type Meta struct {
	Pagination       *Pagination       `json:"pagination,omitempty"`
	CursorPagination *CursorPagination `json:"cursor_pagination,omitempty"`
}

// Documented per-call limits (reference/customers.v3.yml). The client refuses
// to send a batch larger than these, so a 413 cannot happen.
const (
	MaxCustomersPerCall       = 10 // POST and PUT /customers
	MaxAttributeValuesPerCall = 10 // PUT /customers/attribute-values ("10 customers per call")
	MaxAddressesPerCall       = 10 // POST/PUT /customers/addresses: "multiple"; we keep the design card's 10
	MaxAttributesPerCall      = 10 // POST/PUT /customers/attributes: "multiple"
	MaxFormFieldValuesPerCall = 10 // PUT /customers/form-field-values
	MaxInlineAddresses        = 10 // customer_Post.addresses maxItems
	MaxInlineAttributes       = 10 // customer_Post.attributes maxItems
	MaxEmbeddedAddresses      = 10 // customer_Full.addresses: "Limited to 10"
	MaxEmbeddedAttributes     = 10 // customer_Full.attributes: "Limited to 10"
	MaxPageSize               = 250
	MaxAttributesPerStore     = 50
)
