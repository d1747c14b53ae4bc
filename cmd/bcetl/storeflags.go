package main

import (
	"flag"

	"github.com/bcetl/bcetl/internal/bigcommerce"
)

// storeFlags are the flags that name a store and its credentials. prefix
// is "" for the target (or only) store and "source-" for a migration's
// source; main's envAliases map them to BIGCOMMERCE_* variables.
type storeFlags struct {
	apiURL, storeHash, token *string
}

func addStoreFlags(fs *flag.FlagSet, prefix, what string) storeFlags {
	return storeFlags{
		apiURL:    fs.String(prefix+"api-url", "", what+" API root (default "+bigcommerce.DefaultBaseURL+")"),
		storeHash: fs.String(prefix+"store-hash", "", what+" store hash"),
		token:     fs.String(prefix+"token", "", what+" access token (prefer the environment: flags show in ps)"),
	}
}

// client builds the client. A missing credential is a usage error.
func (s storeFlags) client(opts ...bigcommerce.Option) (*bigcommerce.Client, error) {
	c, err := bigcommerce.NewClient(bigcommerce.Config{BaseURL: *s.apiURL, StoreHash: *s.storeHash, Token: *s.token}, opts...)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return c, nil
}
