package bigcommerce

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// CustomerGroupsService handles the V2 /customer_groups (customers.v2.yml):
// the groups a customer's customer_group_id names. Group ids are the
// store's own; another store's groups are found by name.
type CustomerGroupsService service

const pathCustomerGroups = "customer_groups"

// CustomerGroup is customerGroup_Full.
type CustomerGroup struct {
	ID             int64          `json:"id"`
	Name           string         `json:"name"`
	IsDefault      bool           `json:"is_default"`
	CategoryAccess CategoryAccess `json:"category_access"`
	DiscountRules  []DiscountRule `json:"discount_rules"`
	// DateCreated and DateModified are V2's text ("2023-07-17 06:30:41",
	// UTC); ParseV2Time reads them.
	DateCreated      string `json:"date_created,omitempty"`
	DateModified     string `json:"date_modified,omitempty"`
	IsGroupForGuests bool   `json:"is_group_for_guests"`
}

// CategoryAccess is categoryAccessLevel_Full: Type all, specific or none;
// Categories (category ids of the store's catalog) only with specific.
type CategoryAccess struct {
	Type       string  `json:"type"`
	Categories []int64 `json:"categories,omitempty"`
}

// DiscountRule is one of a group's discount_rules: Type price_list (with
// PriceListID, the only rule then), all (at most one), category
// (CategoryID) or product (ProductID); Method percent, fixed or price.
// Amount is the exact decimal ("5.0000"): the document answers text and
// takes "Float, Float as String, Integer", so it is kept as the literal,
// never a float. Category, product and price list ids name the store's
// catalog.
type DiscountRule struct {
	Type        string      `json:"type"`
	Method      string      `json:"method,omitempty"`
	Amount      json.Number `json:"amount,omitempty"`
	CategoryID  int64       `json:"category_id,omitempty"`
	ProductID   int64       `json:"product_id,omitempty"`
	PriceListID int64       `json:"price_list_id,omitempty"`
}

// CustomerGroupCreate is customerGroup_Post_Put. Only the fields set are
// sent; CategoryAccess nil leaves the API's default (all categories).
type CustomerGroupCreate struct {
	Name             string          `json:"name"`
	IsDefault        bool            `json:"is_default,omitempty"`
	CategoryAccess   *CategoryAccess `json:"category_access,omitempty"`
	DiscountRules    []DiscountRule  `json:"discount_rules,omitempty"`
	IsGroupForGuests bool            `json:"is_group_for_guests,omitempty"`
}

// CustomerGroupListOptions filters GET /customer_groups. Name is an
// exact match.
type CustomerGroupListOptions struct {
	ListOptions
	Name      string
	IsDefault *bool
}

func (o *CustomerGroupListOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	if o.Name != "" {
		v.Set("name", o.Name)
	}
	if o.IsDefault != nil {
		v.Set("is_default", strconv.FormatBool(*o.IsDefault))
	}
	return v
}

// List returns one page of groups (page 1 of MaxPageSize unless opts
// say otherwise).
func (s *CustomerGroupsService) List(ctx context.Context, opts *CustomerGroupListOptions) ([]CustomerGroup, *Response, error) {
	v := opts.values()
	if opts != nil {
		opts.ListOptions.add(v)
	}
	var out []CustomerGroup
	resp, err := getV2(ctx, s.client, pathCustomerGroups, v, &out)
	return out, resp, err
}

// All iterates over every group matching opts, page by page.
func (s *CustomerGroupsService) All(ctx context.Context, opts CustomerGroupListOptions) iter.Seq2[CustomerGroup, error] {
	return flatten(v2Pages[CustomerGroup](ctx, s.client, pathCustomerGroups, opts.ListOptions, opts.values()))
}

// Create creates one group. A name the store has already is a 409
// (*ErrorResponse). The document's 207 — "the customer group was created,
// but the sitewide discount update failed" — is a *GroupDiscountError:
// the group exists (find it by name) without its discount rules.
func (s *CustomerGroupsService) Create(ctx context.Context, g CustomerGroupCreate) (CustomerGroup, *Response, error) {
	body, err := marshalBody(g)
	if err != nil {
		return CustomerGroup{}, nil, err
	}
	var out CustomerGroup
	resp, err := s.client.do(ctx, request{method: http.MethodPost, path: pathCustomerGroups, body: body, v2: true, bare: true}, &out)
	if err == nil && resp.StatusCode == http.StatusMultiStatus {
		var m struct {
			Message string `json:"message"`
		}
		unmarshal(resp.body, &m)
		return CustomerGroup{}, resp, &GroupDiscountError{Name: g.Name, Message: s.client.Redact(m.Message)}
	}
	return out, resp, err
}

// GroupDiscountError is the 207 of a group create: the group was created
// but its discount rules were not applied ("You may retry the request").
type GroupDiscountError struct {
	Name, Message string
}

func (e *GroupDiscountError) Error() string {
	return fmt.Sprintf("POST /v2/customer_groups: 207: the group %q was created but its discount rules were not applied: %s", e.Name, e.Message)
}
