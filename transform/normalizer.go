package transform

// normalizer applies the enabled rules to records and counts what they
// change. Rows are normalised twice — once to find duplicates, once to
// write — and only the first pass counts (rep is nil in the second).
type normalizer struct {
	opts Options
	rep  *Report
}

func (n *normalizer) count(rule, before, after string) {
	if n.rep != nil && before != after {
		n.rep.RuleChanges[rule]++
	}
}

func (n *normalizer) unrecognised(rule string) {
	if n.rep != nil {
		n.rep.Unrecognised[rule]++
	}
}

// text applies the text rule to single-line fields in place.
func (n *normalizer) text(fields ...*string) {
	if !n.opts.on(RuleText) {
		return
	}
	for _, f := range fields {
		v := Text(*f)
		n.count(RuleText, *f, v)
		*f = v
	}
}

// multiline applies the text rule to free-text fields in place.
func (n *normalizer) multiline(f *string) {
	if !n.opts.on(RuleText) {
		return
	}
	v := MultilineText(*f)
	n.count(RuleText, *f, v)
	*f = v
}
