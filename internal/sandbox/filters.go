package sandbox

import "strings"

// Listing filters. Each filter parameter of a GET (id:in, email:in, …)
// becomes one predicate on a record, and a record is listed when it passes
// them all. A nil list is a parameter that was not sent: it adds nothing,
// so an unfiltered listing costs no call per record (offsetPage and
// cursorPage take a nil match as "all").

// filters collects the predicates of one listing.
type filters[R any] []func(R) bool

// keepIn keeps the records whose key is one of list, compared exactly:
// ids, and phone numbers and IP addresses, which BigCommerce matches as
// stored.
func keepIn[R any, K comparable](f *filters[R], list []K, key func(R) K) {
	if list == nil {
		return
	}
	set := setOf(list)
	*f = append(*f, func(x R) bool { return set[key(x)] })
}

// keepFold is keepIn for text compared ignoring case (MySQL's default
// collation, which BigCommerce's text filters follow).
func keepFold[R any](f *filters[R], list []string, key func(R) string) {
	if list == nil {
		return
	}
	set := setOf(lowerList(list))
	*f = append(*f, func(x R) bool { return set[strings.ToLower(key(x))] })
}

// keepName is keepFold for name:in, which compares "first last". The parts
// are joined here rather than by a key function so that the joined string
// stays on the stack: a key function's result escapes, one more allocation
// per record scanned.
func keepName[R any](f *filters[R], list []string, first, last func(R) string) {
	if list == nil {
		return
	}
	set := setOf(lowerList(list))
	*f = append(*f, func(x R) bool { return set[strings.ToLower(first(x)+" "+last(x))] })
}

// keepWithin keeps the records whose time (unix seconds) tf admits; an
// unset tf adds nothing.
func keepWithin[R any](f *filters[R], tf timeFilter, t func(R) int64) {
	if !tf.set {
		return
	}
	*f = append(*f, func(x R) bool { return tf.match(t(x)) })
}

// all is the conjunction of the predicates, nil when there are none.
func (f filters[R]) all() func(R) bool {
	if len(f) == 0 {
		return nil
	}
	return func(x R) bool {
		for _, p := range f {
			if !p(x) {
				return false
			}
		}
		return true
	}
}

func setOf[K comparable](list []K) map[K]bool {
	m := make(map[K]bool, len(list))
	for _, k := range list {
		m[k] = true
	}
	return m
}

func lowerList(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}
