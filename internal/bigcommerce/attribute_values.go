package bigcommerce

import (
	"context"
	"iter"
	"net/http"
)

// AttributeValuesService handles /customers/attribute-values. Values are
// read as AttributeValue (attribute_value) and written as
// AttributeValueUpsert (value).
type AttributeValuesService service

const pathAttributeValues = "customers/attribute-values"

// List returns one page of attribute values.
func (s *AttributeValuesService) List(ctx context.Context, opts *AttributeValueListOptions) ([]AttributeValue, *Response, error) {
	return list[AttributeValue](ctx, s.client, pathAttributeValues, opts.values())
}

// Pages walks every page matching opts.
func (s *AttributeValuesService) Pages(ctx context.Context, opts AttributeValueListOptions) iter.Seq2[[]AttributeValue, error] {
	return allPages(ctx, opts.ListOptions, func(ctx context.Context, lo ListOptions) ([]AttributeValue, *Response, error) {
		o := opts
		o.ListOptions = lo
		return s.List(ctx, &o)
	})
}

// All iterates over every attribute value matching opts.
func (s *AttributeValuesService) All(ctx context.Context, opts AttributeValueListOptions) iter.Seq2[AttributeValue, error] {
	return flatten(s.Pages(ctx, opts))
}

// Upsert creates or updates values by (customer_id, attribute_id), up to
// MaxAttributeValuesPerCall per call. It is idempotent, so it is retried
// like a GET.
func (s *AttributeValuesService) Upsert(ctx context.Context, values []AttributeValueUpsert) ([]AttributeValue, *Response, error) {
	return write[AttributeValue](ctx, s.client, http.MethodPut, pathAttributeValues, values, len(values), MaxAttributeValuesPerCall)
}

// Delete deletes attribute values by id.
func (s *AttributeValuesService) Delete(ctx context.Context, ids []int64) (*Response, error) {
	return del(ctx, s.client, pathAttributeValues, ids)
}
