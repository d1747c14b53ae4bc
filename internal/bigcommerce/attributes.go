package bigcommerce

import (
	"context"
	"iter"
	"net/http"
)

// AttributesService handles /customers/attributes: attribute definitions.
type AttributesService service

const pathAttributes = "customers/attributes"

// List returns one page of attribute definitions.
func (s *AttributesService) List(ctx context.Context, opts *AttributeListOptions) ([]Attribute, *Response, error) {
	return list[Attribute](ctx, s.client, pathAttributes, opts.values())
}

// All iterates over every attribute definition matching opts.
func (s *AttributesService) All(ctx context.Context, opts AttributeListOptions) iter.Seq2[Attribute, error] {
	return flatten(allPages(ctx, opts.ListOptions, func(ctx context.Context, lo ListOptions) ([]Attribute, *Response, error) {
		o := opts
		o.ListOptions = lo
		return s.List(ctx, &o)
	}))
}

// Create creates attribute definitions. A store holds at most
// MaxAttributesPerStore, and an attribute's type cannot change later.
func (s *AttributesService) Create(ctx context.Context, attrs []AttributeCreate) ([]Attribute, *Response, error) {
	return write[Attribute](ctx, s.client, http.MethodPost, pathAttributes, attrs, len(attrs), MaxAttributesPerCall)
}

// Update renames attribute definitions.
func (s *AttributesService) Update(ctx context.Context, attrs []AttributeUpdate) ([]Attribute, *Response, error) {
	return write[Attribute](ctx, s.client, http.MethodPut, pathAttributes, attrs, len(attrs), MaxAttributesPerCall)
}

// Delete deletes attribute definitions, and with them their values.
func (s *AttributesService) Delete(ctx context.Context, ids []int64) (*Response, error) {
	return del(ctx, s.client, pathAttributes, ids)
}
