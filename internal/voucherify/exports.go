package voucherify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/bcetl/bcetl/internal/atomicfile"
)

// CustomerExportFields are the fields of a customer export
// (ExportCustomerFields), in the document's order: every column the
// export CSV can have.
var CustomerExportFields = []string{"name", "id", "description", "email", "source_id", "created_at",
	"address_city", "address_state", "address_line_1", "address_line_2", "address_country", "address_postal_code",
	"redemptions_total_redeemed", "redemptions_total_failed", "redemptions_total_succeeded",
	"redemptions_total_rolled_back", "redemptions_total_rollback_failed", "redemptions_total_rollback_succeeded",
	"orders_total_amount", "orders_total_count", "orders_average_amount", "orders_last_order_amount",
	"orders_last_order_date", "loyalty_points", "loyalty_referred_customers", "updated_at", "phone", "birthday",
	"metadata", "birthdate"}

// Export statuses (ExportBase.status).
const (
	ExportScheduled  = "SCHEDULED"
	ExportInProgress = "IN_PROGRESS"
	ExportDone       = "DONE"
	ExportError      = "ERROR"
)

// ExportsService is /v1/exports and the export file's download.
type ExportsService service

// ExportRequest is Create Export's body (ExportCustomerBase for
// customers).
type ExportRequest struct {
	ExportedObject string            `json:"exported_object"`
	Parameters     *ExportParameters `json:"parameters,omitempty"`
}

// ExportParameters choose the columns, their order and the rows.
type ExportParameters struct {
	Order   string          `json:"order,omitempty"`
	Fields  []string        `json:"fields,omitempty"`
	Filters json.RawMessage `json:"filters,omitempty"`
}

// Export is an export object (ExportCustomer).
type Export struct {
	ID             string           `json:"id"`
	Object         string           `json:"object"`
	CreatedAt      string           `json:"created_at"`
	Status         string           `json:"status"`
	Channel        string           `json:"channel"`
	ExportedObject string           `json:"exported_object"`
	Parameters     ExportParameters `json:"parameters"`
	Result         *struct {
		URL string `json:"url"`
	} `json:"result"`
}

// Create schedules an export.
func (s *ExportsService) Create(ctx context.Context, r ExportRequest) (*Export, *Response, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return nil, nil, err
	}
	var e Export
	c := s.client
	resp, err := c.do(ctx, c.apiRequest(http.MethodPost, "v1/exports", nil, body), decodeJSON(&e))
	if err != nil {
		return nil, resp, err
	}
	return &e, resp, nil
}

// Get returns an export as it is now.
func (s *ExportsService) Get(ctx context.Context, id string) (*Export, *Response, error) {
	var e Export
	c := s.client
	resp, err := c.do(ctx, c.apiRequest(http.MethodGet, "v1/exports/"+url.PathEscape(id), nil, nil), decodeJSON(&e))
	if err != nil {
		return nil, resp, err
	}
	return &e, resp, nil
}

// Wait polls an export every interval until it is DONE (returned) or
// ERROR (an error). Each poll is a request against the limit.
func (s *ExportsService) Wait(ctx context.Context, id string, interval time.Duration) (*Export, error) {
	for {
		e, _, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		switch e.Status {
		case ExportDone:
			return e, nil
		case ExportError:
			return nil, fmt.Errorf("voucherify: export %s ended in %s; create another", e.ID, e.Status)
		}
		if err := s.client.clock.Sleep(ctx, interval); err != nil {
			return nil, err
		}
	}
}

// Download writes a DONE export's file to path (owner-only, whole or not
// at all) and returns its size. The file is on another host (download.
// voucherify.io and its regional siblings), authorised by the token in the
// result URL: no credential is sent there, and the token is scrubbed from
// errors like the secret key. Its scheme must be https, or http when the
// API URL is (an emulator on loopback).
func (s *ExportsService) Download(ctx context.Context, e *Export, path string) (int64, error) {
	c := s.client
	if e == nil || e.Result == nil || e.Result.URL == "" {
		return 0, fmt.Errorf("voucherify: export has no result URL (status %s)", statusOf(e))
	}
	u, err := url.Parse(e.Result.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && c.base.Scheme == "http")) {
		return 0, fmt.Errorf("voucherify: export %s: result URL %q is not an https URL", e.ID, c.Redact(e.Result.URL))
	}
	token := u.Query().Get("token")
	shown := *u
	shown.User, shown.RawQuery = nil, ""
	r := request{method: http.MethodGet, u: u, endpoint: "GET " + shown.String(), download: true}
	if token != "" {
		r.secrets = []string{token}
	}
	var n int64
	_, err = c.do(ctx, r, func(hr *http.Response) error {
		f, err := atomicfile.Create(path)
		if err != nil {
			return err
		}
		defer f.Abort()
		if n, err = io.Copy(f, hr.Body); err != nil {
			return err
		}
		return f.Commit()
	})
	return n, err
}

func statusOf(e *Export) string {
	if e == nil {
		return "none"
	}
	return e.Status
}
