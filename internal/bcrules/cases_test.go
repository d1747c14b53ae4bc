package bcrules_test

import (
	"strings"

	"github.com/bcetl/bcetl/internal/bcrules"
)

// ruleCase is one value of one field, to be judged by this package and by
// the sandbox (agreement_test.go).
type ruleCase struct {
	kind  string // customer, address, value (an attribute value), form (a form field), definition
	field string // the field set; for value, definition and form: the attribute type or value_type
	value string // the value; for form: its JSON; for definition: the name
	name  string // form: the field's name
	// ours marks our own bound (bcrules.MaxLongText): the API takes the
	// value and we refuse it on purpose.
	ours bool
}

func cust(field, v string) ruleCase { return ruleCase{kind: "customer", field: field, value: v} }
func addr(field, v string) ruleCase { return ruleCase{kind: "address", field: field, value: v} }
func val(typ, v string) ruleCase    { return ruleCase{kind: "value", field: typ, value: v} }
func def(typ, name string) ruleCase { return ruleCase{kind: "definition", field: typ, value: name} }
func form(typ, name, js string) ruleCase {
	return ruleCase{kind: "form", field: typ, name: name, value: js}
}
func ours(c ruleCase) ruleCase       { c.ours = true; return c }
func group(field, v string) ruleCase { return ruleCase{kind: "group", field: field, value: v} }
func meta(field, v string) ruleCase  { return ruleCase{kind: "metafield", field: field, value: v} }

// sub is a subscriber case; consents are given comma-separated.
func sub(field, v string) ruleCase { return ruleCase{kind: "subscriber", field: field, value: v} }

// rep repeats s n times: lengths are counted in characters, so most
// cases use a two-byte letter.
func rep(s string, n int) string { return strings.Repeat(s, n) }

// cases are every rule case, in one place.
var cases = []ruleCase{
	// Customer lengths, at the limit and one more, in characters.
	cust("first_name", ""), cust("first_name", rep("é", 100)), cust("first_name", rep("é", 101)),
	cust("last_name", ""), cust("last_name", rep("李", 100)), cust("last_name", rep("李", 101)),
	cust("company", rep("é", 255)), cust("company", rep("é", 256)),
	cust("phone", rep("5", 50)), cust("phone", rep("5", 51)),
	cust("tax_exempt_category", rep("é", 255)), cust("tax_exempt_category", rep("é", 256)),
	cust("notes", rep("é", bcrules.MaxLongText)), ours(cust("notes", rep("é", bcrules.MaxLongText+1))),
	cust("email", rep("a", 64)+"@"+rep("ü", 181)+".com"), cust("email", rep("a", 64)+"@"+rep("ü", 182)+".com"),
	cust("email", ""),

	// Email syntax.
	cust("email", "ann@example.com"), cust("email", "Ann.Lee@Example.COM"), cust("email", "ann+tag@sub.example.co.uk"),
	cust("email", "ann@bücher.de"), cust("email", "straße@example.de"), cust("email", "ﬁnn@example.com"),
	cust("email", "ann@192.168.0.1"), cust("email", rep("a", 64)+"@example.com"),
	cust("email", " ann@example.com"), cust("email", "ann@example.com "), cust("email", "ann\t@example.com"),
	cust("email", "ann"), cust("email", "ann@"), cust("email", "@example.com"), cust("email", "ann@@example.com"),
	cust("email", "a@b@example.com"), cust("email", `"a@b"@example.com`), cust("email", `"ann lee"@example.com`),
	cust("email", "ann lee@example.com"), cust("email", "ann@localhost"), cust("email", "ann@example..com"),
	cust("email", "ann@-example.com"), cust("email", "ann@example-.com"), cust("email", "ann@example.com."),
	cust("email", "ann@.example.com"), cust("email", ".ann@example.com"), cust("email", "ann.@example.com"),
	cust("email", "ann..lee@example.com"), cust("email", "Ann <ann@example.com>"), cust("email", "ann@exa_mple.com"),
	cust("email", "ann@[192.168.0.1]"), cust("email", rep("a", 65)+"@example.com"), cust("email", "ann@example.com\n"),

	// Address lengths.
	addr("first_name", ""), addr("first_name", rep("é", 255)), addr("first_name", rep("é", 256)),
	addr("last_name", ""), addr("last_name", rep("é", 255)), addr("last_name", rep("é", 256)),
	addr("company", rep("é", 255)), addr("company", rep("é", 256)),
	addr("address1", ""), addr("address1", rep("é", 255)), addr("address1", rep("é", 256)),
	addr("address2", rep("é", 255)), addr("address2", rep("é", 256)),
	addr("city", ""), addr("city", rep("é", 100)), addr("city", rep("é", 101)),
	addr("state_or_province", rep("é", 100)), addr("state_or_province", rep("é", 101)),
	addr("postal_code", rep("9", 30)), addr("postal_code", rep("9", 31)),
	addr("phone", rep("5", 50)), addr("phone", rep("5", 51)),
	// Country codes (every two-letter code: TestCountryCodesAgree).
	addr("country_code", ""), addr("country_code", "NL"), addr("country_code", "nl"), addr("country_code", "NLD"),
	addr("country_code", "ZZ"), addr("country_code", "UK"), addr("country_code", "XK"), addr("country_code", "YU"),
	addr("country_code", "AN"),
	// Address types.
	addr("address_type", ""), addr("address_type", "residential"), addr("address_type", "commercial"),
	addr("address_type", "Residential"), addr("address_type", "business"),

	// Attribute values: strings.
	val("string", ""), val("string", " as typed "), val("string", rep("ü", 255)), val("string", rep("ü", 256)),
	// Numbers: plain decimals only.
	val("number", "42"), val("number", "-12.50"), val("number", "007"), val("number", "0"), val("number", "-0"),
	val("number", rep("9", 255)), val("number", rep("9", 256)), val("number", "0."+rep("1", 253)),
	val("number", " 42"), val("number", "42 "), val("number", "+5"), val("number", ".5"), val("number", "5."),
	val("number", "-.5"), val("number", "1e3"), val("number", "1E3"), val("number", "-1.5e3"), val("number", "1e-3"),
	val("number", "1e999"), val("number", "NaN"), val("number", "Inf"), val("number", "+Inf"), val("number", "-Infinity"),
	val("number", "0x10"), val("number", "0x1p4"), val("number", "1_000"), val("number", "1,5"), val("number", "1 000"),
	val("number", ""), val("number", "-"), val("number", "١٢"), val("number", "12abc"),
	// Dates: calendar dates only.
	val("date", "2024-02-29"), val("date", "0001-01-01"), val("date", "2023-02-29"), val("date", "2024-02-30"),
	val("date", "2024-13-01"), val("date", "2024-1-2"), val("date", "20240102"), val("date", "02/01/2024"),
	val("date", " 2024-01-02"), val("date", "2024-01-02 "), val("date", "2024-01-02T03:04:05Z"),
	val("date", "2024-01-02T03:04:05+02:00"), val("date", "2024-01-02T03:04:05.5Z"), val("date", "2024-01-02T03:04:05"),
	val("date", "2024-01-02 03:04:05"), val("date", "2024-01-02T25:00:00Z"), val("date", ""),

	// Form fields.
	form("string", rep("n", 255), `"x"`), form("string", rep("n", 256), `"x"`), form("string", "", `"x"`),
	form("string", "note", `"`+rep("v", bcrules.MaxLongText)+`"`), ours(form("string", "note", `"`+rep("v", bcrules.MaxLongText+1)+`"`)),
	form("string", "note", `""`), form("string", "note", `null`),
	form("array", "tags", `["a","b"]`), form("array", "tags", `[]`),
	form("array", "tags", `["`+rep("v", bcrules.MaxLongText-1)+`","v"]`), ours(form("array", "tags", `["`+rep("v", bcrules.MaxLongText)+`","v"]`)),
	form("number", "gate", `42`), form("number", "gate", `-1.5e3`), form("number", "gate", `12345678901234567890`),
	form("number", "gate", `1e999`),

	// Attribute definitions.
	def("string", rep("n", 255)), def("string", rep("n", 256)), def("string", ""), def("number", "Size"), def("date", "Born"),
	def("String", "Tier"), def("boolean", "Opt-in"),

	// Customer groups, as the loader creates them: a name, a category
	// access type and an "all" discount rule (rules naming the source's
	// catalog are not carried).
	group("name", ""), group("name", rep("é", 255)), group("name", rep("é", 256)),
	group("category_access_type", "all"), group("category_access_type", "none"), group("category_access_type", "some"),
	group("discount_rules.amount", "10"), group("discount_rules.amount", "15.5"), group("discount_rules.amount", "99.9900"),
	group("discount_rules.amount", "0.0001"), group("discount_rules.amount", "0.00001"), group("discount_rules.amount", "-1"),
	group("discount_rules.method", "percent"), group("discount_rules.method", "fixed"),
	group("discount_rules.method", "price"), group("discount_rules.method", "discount"),

	// Metafields: lengths in characters, the permission set.
	meta("namespace", ""), meta("namespace", rep("é", 64)), meta("namespace", rep("é", 65)),
	meta("key", ""), meta("key", rep("é", 64)), meta("key", rep("é", 65)),
	meta("value", ""), meta("value", rep("v", 65535)), meta("value", rep("v", 65536)),
	meta("description", rep("é", 255)), meta("description", rep("é", 256)),
	meta("permission_set", "app_only"), meta("permission_set", "read"), meta("permission_set", "write"),
	meta("permission_set", "read_and_sf_access"), meta("permission_set", "write_and_sf_access"),
	meta("permission_set", "public"), meta("permission_set", ""),

	// Subscribers.
	sub("email", "ann@example.com"), sub("email", "ann"), sub("email", ""), sub("email", "ann@@example.com"),
	sub("email", rep("a", 64)+"@"+rep("b", 186)+".com"), sub("email", rep("a", 64)+"@"+rep("b", 187)+".com"),
	sub("first_name", rep("é", 255)), sub("first_name", rep("é", 256)), sub("last_name", rep("é", 255)), sub("last_name", rep("é", 256)),
	sub("source", "storefront"), sub("source", "order"), sub("source", "custom"), sub("source", ""), sub("source", "import"),
	sub("consents", "marketing_newsletter"), sub("consents", "marketing_newsletter,abandoned_cart"), sub("consents", ""),
	sub("consents", "sms"), sub("consents", "abandoned_cart,abandoned_cart"),
}
