// Package staging defines the staging layout: the Parquet files that extract
// writes, transform reads and rewrites, and load reads. It is the one place
// that the stages share; none of them imports another.
//
// A staging directory holds one file per entity (customers.parquet,
// addresses.parquet, attribute_values.parquet, form_field_values.parquet,
// attributes.parquet, customer_groups.parquet, metafields.parquet,
// subscribers.parquet, consents.parquet) and a manifest.json. Column names are the API's field
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
	EntityCustomerGroups  = "customer_groups"
	EntityMetafields      = "metafields"
	EntitySubscribers     = "subscribers"
	EntityConsents        = "consents"
)

// Entities lists the entities in load order: the definitions customers
// refer to (attributes, groups) first, then customers, then what hangs off
// them.
var Entities = []string{
	EntityAttributes, EntityCustomerGroups, EntityCustomers, EntityAddresses, EntityAttributeValues,
	EntityFormFieldValues, EntityMetafields, EntitySubscribers, EntityConsents,
}

// FileName returns the staging file name of an entity.
func FileName(entity string) string { return entity + ".parquet" }

// Customer is one row of customers.parquet. CustomerGroupID is the
// source store's id, meaningful only there; CustomerGroupName is the
// group's name, what a group is mapped to another store by (a file source
// may give the name alone). StoreCreditAmounts are exact decimals (Money).
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
	CustomerGroupName                       string     `parquet:"customer_group_name"`
	DateCreated                             *time.Time `parquet:"date_created,optional,timestamp(millisecond)"`
	DateModified                            *time.Time `parquet:"date_modified,optional,timestamp(millisecond)"`
	AddressCount                            int32      `parquet:"address_count"`
	AttributeCount                          int32      `parquet:"attribute_count"`
	AcceptsProductReviewAbandonedCartEmails *bool      `parquet:"accepts_product_review_abandoned_cart_emails,optional"`
	ForcePasswordReset                      *bool      `parquet:"force_password_reset,optional"`
	OriginChannelID                         *int64     `parquet:"origin_channel_id,optional"`
	ChannelIDs                              []int64    `parquet:"channel_ids,list"`
	StoreCreditAmounts                      []Money    `parquet:"store_credit_amounts,list" parquet-element:",decimal(4:20)"`
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

// CustomerGroup is one row of customer_groups.parquet: a group of the
// source with its settings, mapped to the target's groups by Name (ids
// differ between stores). A file source that names groups only writes one
// row per name, without settings (CategoryAccessType empty).
// CategoryAccessCategories and the rules' category and product ids name
// the source store's catalog.
type CustomerGroup struct {
	SourceKey                string              `parquet:"source_key"`
	ID                       *int64              `parquet:"id,optional"`
	Name                     string              `parquet:"name"`
	IsDefault                bool                `parquet:"is_default"`
	IsGroupForGuests         bool                `parquet:"is_group_for_guests"`
	CategoryAccessType       string              `parquet:"category_access_type"` // all | specific | none; "" not known
	CategoryAccessCategories []int64             `parquet:"category_access_categories,list"`
	DiscountRules            []GroupDiscountRule `parquet:"discount_rules,list"`
	DateCreated              *time.Time          `parquet:"date_created,optional,timestamp(millisecond)"`
	DateModified             *time.Time          `parquet:"date_modified,optional,timestamp(millisecond)"`
}

// GroupDiscountRule is one discount rule of a group: Type price_list
// (PriceListID), all, category (CategoryID) or product (ProductID); Method
// percent, fixed or price; Amount the exact decimal text the API answered
// ("5.0000"; empty for a price list rule).
type GroupDiscountRule struct {
	Type        string `parquet:"type"`
	Method      string `parquet:"method"`
	Amount      string `parquet:"amount"`
	CategoryID  *int64 `parquet:"category_id,optional"`
	ProductID   *int64 `parquet:"product_id,optional"`
	PriceListID *int64 `parquet:"price_list_id,optional"`
}

// Metafield is one row of metafields.parquet: a customer's metafield,
// unique per customer on (namespace, key).
type Metafield struct {
	SourceKey         string     `parquet:"source_key"`
	ID                *int64     `parquet:"id,optional"`
	CustomerSourceKey string     `parquet:"customer_source_key"`
	CustomerID        *int64     `parquet:"customer_id,optional"`
	Namespace         string     `parquet:"namespace"`
	Key               string     `parquet:"key"`
	Value             string     `parquet:"value"`
	PermissionSet     string     `parquet:"permission_set"`
	Description       string     `parquet:"description"`
	DateCreated       *time.Time `parquet:"date_created,optional,timestamp(millisecond)"`
	DateModified      *time.Time `parquet:"date_modified,optional,timestamp(millisecond)"`
}

// Subscriber is one row of subscribers.parquet: a newsletter subscriber,
// the source's email-marketing opt-in. CustomerSourceKey names the
// customer whose opt-in it is (file sources: the subscription follows the
// customer, rejected and merged with it); nil for a store's subscribers,
// who need not be customers. Consents are the subscriber's
// (marketing_newsletter, abandoned_cart); DateCreated is when the source
// recorded the subscription, where it says.
type Subscriber struct {
	SourceKey         string     `parquet:"source_key"`
	ID                *int64     `parquet:"id,optional"`
	CustomerSourceKey *string    `parquet:"customer_source_key,optional"`
	Email             string     `parquet:"email"`
	FirstName         string     `parquet:"first_name"`
	LastName          string     `parquet:"last_name"`
	Source            string     `parquet:"source"` // storefront | order | custom
	OrderID           *int64     `parquet:"order_id,optional"`
	ChannelID         *int64     `parquet:"channel_id,optional"`
	Consents          []string   `parquet:"consents,list"`
	DateCreated       *time.Time `parquet:"date_created,optional,timestamp(millisecond)"`
	DateModified      *time.Time `parquet:"date_modified,optional,timestamp(millisecond)"`
}

// Consent is one row of consents.parquet: a customer's data preferences
// (GET /customers/{id}/consent), read only when asked for (one request
// per customer). Its source key is the customer's.
type Consent struct {
	SourceKey         string   `parquet:"source_key"`
	CustomerSourceKey string   `parquet:"customer_source_key"`
	CustomerID        *int64   `parquet:"customer_id,optional"`
	Allow             []string `parquet:"allow,list"`
	Deny              []string `parquet:"deny,list"`
}
