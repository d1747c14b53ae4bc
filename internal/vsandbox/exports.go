package vsandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Export statuses (ExportBase.status). An export is SCHEDULED in the
// create answer, IN_PROGRESS for Options.ExportPolls Get Export answers,
// then DONE with result.url, or ERROR (FailExports) with result null. The
// file is rendered when the export becomes DONE, from the customers of that
// moment: changes made after the create are in it, later ones are not.
const (
	statusScheduled  = "SCHEDULED"
	statusInProgress = "IN_PROGRESS"
	statusDone       = "DONE"
	statusError      = "ERROR"
)

// customerFields is ExportCustomerFields, in the document's order.
var customerFields = []string{"name", "id", "description", "email", "source_id", "created_at",
	"address_city", "address_state", "address_line_1", "address_line_2", "address_country", "address_postal_code",
	"redemptions_total_redeemed", "redemptions_total_failed", "redemptions_total_succeeded",
	"redemptions_total_rolled_back", "redemptions_total_rollback_failed", "redemptions_total_rollback_succeeded",
	"orders_total_amount", "orders_total_count", "orders_average_amount", "orders_last_order_amount",
	"orders_last_order_date", "loyalty_points", "loyalty_referred_customers", "updated_at", "phone", "birthday",
	"metadata", "birthdate"}

// defaultCustomerFields: "If you only specify the object type … customer:
// name, source_id".
var defaultCustomerFields = []string{"name", "source_id"}

// customerExportOrders is ExportCustomerOrder.
var customerExportOrders = []string{"-name", "name", "-id", "id", "-email", "email", "-source_id", "source_id",
	"-created_at", "created_at", "-updated_at", "updated_at"}

// exportedObjects is the documented invalid_payload example's list;
// otherObjects are the kinds the description adds. Only customer exports
// are emulated.
const exportedObjects = "voucher, redemption, customer, publication, order, points_expiration"

var otherObjects = []string{"voucher", "redemption", "publication", "order", "points_expiration", "voucher_transactions", "product", "sku"}

type export struct {
	id        string
	createdAt time.Time
	status    string
	order     string
	fields    []string
	filters   json.RawMessage // as given, echoed in parameters
	filter    *exportFilter
	polls     int
	fail      bool
	token     string
	file      []byte
}

// Wire types: ExportCustomerScheduled / ExportCustomer.

type exportOut struct {
	ID             string           `json:"id"`
	Object         string           `json:"object"`
	CreatedAt      string           `json:"created_at"`
	Status         string           `json:"status"`
	Channel        string           `json:"channel"`
	ExportedObject string           `json:"exported_object"`
	Parameters     exportParamsOut  `json:"parameters"`
	Result         *exportResultOut `json:"result"`
	UserID         *string          `json:"user_id"` // null: the channel is API
}

type exportParamsOut struct {
	Order          string          `json:"order,omitempty"`
	Fields         []string        `json:"fields"`
	Filters        json.RawMessage `json:"filters"`
	ResponseFormat string          `json:"response_format"`
}

type exportResultOut struct {
	URL string `json:"url"`
}

type exportIn struct {
	ExportedObject *string `json:"exported_object"`
	Parameters     *struct {
		Order   *string         `json:"order"`
		Fields  []string        `json:"fields"`
		Filters json.RawMessage `json:"filters"`
	} `json:"parameters"`
}

func (s *Server) createExport(w http.ResponseWriter, r *http.Request, _ string) error {
	if _, err := parseParams(r.URL.Query()); err != nil {
		return err
	}
	var in exportIn
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&in); err != nil {
		return badPayload("Request body should be a JSON object: %v", err)
	}
	if in.ExportedObject == nil {
		return badPayload("Property .exported_object is required")
	}
	switch obj := *in.ExportedObject; {
	case obj == "customer":
	case slices.Contains(otherObjects, obj):
		return badPayload("Property .exported_object: only customer exports are emulated, not %s", obj)
	default:
		return badPayload("Property .exported_object should be equal to one of the allowed values [ %s ]", exportedObjects)
	}
	e := &export{fields: defaultCustomerFields, filters: json.RawMessage(`{"junction":"and"}`)}
	if p := in.Parameters; p != nil {
		if p.Order != nil {
			if !slices.Contains(customerExportOrders, *p.Order) {
				return badPayload("Property .parameters.order should be equal to one of the allowed values [ %s ]",
					strings.Join(customerExportOrders, ", "))
			}
			e.order = *p.Order
		}
		if len(p.Fields) > 0 {
			for _, f := range p.Fields {
				if !slices.Contains(customerFields, f) {
					// The documented invalid_export_fields example.
					return &apiError{status: http.StatusBadRequest, body: errorBody{Code: 400, Key: keyExportFields,
						Message: "Invalid Export", Details: "Unsupported field used. Allowed fields: " + strings.Join(customerFields, ", ")}}
				}
			}
			e.fields = slices.Clone(p.Fields)
		}
		if len(p.Filters) > 0 && string(p.Filters) != "null" {
			f, err := parseExportFilter(p.Filters)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			_ = json.Compact(&buf, p.Filters)
			e.filter, e.filters = f, buf.Bytes()
		}
	}
	s.exMu.Lock()
	for e.id == "" || s.exports[e.id] != nil {
		e.id = newID(s.exRng, "exp_")
	}
	e.createdAt, e.status = s.now().UTC().Truncate(time.Millisecond), statusScheduled
	if s.failN > 0 {
		s.failN--
		e.fail = true
	}
	s.exports[e.id] = e
	s.exOrder = append(s.exOrder, e)
	out := s.exportWire(r, e)
	s.exMu.Unlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getExport answers the export and moves it along its lifecycle.
func (s *Server) getExport(w http.ResponseWriter, r *http.Request, id string) error {
	if _, err := parseParams(r.URL.Query()); err != nil {
		return err
	}
	s.exMu.Lock()
	e := s.exports[id]
	if e == nil {
		s.exMu.Unlock()
		return notFound("export", id)
	}
	if e.status == statusScheduled || e.status == statusInProgress {
		e.polls++
		switch {
		case e.polls <= s.opts.ExportPolls:
			e.status = statusInProgress
		case e.fail:
			e.status = statusError
		default:
			e.file, e.token = s.renderExport(e), newToken()
			e.status = statusDone
		}
	}
	out := s.exportWire(r, e)
	s.exMu.Unlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}

// exportOrders is ParameterOrderListExports.
var exportOrders = []string{"created_at", "-created_at", "status", "-status"}

type exportListOut struct {
	Object  string      `json:"object"`
	DataRef string      `json:"data_ref"`
	Exports []exportOut `json:"exports"`
	Total   int         `json:"total"`
}

func (s *Server) listExports(w http.ResponseWriter, r *http.Request, _ string) error {
	p, err := parseParams(r.URL.Query(), "limit", "page", "order")
	if err != nil {
		return err
	}
	limit, err := p.integer("limit", defaultLimit, 1, maxLimit)
	if err != nil {
		return err
	}
	page, err := p.integer("page", 1, 1, 100) // ParameterPage: 1–100
	if err != nil {
		return err
	}
	order, err := p.enum("order", "-created_at", exportOrders...)
	if err != nil {
		return err
	}
	s.exMu.Lock()
	l := slices.Clone(s.exOrder)
	field, desc := strings.CutPrefix(order, "-")
	slices.SortStableFunc(l, func(a, b *export) int {
		r := a.createdAt.Compare(b.createdAt)
		if field == "status" {
			r = strings.Compare(a.status, b.status)
		}
		if desc {
			r = -r
		}
		return r
	})
	out := exportListOut{Object: "list", DataRef: "exports", Exports: []exportOut{}, Total: len(l)}
	for i := (page - 1) * limit; i < len(l) && len(out.Exports) < limit; i++ {
		out.Exports = append(out.Exports, s.exportWire(r, l[i]))
	}
	s.exMu.Unlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteExport(w http.ResponseWriter, r *http.Request, id string) error {
	if _, err := parseParams(r.URL.Query()); err != nil {
		return err
	}
	s.exMu.Lock()
	defer s.exMu.Unlock()
	e := s.exports[id]
	if e == nil {
		return notFound("export", id)
	}
	delete(s.exports, id)
	s.exOrder = slices.DeleteFunc(s.exOrder, func(x *export) bool { return x == e })
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// download serves the export's file. The document gives its answer as
// text/plain (Download Export, 200); the file is UTF-8 CSV (csv.go). An
// export without a file yet (or one that failed) is not found.
func (s *Server) download(w http.ResponseWriter, r *http.Request, id string) error {
	if _, err := parseParams(r.URL.Query(), "token"); err != nil {
		return err
	}
	s.exMu.Lock()
	e := s.exports[id]
	var file []byte
	if e != nil {
		file = e.file
	}
	s.exMu.Unlock()
	if e == nil {
		return notFound("export", id)
	}
	if file == nil {
		nf := notFound("export", id)
		nf.body.Details = "Export " + id + " has no file (status " + e.status + ")"
		return nf
	}
	s.nDownloads.Add(1)
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+id+`.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(file)
	return nil
}

// downloadToken reports whether token is the one of export id's file.
func (s *Server) downloadToken(id, token string) bool {
	s.exMu.Lock()
	defer s.exMu.Unlock()
	e := s.exports[id]
	return e != nil && e.token != "" && equal(token, e.token)
}

// exportWire renders e; result.url points at the download host. Callers
// hold exMu.
func (s *Server) exportWire(r *http.Request, e *export) exportOut {
	o := exportOut{ID: e.id, Object: "export", CreatedAt: stamp(e.createdAt), Status: e.status, Channel: "API",
		ExportedObject: "customer",
		Parameters:     exportParamsOut{Order: e.order, Fields: e.fields, Filters: e.filters, ResponseFormat: "CSV"}}
	if e.status == statusDone {
		o.Result = &exportResultOut{URL: s.downloadBase(r) + "/v1/exports/" + e.id + "?token=" + e.token}
	}
	return o
}

func (s *Server) downloadBase(r *http.Request) string {
	if s.opts.DownloadURL != "" {
		return s.opts.DownloadURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + downloadPrefix
}

func newToken() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
