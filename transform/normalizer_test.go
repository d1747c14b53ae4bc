package transform

import "testing"

// The tally's indexes are the rules' places in Rules.
func TestRuleIndex(t *testing.T) {
	if len(Rules) != len(tally{}.changes) {
		t.Fatalf("%d rules, tally holds %d", len(Rules), len(tally{}.changes))
	}
	for i, r := range Rules {
		if ruleIndex(r) != i {
			t.Errorf("ruleIndex(%s) = %d, want %d", r, ruleIndex(r), i)
		}
	}
}
