package load

import (
	"context"
	"fmt"

	"github.com/bcetl/bcetl/internal/bigcommerce"
)

// The look-ups: customers by email (lookupEmails, lookupItems) and
// addresses by customer id (lookupAddresses). They are sent on a context
// that is not cancelled: a look-up settles a write.
//
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

// lookupItems looks the items' emails up on the target and splits the
// items into those it has (hit) and the others (miss), in order.
func (l *loader) lookupItems(ctx context.Context, items []*custItem) (found map[string]bigcommerce.Customer, hit, miss []*custItem, err error) {
	emails := make([]string, len(items))
	for i, it := range items {
		emails[i] = it.c.Email
	}
	if found, err = l.lookupEmails(ctx, emails); err != nil {
		return nil, nil, nil, err
	}
	for _, it := range items {
		if _, ok := found[emailKey(it.c.Email)]; ok {
			hit = append(hit, it)
		} else {
			miss = append(miss, it)
		}
	}
	return found, hit, miss, nil
}

// lookupEmails finds target customers by email, with their first
// addresses and attribute values, keyed by emailKey: one request per
// chunk of emails (emailChunks: as many as an 8 KB URL holds). An answer
// whose email is not one that was asked for under emailKey (the API
// compared more loosely) is left out: it is another person.
func (l *loader) lookupEmails(ctx context.Context, emails []string) (map[string]bigcommerce.Customer, error) {
	out := map[string]bigcommerce.Customer{}
	chunks, err := l.emailChunks(emails)
	if err != nil {
		return nil, err
	}
	for _, chunk := range chunks {
		asked := make(map[string]bool, len(chunk))
		for _, e := range chunk {
			asked[emailKey(e)] = true
		}
		l.count(epGetCustomers, len(chunk))
		opts := emailLookup
		opts.EmailIn = chunk
		matched := 0
		for c, err := range l.c.Customers.All(context.WithoutCancel(ctx), opts) {
			if err != nil {
				return nil, fmt.Errorf("looking customers up by email: %w", err)
			}
			if k := emailKey(c.Email); asked[k] {
				out[k] = c
				if matched++; matched == len(asked) {
					break // all found: a full page needs no empty next one
				}
			} else {
				// No email in the log: it is personal data.
				l.log.Warn("the target answered an email look-up with a customer whose email differs from every one asked for (ignoring case); not matched",
					"target_customer", c.ID)
			}
		}
	}
	return out, nil
}

// lookupAddresses returns the target addresses of the items' customers,
// keyed by customer id and the uniqueness key (customer_id:in, chunked by
// URL length).
func (l *loader) lookupAddresses(ctx context.Context, items []addrOwned) (map[string]int64, error) {
	seen := map[int64]bool{}
	var ids []int64
	for _, a := range items {
		if !seen[a.customer] {
			seen[a.customer] = true
			ids = append(ids, a.customer)
		}
	}
	out := map[string]int64{}
	chunks, err := l.customerIDChunks(ids)
	if err != nil {
		return nil, err
	}
	for _, chunk := range chunks {
		l.count(epGetAddresses, len(chunk))
		opts := addressLookup
		opts.CustomerIDIn = chunk
		for a, err := range l.c.Addresses.All(context.WithoutCancel(ctx), opts) {
			if err != nil {
				return nil, err
			}
			out[tgtAddrOwnerKey(a)] = a.ID
		}
	}
	return out, nil
}
