package bigcommerce

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// SubscribersService handles /customers/subscribers (subscribers.v3.yml):
// newsletter subscribers, the store's record of email-marketing consent.
// A subscriber is not always a customer, and is not deleted with one.
type SubscribersService service

const pathSubscribers = "customers/subscribers"

// Subscriber sources (subscriber_Base.source: "Values are: storefront,
// order, or custom").
const (
	SubscriberSourceStorefront = "storefront"
	SubscriberSourceOrder      = "order"
	SubscriberSourceCustom     = "custom"
)

// Subscriber consents (subscriber_Full.consents): an empty list means
// "the user has unsubscribed or didn't enable the newsletter subscription
// checkbox".
const (
	ConsentMarketingNewsletter = "marketing_newsletter"
	ConsentAbandonedCart       = "abandoned_cart"
)

// Subscriber is subscriber_Full. Its dates are read-only: a subscriber
// written to another store gets that store's.
type Subscriber struct {
	ID           int64      `json:"id"`
	Email        string     `json:"email"`
	FirstName    string     `json:"first_name"`
	LastName     string     `json:"last_name"`
	Source       string     `json:"source"`
	OrderID      *int64     `json:"order_id"`
	ChannelID    int64      `json:"channel_id,omitempty"`
	Consents     []string   `json:"consents"`
	DateCreated  *time.Time `json:"date_created,omitempty"`
	DateModified *time.Time `json:"date_modified,omitempty"`
}

// SubscriberCreate is subscriber_Post: Email is required and unique in the
// store (a second one is 409). A subscriber created without Consents has
// none, so send them.
type SubscriberCreate struct {
	Email     string   `json:"email"`
	FirstName string   `json:"first_name,omitempty"`
	LastName  string   `json:"last_name,omitempty"`
	Source    string   `json:"source,omitempty"`
	OrderID   *int64   `json:"order_id,omitempty"`
	ChannelID int64    `json:"channel_id,omitempty"`
	Consents  []string `json:"consents,omitempty"`
}

// SubscriberUpdate is subscriber_Put: only the fields set are sent;
// Consents set to a pointer to an empty list removes every consent.
type SubscriberUpdate struct {
	Email     string    `json:"email,omitempty"`
	FirstName *string   `json:"first_name,omitempty"`
	LastName  *string   `json:"last_name,omitempty"`
	Source    string    `json:"source,omitempty"`
	OrderID   *int64    `json:"order_id,omitempty"`
	ChannelID int64     `json:"channel_id,omitempty"`
	Consents  *[]string `json:"consents,omitempty"`
}

// SubscriberListOptions filters GET /customers/subscribers. Email is an
// exact match (one subscriber at most: emails are unique).
type SubscriberListOptions struct {
	ListOptions
	Email        string
	IDIn         []int64
	Source       string
	DateModified DateRange
	DateCreated  DateRange
}

func (o *SubscriberListOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	o.ListOptions.add(v)
	if o.Email != "" {
		v.Set("email", o.Email)
	}
	if o.Source != "" {
		v.Set("source", o.Source)
	}
	setInts(v, "id:in", o.IDIn)
	o.DateCreated.add(v, "date_created")
	o.DateModified.add(v, "date_modified")
	return v
}

// List returns one page of subscribers.
func (s *SubscribersService) List(ctx context.Context, opts *SubscriberListOptions) ([]Subscriber, *Response, error) {
	return list[Subscriber](ctx, s.client, pathSubscribers, opts.values())
}

// Pages walks every page matching opts (MaxPageSize each unless opts say
// otherwise).
func (s *SubscribersService) Pages(ctx context.Context, opts SubscriberListOptions) iter.Seq2[[]Subscriber, error] {
	if opts.Limit == 0 {
		opts.Limit = MaxPageSize
	}
	return allPages(ctx, opts.ListOptions, func(ctx context.Context, lo ListOptions) ([]Subscriber, *Response, error) {
		o := opts
		o.ListOptions = lo
		return s.List(ctx, &o)
	})
}

// All iterates over every subscriber matching opts.
func (s *SubscribersService) All(ctx context.Context, opts SubscriberListOptions) iter.Seq2[Subscriber, error] {
	return flatten(s.Pages(ctx, opts))
}

// Create creates one subscriber. A transport failure or a 5xx yields an
// OutcomeUnknownError: look the email up before sending again (a second
// POST of an email the store has is a 409).
func (s *SubscribersService) Create(ctx context.Context, sub SubscriberCreate) (Subscriber, *Response, error) {
	return one[Subscriber](ctx, s.client, http.MethodPost, pathSubscribers, sub)
}

// Update changes the fields set of subscriber id.
func (s *SubscribersService) Update(ctx context.Context, id int64, sub SubscriberUpdate) (Subscriber, *Response, error) {
	return one[Subscriber](ctx, s.client, http.MethodPut, pathSubscribers+"/"+strconv.FormatInt(id, 10), sub)
}
