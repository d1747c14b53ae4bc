package transform

import "runtime"

// normalizer applies the enabled rules to records and counts what they
// change. Rows are normalised twice — once to find duplicates, once to
// write — and only the first pass counts (tally is nil in the second).
// phones is the shared phone cache (phone_cache.go).
// Each worker has its own normalizer; their tallies are added up into the
// report when a pass ends, so the counts do not depend on who did what.
type normalizer struct {
	opts   Options
	tally  *tally
	phones *phoneCache
}

// tally counts, per rule (by its index in Rules), the values changed and
// those not recognised: a few million increments a run, kept off maps.
type tally struct {
	changes, unrecognised [8]int64
}

// ruleIndex is rule's index in Rules.
func ruleIndex(rule string) int {
	switch rule {
	case RuleText:
		return 0
	case RuleEmail:
		return 1
	case RuleCountry:
		return 2
	case RuleState:
		return 3
	case RulePostal:
		return 4
	case RulePhone:
		return 5
	case RuleAddressType:
		return 6
	}
	return 7 // RuleAttributeValue
}

func (n *normalizer) count(rule, before, after string) {
	if n.tally != nil && before != after {
		n.tally.changes[ruleIndex(rule)]++
	}
}

func (n *normalizer) unrecognised(rule string) {
	if n.tally != nil {
		n.tally.unrecognised[ruleIndex(rule)]++
	}
}

// addTo adds the counts into rep.
func (t *tally) addTo(rep *Report) {
	for i, r := range Rules {
		rep.RuleChanges[r] += t.changes[i]
		if t.unrecognised[i] != 0 {
			rep.Unrecognised[r] += t.unrecognised[i]
		}
	}
}

// normalizers makes one normalizer per worker; counting ones when rep is
// not nil, which add up their tallies when done is called.
func (o Options) normalizers(rep *Report) (ns []*normalizer, done func()) {
	w := o.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	for range w {
		n := &normalizer{opts: o, phones: phones}
		if rep != nil {
			n.tally = &tally{}
		}
		ns = append(ns, n)
	}
	return ns, func() {
		for _, n := range ns {
			if n.tally != nil {
				n.tally.addTo(rep)
			}
		}
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
