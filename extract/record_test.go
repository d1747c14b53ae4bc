package extract

import (
	"strings"
	"testing"
)

// SplitName never panics, never returns one name empty without the other,
// and is stable: splitting "first last" again gives the same pair.
func FuzzSplitName(f *testing.F) {
	for _, s := range []string{"", " ", "Madonna", "Anna Maria  van der Berg", " \t山田\u3000太郎 ", "a\u00a0b", "\xff\xfe x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first, last := SplitName(s)
		if (first == "") != (last == "") {
			t.Fatalf("SplitName(%q) = %q, %q", s, first, last)
		}
		if f2, l2 := SplitName(first + " " + last); f2 != first || l2 != last {
			t.Fatalf("not stable: %q -> (%q, %q) -> (%q, %q)", s, first, last, f2, l2)
		}
		if strings.TrimSpace(first) != first || strings.TrimSpace(last) != last {
			t.Fatalf("untrimmed: %q, %q", first, last)
		}
	})
}
