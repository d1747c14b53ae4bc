package bigcommerce

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MetafieldsService handles the customer metafield batch endpoints,
// /customers/metafields (customers.v3.yml "Metafields Batch"): every
// customer's metafields in full pages, and writes of several customers'
// metafields in one request. Apps keep per-customer data there, unique per
// customer on (namespace, key) for the app that owns it.
//
// A batch write succeeds item by item: the document's answer to a batch
// with failed items is 422 with the written ones in data and one Error per
// failed item ("partial success"). Create and Update return that as a
// *MetafieldBatchError, the written metafields in the result as for a
// 200.
type MetafieldsService service

const pathMetafields = "customers/metafields"

// Metafield permission sets (metafield_Base.permission_set).
const (
	PermissionAppOnly          = "app_only"
	PermissionRead             = "read"
	PermissionWrite            = "write"
	PermissionReadAndSFAccess  = "read_and_sf_access"
	PermissionWriteAndSFAccess = "write_and_sf_access"
)

// Metafield is the document's Metafield: a customer's when ResourceType is
// customer, ResourceID the customer's id.
type Metafield struct {
	ID            int64      `json:"id"`
	Key           string     `json:"key"`
	Value         string     `json:"value"`
	Namespace     string     `json:"namespace"`
	PermissionSet string     `json:"permission_set"`
	ResourceType  string     `json:"resource_type"`
	ResourceID    int64      `json:"resource_id"`
	Description   string     `json:"description"`
	DateCreated   *time.Time `json:"date_created,omitempty"`
	DateModified  *time.Time `json:"date_modified,omitempty"`
	OwnerClientID string     `json:"owner_client_id,omitempty"`
}

// MetafieldCreate is an item of the batch POST: MetafieldBase_Post and the
// customer's id. Namespace and key 1–64 characters, value 1–65535,
// description at most 255.
type MetafieldCreate struct {
	ResourceID    int64  `json:"resource_id"`
	Namespace     string `json:"namespace"`
	Key           string `json:"key"`
	Value         string `json:"value"`
	PermissionSet string `json:"permission_set"`
	Description   string `json:"description,omitempty"`
}

// MetafieldUpdate is an item of the batch PUT: MetafieldBase_Put and the
// metafield's id; only the fields set are sent (Description a pointer, so
// it can be blanked).
type MetafieldUpdate struct {
	ID            int64   `json:"id"`
	Namespace     string  `json:"namespace,omitempty"`
	Key           string  `json:"key,omitempty"`
	Value         string  `json:"value,omitempty"`
	PermissionSet string  `json:"permission_set,omitempty"`
	Description   *string `json:"description,omitempty"`
}

// MaxMetafieldsPerCall bounds a batch write. The document gives no number;
// 10, as for the other batch writes (and the sandbox).
const MaxMetafieldsPerCall = 10

// MaxMetafieldsPerCustomer is metafield_Base's "the max number of
// metafields allowed on each is 50".
const MaxMetafieldsPerCustomer = 50

// MetafieldListOptions filters GET /customers/metafields. The walk
// (Pages, All) goes by cursor when the API offers one.
type MetafieldListOptions struct {
	ListOptions
	Key          string
	KeyIn        []string
	Namespace    string
	NamespaceIn  []string
	DateCreated  DateRange
	DateModified DateRange
	Direction    string // asc (default) or desc
}

func (o *MetafieldListOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	o.ListOptions.add(v)
	if o.Key != "" {
		v.Set("key", o.Key)
	}
	if o.Namespace != "" {
		v.Set("namespace", o.Namespace)
	}
	setStrings(v, "key:in", o.KeyIn)
	setStrings(v, "namespace:in", o.NamespaceIn)
	o.DateCreated.add(v, "date_created")
	o.DateModified.add(v, "date_modified")
	if o.Direction != "" {
		v.Set("direction", o.Direction)
	}
	return v
}

// List returns one page of every customer's metafields.
func (s *MetafieldsService) List(ctx context.Context, opts *MetafieldListOptions) ([]Metafield, *Response, error) {
	return list[Metafield](ctx, s.client, pathMetafields, opts.values())
}

// Pages walks every page matching opts, MaxPageSize each unless opts say
// otherwise.
func (s *MetafieldsService) Pages(ctx context.Context, opts MetafieldListOptions) iter.Seq2[[]Metafield, error] {
	if opts.Limit == 0 {
		opts.Limit = MaxPageSize
	}
	return allPages(ctx, opts.ListOptions, func(ctx context.Context, lo ListOptions) ([]Metafield, *Response, error) {
		o := opts
		o.ListOptions = lo
		return s.List(ctx, &o)
	})
}

// All iterates over every metafield matching opts.
func (s *MetafieldsService) All(ctx context.Context, opts MetafieldListOptions) iter.Seq2[Metafield, error] {
	return flatten(s.Pages(ctx, opts))
}

// OfCustomer returns the metafields of one customer visible to this
// client: GET /customers/{customerId}/metafields, at most
// MaxMetafieldsPerCustomer, so one page of MaxPageSize holds them all.
func (s *MetafieldsService) OfCustomer(ctx context.Context, customerID int64) ([]Metafield, error) {
	v := url.Values{}
	v.Set("limit", strconv.Itoa(MaxPageSize))
	out, _, err := list[Metafield](ctx, s.client, "customers/"+strconv.FormatInt(customerID, 10)+"/metafields", v)
	return out, err
}

// Create creates up to MaxMetafieldsPerCall metafields of any customers.
// It returns the metafields written; when some items failed, the error is
// a *MetafieldBatchError naming them, and the others were written. A
// transport failure or a 5xx is an OutcomeUnknownError: look the
// (customer, namespace, key) up before sending again.
func (s *MetafieldsService) Create(ctx context.Context, items []MetafieldCreate) ([]Metafield, *Response, error) {
	return metaWrite(ctx, s.client, http.MethodPost, items)
}

// Update updates up to MaxMetafieldsPerCall metafields by id, item by item
// as Create does.
func (s *MetafieldsService) Update(ctx context.Context, items []MetafieldUpdate) ([]Metafield, *Response, error) {
	return metaWrite(ctx, s.client, http.MethodPut, items)
}

func metaWrite[T any](ctx context.Context, c *Client, method string, items []T) ([]Metafield, *Response, error) {
	out, resp, err := write[Metafield](ctx, c, method, pathMetafields, items, len(items), MaxMetafieldsPerCall)
	var er *ErrorResponse
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnprocessableEntity || !errors.As(err, &er) {
		return out, resp, err
	}
	var partial struct {
		Data   []Metafield `json:"data"`
		Errors []struct {
			Status int               `json:"status"`
			Title  string            `json:"title"`
			Errors map[string]string `json:"errors"`
		} `json:"errors"`
	}
	if unmarshal(resp.body, &partial) != nil || len(partial.Errors) == 0 {
		return nil, resp, err // not the partial-success shape: an ordinary 422
	}
	be := &MetafieldBatchError{Endpoint: er.Endpoint, Written: len(partial.Data)}
	for _, e := range partial.Errors {
		ie := MetafieldItemError{Index: -1, Status: e.Status, Title: c.Redact(e.Title), Errors: map[string]string{}}
		for k, v := range e.Errors {
			ie.Errors[c.Redact(k)] = c.Redact(v)
			if i, ok := itemIndex(k); ok && ie.Index < 0 {
				ie.Index = i
			}
		}
		be.Failed = append(be.Failed, ie)
	}
	return partial.Data, resp, be
}

// itemIndex reads the item index an error key starts with: "3.key" (the
// recorded style) or "[3].key".
func itemIndex(k string) (int, bool) {
	k = strings.TrimPrefix(k, "[")
	end := strings.IndexFunc(k, func(r rune) bool { return r < '0' || r > '9' })
	if end == 0 || (end > 0 && k[end] != '.' && k[end] != ']') {
		return 0, false
	}
	if end < 0 {
		end = len(k)
	}
	i, err := strconv.Atoi(k[:end])
	return i, err == nil
}

// MetafieldBatchError is a batch write of which some items failed while
// the others (Written of them) were written.
type MetafieldBatchError struct {
	Endpoint string
	Written  int
	Failed   []MetafieldItemError
}

// MetafieldItemError is one failed item: Index is its position in the
// batch when the error keys tell it (-1 otherwise); Status 409 is a
// metafield of the same namespace and key the customer already has.
type MetafieldItemError struct {
	Index  int
	Status int
	Title  string
	Errors map[string]string
}

func (e MetafieldItemError) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.Status, e.Title)
	for _, k := range slices.Sorted(maps.Keys(e.Errors)) {
		fmt.Fprintf(&b, "; %s: %s", k, e.Errors[k])
	}
	return b.String()
}

func (e *MetafieldBatchError) Error() string {
	parts := make([]string, len(e.Failed))
	for i, f := range e.Failed {
		parts[i] = f.String()
	}
	return fmt.Sprintf("%s: 422: %d items failed, %d written: %s", e.Endpoint, len(e.Failed), e.Written, strings.Join(parts, " | "))
}
