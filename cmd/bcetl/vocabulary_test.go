package main

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// flagUse is, per flag name, the commands whose flag set has it (by
// path; bcetl itself is "bcetl"), from the real command tree.
func flagUse(t *testing.T) (map[string][]string, int) {
	t.Helper()
	tree := commandTree(t)
	use := map[string][]string{}
	for path, cmd := range tree {
		name := path
		if name == "" {
			name = "bcetl"
		}
		for _, fs := range []*pflag.FlagSet{cmd.LocalFlags(), cmd.InheritedFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if !f.Hidden && !slices.Contains(use[f.Name], name) {
					use[f.Name] = append(use[f.Name], name)
				}
			})
		}
	}
	for _, cmds := range use {
		sort.Strings(cmds)
	}
	return use, len(tree)
}

// vocabularyRow is a row of the README's flag table as the code has it.
func vocabularyRow(flag string, cmds []string, commands int) [4]string {
	env := "scoped only"
	switch d := vocabulary[flag]; {
	case d.env == envNone:
		env = "—"
	case !d.scoped:
		env = "`" + envUnscoped(flag) + "`"
	}
	where := strings.Join(cmds, ", ")
	if len(cmds) == commands {
		where = everyCommand
	}
	return [4]string{"`--" + flag + "`", vocabulary[flag].meaning, env, where}
}

// tableRows reads the markdown table that follows marker in the README.
func tableRows(t *testing.T, marker string) [][]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), marker)
	if !ok {
		t.Fatalf("README.md has no %s", marker)
	}
	var rows [][]string
	for i, line := range strings.Split(strings.TrimLeft(after, "\n"), "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if i < 2 {
			continue // heading and rule
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), " | ") {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows = append(rows, cells)
	}
	if len(rows) == 0 {
		t.Fatalf("no table after %s", marker)
	}
	return rows
}

// The README's flag table is the flag sets: every flag of every command
// is a row, with the vocabulary's meaning, its variable and exactly the
// commands that have it; no row names a flag no command has.
func TestVocabularyTableIsTheFlagSets(t *testing.T) {
	use, commands := flagUse(t)
	if os.Getenv("BCETL_PRINT_VOCABULARY") != "" {
		names := make([]string, 0, len(use))
		for f := range use {
			names = append(names, f)
		}
		sort.Strings(names)
		for _, f := range names {
			r := vocabularyRow(f, use[f], commands)
			fmt.Printf("| %s | %s | %s | %s |\n", r[0], r[1], r[2], r[3])
		}
	}
	seen := map[string]bool{}
	for _, row := range tableRows(t, "<!-- flag-vocabulary -->") {
		if len(row) != 4 {
			t.Errorf("row %q: want 4 cells", row)
			continue
		}
		flag := strings.TrimSuffix(strings.TrimPrefix(row[0], "`--"), "`")
		seen[flag] = true
		cmds, ok := use[flag]
		if !ok {
			t.Errorf("the table has --%s, which no command has", flag)
			continue
		}
		if want := vocabularyRow(flag, cmds, commands); [4]string(row) != want {
			t.Errorf("row of --%s:\n got %q\nwant %q", flag, row, want)
		}
	}
	for f, cmds := range use {
		if !seen[f] {
			t.Errorf("--%s (%s) is not in the table", f, strings.Join(cmds, ", "))
		}
	}
	for f := range vocabulary {
		if _, ok := use[f]; !ok {
			t.Errorf("vocabulary.go has --%s, which no command has", f)
		}
	}
}

// The deprecated names' table is deprecated.go's, and each old name
// still sets its new flag in those commands.
func TestDeprecatedTableIsTheAliases(t *testing.T) {
	want := map[[2]string][]string{}
	for path, rs := range deprecatedFlags {
		for _, r := range rs {
			k := [2]string{"`--" + r.old + "`", "`--" + r.new + "`"}
			want[k] = append(want[k], path)
		}
	}
	tree := commandTree(t)
	got := map[[2]string]bool{}
	for _, row := range tableRows(t, "<!-- deprecated-flags -->") {
		k := [2]string{row[0], row[1]}
		got[k] = true
		cmds := want[k]
		sort.Strings(cmds)
		if len(row) != 3 || row[2] != strings.Join(cmds, ", ") {
			t.Errorf("row %q: want commands %v", row, cmds)
		}
		for _, path := range cmds {
			if f := tree[path].Flags().Lookup(strings.Trim(row[0], "`-")); f == nil || !f.Hidden {
				t.Errorf("bcetl %s: %s is not a hidden alias", path, row[0])
			}
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("the table lacks %s → %s", k[0], k[1])
		}
	}
}

// No variable means two things: a scoped name belongs to one command's
// one flag and is no flag's unscoped name (BCETL_LOAD_X would be both
// load's --x and an unscoped --load-x).
func TestVariablesAreUnambiguous(t *testing.T) {
	use, _ := flagUse(t)
	scoped, unscoped := map[string]string{}, map[string]bool{}
	for f, cmds := range use {
		if u := envUnscoped(f); u != "" {
			unscoped[u] = true
		}
		for _, c := range cmds {
			if c == "bcetl" || vocabulary[f].env == envNone {
				continue
			}
			n, who := envScoped(c, f), c+" --"+f
			if prev, ok := scoped[n]; ok && prev != who {
				t.Errorf("%s is %s and %s", n, prev, who)
			}
			scoped[n] = who
		}
	}
	for n, who := range scoped {
		if unscoped[n] {
			t.Errorf("%s is %s and a flag's unscoped name", n, who)
		}
	}
}
