package main

import (
	"os"

	"github.com/spf13/pflag"
)

// envValue is the variable that sets a flag not given on the command
// line, and its value.
type envValue struct {
	name, value string
	deprecated  bool
}

// lookupEnv finds the variable that sets --flag of the command at path
// (vocabulary.go: scoped, unscoped, then the deprecated names), if any is
// set to something other than "".
func lookupEnv(path, flag string) (envValue, bool) {
	for _, n := range envNames(path, flag) {
		if v, ok := os.LookupEnv(n); ok && v != "" {
			return envValue{name: n, value: v}, true
		}
	}
	for _, n := range deprecatedEnv(path, flag) {
		if v, ok := os.LookupEnv(n); ok && v != "" {
			return envValue{name: n, value: v, deprecated: true}, true
		}
	}
	return envValue{}, false
}

// applyEnv sets every flag of fs the command line did not give from its
// variable, and returns, per flag, the variable that set it: a mistake in
// a value is then reported with its variable's name. A deprecated
// variable's use is recorded in used.
func applyEnv(fs *pflag.FlagSet, path string, used *[]deprecation) (map[string]string, error) {
	from := map[string]string{}
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Hidden {
			return // a hidden flag is a deprecated alias: its variables are its new flag's
		}
		ev, ok := lookupEnv(path, f.Name)
		if !ok {
			return
		}
		if e := fs.Set(f.Name, ev.value); e != nil {
			// The value is not repeated: it may be a credential.
			err = usagef("environment %s (--%s): %v", ev.name, f.Name, scrubValue(e, f))
			return
		}
		from[f.Name] = ev.name
		if ev.deprecated {
			*used = append(*used, deprecation{old: ev.name, use: preferredEnv(path, f.Name)})
		}
	})
	return from, err
}

// preferredEnv is the variable to set --flag by: the unscoped one when
// the flag has it, else the scoped one.
func preferredEnv(path, flag string) string {
	if u := envUnscoped(flag); u != "" {
		return u
	}
	return envScoped(path, flag)
}

// scrubValue keeps the reason of a value's refusal and drops the value
// when the flag holds a credential.
func scrubValue(err error, f *pflag.Flag) string {
	if isCredential(f.Name) {
		return "not a valid " + f.Value.Type()
	}
	return err.Error()
}
