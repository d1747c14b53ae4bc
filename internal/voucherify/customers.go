package voucherify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// List Customers limits (customers.json): limit 1–100 (default 10), page
// 1–99. Page numbers thus reach 9,900 customers; the rest must be walked
// with starting_after.
const (
	MaxLimit = 100
	MaxPage  = 99
)

// Orders of List Customers (ParameterOrderListCustomers). starting_after
// returns the customers after the cursor with CreatedAt and UpdatedAt
// (oldest first), before it without an order (newest first).
const (
	OrderCreatedAt = "created_at"
	OrderUpdatedAt = "updated_at"
)

// CustomersService is GET /v1/customers.
type CustomersService service

// ListCustomersOptions are the query of one List Customers request.
type ListCustomersOptions struct {
	Limit, Page int
	Order       string
	// StartingAfter is the cursor: a created_at (or, with order
	// updated_at, an updated_at), sent to the millisecond.
	StartingAfter time.Time
}

func (o ListCustomersOptions) values() url.Values {
	v := url.Values{}
	if o.Limit > 0 {
		v.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Page > 0 {
		v.Set("page", strconv.Itoa(o.Page))
	}
	if o.Order != "" {
		v.Set("order", o.Order)
	}
	if !o.StartingAfter.IsZero() {
		v.Set("starting_after", FormatTime(o.StartingAfter))
	}
	return v
}

// FormatTime writes a time as the API does: UTC, milliseconds, "Z".
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// CustomerPage is one List Customers answer (CustomersListResponseBody).
// Customers are kept as the API sent them: the mapping to staging rows
// (extract/voucherify) reads each as JSON, as it reads an export file's.
type CustomerPage struct {
	Object    string            `json:"object"`
	DataRef   string            `json:"data_ref"`
	Customers []json.RawMessage `json:"customers"`
	// Total is "the total number of records for given filtering query".
	Total   int  `json:"total"`
	HasMore bool `json:"has_more"`
}

// List returns one page of customers.
func (s *CustomersService) List(ctx context.Context, o ListCustomersOptions) (*CustomerPage, *Response, error) {
	var page CustomerPage
	c := s.client
	resp, err := c.do(ctx, c.apiRequest(http.MethodGet, "v1/customers", o.values(), nil), decodeJSON(&page))
	if err != nil {
		return nil, resp, err
	}
	return &page, resp, nil
}
