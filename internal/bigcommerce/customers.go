package bigcommerce

import (
	"context"
	"iter"
	"net/http"
)

// CustomersService handles /customers.
type CustomersService service

const pathCustomers = "customers"

// List returns one page of customers.
func (s *CustomersService) List(ctx context.Context, opts *CustomerListOptions) ([]Customer, *Response, error) {
	return list[Customer](ctx, s.client, pathCustomers, opts.values())
}

// Pages walks every page matching opts. Customers support cursor paging:
// pass opts without Page to walk by cursor, which neither skips nor repeats
// rows while the store changes.
func (s *CustomersService) Pages(ctx context.Context, opts CustomerListOptions) iter.Seq2[[]Customer, error] {
	return allPages(ctx, opts.ListOptions, func(ctx context.Context, lo ListOptions) ([]Customer, *Response, error) {
		o := opts
		o.ListOptions = lo
		return s.List(ctx, &o)
	})
}

// All iterates over every customer matching opts.
func (s *CustomersService) All(ctx context.Context, opts CustomerListOptions) iter.Seq2[Customer, error] {
	return flatten(s.Pages(ctx, opts))
}

// Create creates up to MaxCustomersPerCall customers. The API creates all or
// none: a 422 names the invalid items. A transport failure or a 5xx yields
// an OutcomeUnknownError: look the emails up before sending again.
func (s *CustomersService) Create(ctx context.Context, customers []CustomerCreate) ([]Customer, *Response, error) {
	return write[Customer](ctx, s.client, http.MethodPost, pathCustomers, customers, len(customers), MaxCustomersPerCall)
}

// Update updates up to MaxCustomersPerCall customers by id.
func (s *CustomersService) Update(ctx context.Context, customers []CustomerUpdate) ([]Customer, *Response, error) {
	return write[Customer](ctx, s.client, http.MethodPut, pathCustomers, customers, len(customers), MaxCustomersPerCall)
}

// Delete deletes customers by id, with their addresses and values.
func (s *CustomersService) Delete(ctx context.Context, ids []int64) (*Response, error) {
	return del(ctx, s.client, pathCustomers, ids)
}
