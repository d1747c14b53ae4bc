package sandbox

import (
	"errors"
	"net/http"
	"strconv"
)

// Fidelity options: where the official document is silent, the sandbox
// answers as recorded answers of the real API do
// (shared/guide/bigcommerce-facts.md (h): responses recorded in 2023 in the
// fixtures of johnhebron/bigcommerce-api-v3) and, where nothing was
// recorded, the way that is harder for a client. Each choice is an option
// whose zero value is that behaviour; the other value is what the sandbox
// did before, so tests written against it can still ask for it.

// ErrorKeys values.
const (
	// ErrorKeysRecorded (the default): error bodies as recorded. Item
	// errors are keyed by index without brackets ("0.email",
	// "3.addresses.1.state_or_province"); a duplicate email on POST
	// /customers fails the batch with one `.customer_create` error naming
	// the email and no index; PUT /customers answers "invalid customer ID"
	// for an unknown id and `{"id": "error.path.missing"}` for an item
	// without one; an unknown filter or a non-integer in an id list is
	// named only in the title, with `errors` empty.
	ErrorKeysRecorded = "recorded"
	// ErrorKeysBracketed: the sandbox's earlier bodies. Keys "[0].email",
	// "[0].addresses[1].state_or_province"; a duplicate email is an error
	// on each item that has one; every bad query parameter is named in
	// `errors`.
	ErrorKeysBracketed = "bracketed"
)

// Shapes values.
const (
	// ShapesRecorded (the default): customer objects carry
	// `channel_ids: null` for a customer of all channels and
	// `store_credit_amounts` always, `[{"amount": 0}]` when there is no
	// credit (retrieve/with_params_200.json, bulk_create/201.json);
	// `meta.pagination` has no `links`.
	ShapesRecorded = "recorded"
	// ShapesDocumented: the sandbox's earlier reading of the document:
	// channel_ids omitted for a customer of all channels,
	// store_credit_amounts only with include=storecredit (and on write
	// answers), `[]` when there is none; pagination links sent.
	ShapesDocumented = "documented"
)

// DateBounds values.
const (
	// DateBoundsExclusive (the default): `:min` and `:max` of every date
	// filter are exclusive ("created after this date", "before this
	// date"), and a date-only `:max` gets the current time of day.
	DateBoundsExclusive = "exclusive"
	// DateBoundsInclusive: the sandbox's earlier reading: both bounds
	// inclusive, a date-only `:max` is midnight at the start of that day.
	DateBoundsInclusive = "inclusive"
)

// DefaultMaxURLBytes is the request URI length above which a request is
// refused with 414 when Options.MaxURLBytes is 0.
const DefaultMaxURLBytes = 8192

// checkFidelity validates the fidelity options and fills in defaults.
func checkFidelity(o *Options) error {
	pick := func(v *string, name string, def, other string) error {
		switch *v {
		case "":
			*v = def
		case def, other:
		default:
			return errors.New("sandbox: " + name + " must be " + strconv.Quote(def) + " or " + strconv.Quote(other) + ", got " + strconv.Quote(*v))
		}
		return nil
	}
	if err := pick(&o.ErrorKeys, "ErrorKeys", ErrorKeysRecorded, ErrorKeysBracketed); err != nil {
		return err
	}
	if err := pick(&o.Shapes, "Shapes", ShapesRecorded, ShapesDocumented); err != nil {
		return err
	}
	if err := pick(&o.DateBounds, "DateBounds", DateBoundsExclusive, DateBoundsInclusive); err != nil {
		return err
	}
	if o.MaxURLBytes == 0 {
		o.MaxURLBytes = DefaultMaxURLBytes
	}
	return nil
}

func (s *Server) recordedErrors() bool { return s.opts.ErrorKeys == ErrorKeysRecorded }
func (s *Server) recordedShapes() bool { return s.opts.Shapes == ShapesRecorded }

// uriTooLong refuses a request whose URI is longer than MaxURLBytes with
// 414, before anything else: a gateway in front of the API refuses it, so
// it is not authenticated, counted against the quota or given rate-limit
// headers, and the answer is the gateway's HTML page, not JSON.
//
// Choice (the document gives no URL limit, bigcommerce-facts.md (e)): 8 KB
// of request URI, a common gateway default (nginx
// large_client_header_buffers 8k, Apache LimitRequestLine 8190), so a
// client must split id:in, email:in and other lists by bytes, not by count.
// Evidence: none; stricter on purpose.
func (s *Server) uriTooLong(w http.ResponseWriter, r *http.Request) bool {
	n := len(r.RequestURI)
	if n == 0 { // a request built in-process, not read from the wire
		n = len(r.URL.RequestURI())
	}
	if s.opts.MaxURLBytes < 0 || n <= s.opts.MaxURLBytes {
		return false
	}
	s.nURITooLong.Add(1)
	body := "<html><head><title>414 Request-URI Too Large</title></head><body><h1>414 Request-URI Too Large</h1></body></html>\n"
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusRequestURITooLong)
	_, _ = w.Write([]byte(body))
	return true
}
