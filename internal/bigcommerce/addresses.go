package bigcommerce

import (
	"context"
	"iter"
	"net/http"
)

// AddressesService handles /customers/addresses.
type AddressesService service

const pathAddresses = "customers/addresses"

// List returns one page of addresses.
func (s *AddressesService) List(ctx context.Context, opts *AddressListOptions) ([]Address, *Response, error) {
	return list[Address](ctx, s.client, pathAddresses, opts.values())
}

// Pages walks every page matching opts.
func (s *AddressesService) Pages(ctx context.Context, opts AddressListOptions) iter.Seq2[[]Address, error] {
	return allPages(ctx, opts.ListOptions, func(ctx context.Context, lo ListOptions) ([]Address, *Response, error) {
		o := opts
		o.ListOptions = lo
		return s.List(ctx, &o)
	})
}

// All iterates over every address matching opts.
func (s *AddressesService) All(ctx context.Context, opts AddressListOptions) iter.Seq2[Address, error] {
	return flatten(s.Pages(ctx, opts))
}

// Create creates addresses. An address identical (by the documented
// uniqueness key) to one the customer already has is not created and is
// absent from the result: match results to inputs by that key, not by
// position.
func (s *AddressesService) Create(ctx context.Context, addrs []AddressCreate) ([]Address, *Response, error) {
	return write[Address](ctx, s.client, http.MethodPost, pathAddresses, addrs, len(addrs), MaxAddressesPerCall)
}

// Update updates addresses by id. An update that would make an address
// identical to another is not applied and is absent from the result.
func (s *AddressesService) Update(ctx context.Context, addrs []AddressUpdate) ([]Address, *Response, error) {
	return write[Address](ctx, s.client, http.MethodPut, pathAddresses, addrs, len(addrs), MaxAddressesPerCall)
}

// Delete deletes addresses by id.
func (s *AddressesService) Delete(ctx context.Context, ids []int64) (*Response, error) {
	return del(ctx, s.client, pathAddresses, ids)
}
