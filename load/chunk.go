package load

import (
	"github.com/bcetl/bcetl/internal/bigcommerce"
)

// List look-ups (email:in, customer_id:in) are chunked by the length of
// the request URL, not by a count of values (bigcommerce.ChunkByURL: the
// document gives no limit, gateways commonly refuse a request line over
// 8 KB, and fifty long emails already pass it), and at most a page of
// values, so that one request answers each chunk.

// emailLookup and addressLookup are the look-ups' options but for the list
// itself, as lookupEmails and lookupAddresses send them.
var (
	emailLookup = bigcommerce.CustomerListOptions{
		Include:     []string{bigcommerce.IncludeAddresses, bigcommerce.IncludeAttributes},
		ListOptions: bigcommerce.ListOptions{Limit: bigcommerce.MaxPageSize},
	}
	addressLookup = bigcommerce.AddressListOptions{ListOptions: bigcommerce.ListOptions{Limit: bigcommerce.MaxPageSize}}
)

func (l *loader) emailChunks(emails []string) ([][]string, error) {
	o := emailLookup
	return bigcommerce.ChunkByURL(l.c, &o, "email:in", emails, bigcommerce.MaxPageSize)
}

func (l *loader) customerIDChunks(ids []int64) ([][]int64, error) {
	o := addressLookup
	return bigcommerce.ChunkByURL(l.c, &o, "customer_id:in", ids, bigcommerce.MaxPageSize)
}
