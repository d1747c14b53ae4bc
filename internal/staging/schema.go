// Package staging defines the staging layout: the Parquet files that extract
// writes, transform reads and rewrites, and load reads. It is the one place
// that the stages share; none of them imports another.
//
// A staging directory holds one file per entity (customers.parquet,
// addresses.parquet, attribute_values.parquet, form_field_values.parquet,
// attributes.parquet) and a manifest.json. Column names are the API's field
// names. Every row carries a source_key: a stable, source-defined key that
// the ledger, the merges and rejects files and the load results use to name
// the record. Parent links are by source key (customer_source_key,
// address_source_key), so file sources that have no BigCommerce ids fit the
// same layout.
package staging

import "time"

// Entity names one kind of record: the file stem of the staging layout,
// and the entity column of rejects, merges and load results, the load's
// state file and the ledger.
//
// It is an alias for now: the constants below are untyped, so the stages
// that index manifests and files by string (extract) keep compiling;
// making it a defined type is a mechanical change of their call sites.
type Entity = string

// Entity names, also the file stems of the staging layout.
const (
	EntityCustomers       = "customers"
	EntityAddresses       = "addresses"
	EntityAttributeValues = "attribute_values"
	EntityFormFieldValues = "form_field_values"
	EntityAttributes      = "attributes"
)

// Entities lists the entities in load order.
var Entities = []string{EntityAttributes, EntityCustomers, EntityAddresses, EntityAttributeValues, EntityFormFieldValues}

// FileName returns the staging file name of an entity.
func FileName(entity string) string { return entity + ".parquet" }

// Customer is one row of customers.parquet.
type Customer struct {
	SourceKey                               string     `parquet:"source_key"`
	ID                                      *int64     `parquet:"id,optional"`
	Email                                   string     `parquet:"email"`
	FirstName                               string     `parquet:"first_name"`
	LastName                                string     `parquet:"last_name"`
	Company                                 string     `parquet:"company"`
	Phone                                   string     `parquet:"phone"`
	Notes                                   string     `parquet:"notes"`
	TaxExemptCategory                       string     `parquet:"tax_exempt_category"`
	RegistrationIPAddress                   string     `parquet:"registration_ip_address"`
	CustomerGroupID                         *int64     `parquet:"customer_group_id,optional"`
	DateCreated                             *time.Time `parquet:"date_created,optional,timestamp(millisecond)"`
	DateModified                            *time.Time `parquet:"date_modified,optional,timestamp(millisecond)"`
	AddressCount                            int32      `parquet:"address_count"`
	AttributeCount                          int32      `parquet:"attribute_count"`
	AcceptsProductReviewAbandonedCartEmails *bool      `parquet:"accepts_product_review_abandoned_cart_emails,optional"`
	ForcePasswordReset                      *bool      `parquet:"force_password_reset,optional"`
	OriginChannelID                         *int64     `parquet:"origin_channel_id,optional"`
	ChannelIDs                              []int64    `parquet:"channel_ids,list"`
	StoreCreditAmounts                      []float64  `parquet:"store_credit_amounts,list"`
}

// Address is one row of addresses.parquet.
type Address struct {
	SourceKey         string `parquet:"source_key"`
	ID                *int64 `parquet:"id,optional"`
	CustomerSourceKey string `parquet:"customer_source_key"`
	CustomerID        *int64 `parquet:"customer_id,optional"`
	FirstName         string `parquet:"first_name"`
	LastName          string `parquet:"last_name"`
	Company           string `parquet:"company"`
	Address1          string `parquet:"address1"`
	Address2          string `parquet:"address2"`
	City              string `parquet:"city"`
	StateOrProvince   string `parquet:"state_or_province"`
	PostalCode        string `parquet:"postal_code"`
	Country           string `parquet:"country"`
	CountryCode       string `parquet:"country_code"`
	Phone             string `parquet:"phone"`
	AddressType       string `parquet:"address_type"`
}

// AttributeValue is one row of attribute_values.parquet. AttributeName and
// AttributeType are denormalised from the attribute definition so a value can
// be mapped to another store's attribute by name.
type AttributeValue struct {
	SourceKey         string     `parquet:"source_key"`
	ID                *int64     `parquet:"id,optional"`
	CustomerSourceKey string     `parquet:"customer_source_key"`
	CustomerID        *int64     `parquet:"customer_id,optional"`
	AttributeID       *int64     `parquet:"attribute_id,optional"`
	AttributeName     string     `parquet:"attribute_name"`
	AttributeType     string     `parquet:"attribute_type"`
	AttributeValue    string     `parquet:"attribute_value"`
	DateCreated       *time.Time `parquet:"date_created,optional,timestamp(millisecond)"`
	DateModified      *time.Time `parquet:"date_modified,optional,timestamp(millisecond)"`
}

// Attribute is one row of attributes.parquet: an attribute definition.
type Attribute struct {
	SourceKey    string     `parquet:"source_key"`
	ID           *int64     `parquet:"id,optional"`
	Name         string     `parquet:"name"`
	Type         string     `parquet:"type"`
	DateCreated  *time.Time `parquet:"date_created,optional,timestamp(millisecond)"`
	DateModified *time.Time `parquet:"date_modified,optional,timestamp(millisecond)"`
}

// Form field value types, the value of FormFieldValue.ValueType.
const (
	ValueTypeString = "string"
	ValueTypeNumber = "number"
	ValueTypeArray  = "array"
)

// FormFieldValue is one row of form_field_values.parquet. A value belongs to
// a customer (AddressSourceKey nil) or to one of the customer's addresses.
// The value is stored typed (value_string, value_number or value_array,
// chosen by value_type) for analytics, and as its exact JSON literal
// (value_json) so a number is re-sent digit for digit.
type FormFieldValue struct {
	SourceKey         string   `parquet:"source_key"`
	CustomerSourceKey string   `parquet:"customer_source_key"`
	AddressSourceKey  *string  `parquet:"address_source_key,optional"`
	CustomerID        *int64   `parquet:"customer_id,optional"`
	AddressID         *int64   `parquet:"address_id,optional"`
	Name              string   `parquet:"name"`
	ValueType         string   `parquet:"value_type"`
	ValueString       *string  `parquet:"value_string,optional"`
	ValueNumber       *float64 `parquet:"value_number,optional"`
	ValueArray        []string `parquet:"value_array,list"`
	ValueJSON         string   `parquet:"value_json"`
}
