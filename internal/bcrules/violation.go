package bcrules

// Violation is why a value would be refused: the field, the rule that
// failed, the offending value and a message for a person that says what to
// do. The transform writes it to rejects.parquet as it is; the load's dry
// run prints its message.
type Violation struct {
	Field, Rule, Value, Message string
}

func (v *Violation) Error() string { return v.Message }

// Rule names of violations, as rejects.parquet and report.json count them.
const (
	RuleRequired      = "required"
	RuleLength        = "length"
	RuleEnum          = "enum"
	RuleEmail         = "email"
	RuleCountry       = "country"
	RuleAttributeType = "attribute-type"
	RuleFormField     = "form-field"
)
