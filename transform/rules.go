package transform

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bcetl/bcetl/internal/bcrules"
)

// Rule names, as used by --disable and as keys of Report.RuleChanges. Only
// normalisation rules can be turned off; validation (required fields,
// lengths, enums, UTF-8) always runs because the API would refuse the record
// anyway.
const (
	RuleText        = "text"
	RuleEmail       = "email"
	RuleCountry     = "country"
	RuleState       = "state"
	RulePostal      = "postal"
	RulePhone       = "phone"
	RuleAddressType = "address_type"
	// RuleAttributeValue rewrites number and date attribute values into
	// the one form the API takes (bcrules.NormalizeAttributeValue).
	RuleAttributeValue = "attribute_value"
)

// Rules lists every rule that can be disabled, in the order they apply.
var Rules = []string{RuleText, RuleEmail, RuleCountry, RuleState, RulePostal, RulePhone, RuleAddressType, RuleAttributeValue}

// Reject rules that are not normalisation rules: they name the check that
// failed in rejects.parquet and Report.RejectsByRule. The API's own checks
// are named in internal/bcrules.
const (
	CheckUTF8               = "utf8"
	CheckRequired           = bcrules.RuleRequired
	CheckLength             = bcrules.RuleLength
	CheckEnum               = bcrules.RuleEnum
	CheckAttributeType      = bcrules.RuleAttributeType
	CheckAttributeLimit     = "attribute-limit"
	CheckFormField          = bcrules.RuleFormField
	CheckDuplicateSourceKey = "duplicate-source-key"
	CheckUnknownCustomer    = "unknown-customer"
	CheckUnknownAddress     = "unknown-address"
	CheckUnknownAttribute   = "unknown-attribute"
	CheckCustomerRejected   = "customer-rejected"
	CheckAddressRejected    = "address-rejected"
	CheckAttributeRejected  = "attribute-rejected"
	CheckMetafieldLimit     = "metafield-limit"
	CheckStoreCredit        = "store-credit"
)

// Merge rules, the Rule column of merges.parquet.
const (
	MergeEmail           = "email"            // customers with the same email
	MergeAddressKey      = "address-key"      // addresses with the same uniqueness key
	MergeAttributeName   = "attribute-name"   // attribute definitions with the same name
	MergeAttributeValue  = "attribute-value"  // two values of one attribute on one customer
	MergeFormField       = "form-field-name"  // two values of one form field on one owner
	MergeGroupName       = "group-name"       // customer groups with the same name (ignoring case)
	MergeMetafieldKey    = "metafield-key"    // two metafields of one namespace and key on one customer
	MergeSubscriberEmail = "subscriber-email" // subscribers with the same email (plain lower-case)
	MergeConsent         = "consent"          // two consent declarations of one customer
)

// Survivor policies for duplicate customers (--customer-survivor).
const (
	SurvivorNewest = "newest" // latest date_modified; ties and missing dates go to the later row
	SurvivorFirst  = "first"  // the first row in the input
	SurvivorLast   = "last"   // the last row in the input
)

// Options configures Run.
type Options struct {
	// Disabled names rules to skip (see Rules).
	Disabled map[string]bool
	// CustomerSurvivor is SurvivorNewest (the default when empty),
	// SurvivorFirst or SurvivorLast.
	CustomerSurvivor string
	// Workers is the number of goroutines that normalise and validate
	// rows; 0: one per core (GOMAXPROCS). The output does not depend on it.
	Workers int
	// MemoryLimit is the memory budget in bytes (0: DefaultMemoryLimit):
	// a dedupe table larger than a thirty-second of it is sorted in runs on
	// disk. The output does not depend on it. The caller sets the Go
	// runtime's own limit (runtime/debug.SetMemoryLimit) if it wants one.
	MemoryLimit int64

	spillAt int // tests: dedupe entries held before spilling
}

func (o Options) on(rule string) bool { return !o.Disabled[rule] }

func (o Options) validate() error {
	for r := range o.Disabled {
		if !isRule(r) {
			return fmt.Errorf("unknown rule %q (rules: %s)", r, strings.Join(Rules, ", "))
		}
	}
	if o.MemoryLimit != 0 && o.MemoryLimit < MinMemoryLimit {
		return fmt.Errorf("memory limit %d bytes is below the minimum of %d MiB", o.MemoryLimit, MinMemoryLimit>>20)
	}
	if o.Workers < 0 {
		return fmt.Errorf("workers must be 0 (one per core) or more, not %d", o.Workers)
	}
	switch o.CustomerSurvivor {
	case "", SurvivorNewest, SurvivorFirst, SurvivorLast:
		return nil
	}
	return fmt.Errorf("customer survivor must be %s, %s or %s, not %q", SurvivorNewest, SurvivorFirst, SurvivorLast, o.CustomerSurvivor)
}

func isRule(r string) bool {
	for _, x := range Rules {
		if x == r {
			return true
		}
	}
	return false
}

// ParseDisabled parses a comma-separated list of rule names, as given to
// --disable. Unknown names are an error so a typo does not silently leave a
// rule on.
func ParseDisabled(list string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, f := range strings.Split(list, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if !isRule(f) {
			known := append([]string(nil), Rules...)
			sort.Strings(known)
			return nil, fmt.Errorf("unknown rule %q (rules: %s)", f, strings.Join(known, ", "))
		}
		out[f] = true
	}
	return out, nil
}
