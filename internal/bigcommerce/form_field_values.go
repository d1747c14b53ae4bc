package bigcommerce

import (
	"context"
	"iter"
	"net/http"
)

// FormFieldValuesService handles /customers/form-field-values. The PUT is
// deprecated in favour of form_fields on customers and addresses, which is
// how the loader sends every value (PUT /customers and PUT
// /customers/addresses for owners that already exist); it remains for
// reading, and for other clients.
type FormFieldValuesService service

const pathFormFieldValues = "customers/form-field-values"

// List returns one page of form field values.
func (s *FormFieldValuesService) List(ctx context.Context, opts *FormFieldValueListOptions) ([]FormFieldValue, *Response, error) {
	return list[FormFieldValue](ctx, s.client, pathFormFieldValues, opts.values())
}

// All iterates over every form field value matching opts.
func (s *FormFieldValuesService) All(ctx context.Context, opts FormFieldValueListOptions) iter.Seq2[FormFieldValue, error] {
	return flatten(allPages(ctx, opts.ListOptions, func(ctx context.Context, lo ListOptions) ([]FormFieldValue, *Response, error) {
		o := opts
		o.ListOptions = lo
		return s.List(ctx, &o)
	}))
}

// Upsert creates or updates values by (customer_id or address_id, name).
func (s *FormFieldValuesService) Upsert(ctx context.Context, values []FormFieldValue) ([]FormFieldValue, *Response, error) {
	return write[FormFieldValue](ctx, s.client, http.MethodPut, pathFormFieldValues, values, len(values), MaxFormFieldValuesPerCall)
}
