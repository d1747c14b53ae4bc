package transform

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/bcetl/bcetl/internal/bcrules"
)

// problem is why a record cannot be passed on: the field, the rule that
// failed, the offending value and a message for a person. The API's own
// rules (lengths, email, country codes, attribute values, form fields)
// live in internal/bcrules, which answers with the same type.
type problem = bcrules.Violation

// checkUTF8 finds the first field whose value is not valid UTF-8. The API
// speaks JSON, which cannot carry such bytes, and guessing the intended
// encoding would corrupt names silently: such rows are rejected (rule
// "utf8") with the bad value escaped so a person can find it.
func checkUTF8(fields ...string) *problem {
	for i := 0; i+1 < len(fields); i += 2 {
		if !utf8.ValidString(fields[i+1]) {
			return newProblem(fields[i], CheckUTF8, strconv.Quote(fields[i+1]),
				fmt.Sprintf("%s is not valid UTF-8: re-export the source as UTF-8 or fix the bytes shown", fields[i]))
		}
	}
	return nil
}

func newProblem(field, rule, value, msg string) *problem {
	return &problem{Field: field, Rule: rule, Value: value, Message: msg}
}
