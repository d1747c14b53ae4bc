package main

import (
	"slices"

	"github.com/spf13/pflag"
)

// Flags renamed into the vocabulary, kept for one release: the old name
// still sets the new flag, hidden from the help, with a warning in the log
// (a warn line, in JSON too) each time it is used. So are the variables
// that set the old flag: BCETL_<OLD> and the conventional BigCommerce
// names below, with the meaning they had in that command.
type rename struct{ old, new string }

var (
	toSource = []rename{{"api-url", "source-api-url"}, {"store-hash", "source-store-hash"}, {"token", "source-token"}}
	toTarget = []rename{{"api-url", "target-api-url"}, {"store-hash", "target-store-hash"}, {"token", "target-token"}}
	toConc   = rename{"max-concurrency", "concurrency"}
)

// deprecatedFlags: command path → its renamed flags. --store-hash named
// the exported store in extract, export and nightly, and the target in
// load and migrate: each keeps its meaning.
var deprecatedFlags = map[string][]rename{
	"extract":        toSource,
	"export":         toSource,
	"nightly":        append(slices.Clone(toSource), toConc),
	"load":           append(slices.Clone(toTarget), toConc),
	"migrate":        append(slices.Clone(toTarget), toConc),
	"webhooks serve": {{"store-hash", "source-store-hash"}},
}

// oldConventional are the BigCommerce variables the old flags read in
// every command that had them (BIGCOMMERCE_STORE_HASH: the target in
// load, the exported store in export, the served store in sandbox).
var oldConventional = map[string]string{
	"api-url":           "BIGCOMMERCE_API_URL",
	"store-hash":        "BIGCOMMERCE_STORE_HASH",
	"token":             "BIGCOMMERCE_ACCESS_TOKEN",
	"source-api-url":    "BIGCOMMERCE_SOURCE_API_URL",
	"source-store-hash": "BIGCOMMERCE_SOURCE_STORE_HASH",
	"source-token":      "BIGCOMMERCE_SOURCE_ACCESS_TOKEN",
	"target-api-url":    "BIGCOMMERCE_TARGET_API_URL",
	"target-store-hash": "BIGCOMMERCE_TARGET_STORE_HASH",
	"target-token":      "BIGCOMMERCE_TARGET_ACCESS_TOKEN",
}

// oldNames are the names --flag of the command at path had before the
// vocabulary: its aliases if it was renamed there, else its own.
func oldNames(path, flag string) []string {
	var olds []string
	for _, r := range deprecatedFlags[path] {
		if r.new == flag {
			olds = append(olds, r.old)
		}
	}
	if len(olds) == 0 {
		olds = []string{flag}
	}
	return olds
}

// deprecatedEnv are the variables that set --flag of the command at path
// before and set it no longer under the rules of vocabulary.go: BCETL_<OLD>
// (every flag read it) and the conventional name of the old flag.
func deprecatedEnv(path, flag string) []string {
	if vocabulary[flag].env == envNone {
		return nil
	}
	current := envNames(path, flag)
	var out []string
	for _, o := range oldNames(path, flag) {
		for _, n := range []string{"BCETL_" + envWord(o), oldConventional[o]} {
			if n != "" && !slices.Contains(current, n) && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// deprecation is one use of an old name, warned about once the logger is
// set up.
type deprecation struct {
	old, use string // "--store-hash" → "--target-store-hash"; "BIGCOMMERCE_STORE_HASH" → "BIGCOMMERCE_TARGET_STORE_HASH"
}

// aliasValue is a deprecated flag: setting it sets the new one and
// records the use.
type aliasValue struct {
	old    string
	target *pflag.Flag
	used   *[]deprecation
}

func (a *aliasValue) String() string { return a.target.Value.String() }
func (a *aliasValue) Type() string   { return a.target.Value.Type() }

func (a *aliasValue) Set(s string) error {
	*a.used = append(*a.used, deprecation{old: "--" + a.old, use: "--" + a.target.Name})
	a.target.Changed = true
	return a.target.Value.Set(s)
}

// addDeprecatedFlags declares the command's renamed flags on fs, hidden.
func addDeprecatedFlags(fs *pflag.FlagSet, path string, used *[]deprecation) {
	for _, r := range deprecatedFlags[path] {
		target := fs.Lookup(r.new)
		if target == nil {
			panic("bcetl " + path + ": deprecated --" + r.old + " names --" + r.new + ", which it does not have")
		}
		fs.AddFlag(&pflag.Flag{Name: r.old, Usage: "deprecated: use --" + r.new, Hidden: true,
			Value: &aliasValue{old: r.old, target: target, used: used}, DefValue: target.DefValue, NoOptDefVal: target.NoOptDefVal})
	}
}
