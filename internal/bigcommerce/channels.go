package bigcommerce

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// ChannelsService handles /channels (channels.v3.yml): the sales channels
// a customer's channel_ids and origin_channel_id name. Channel 1 is the
// default storefront of every store; the other ids are the store's own.
type ChannelsService service

const pathChannels = "channels"

// Channel is ChannelWithoutCurrencies.
type Channel struct {
	ID               int64      `json:"id"`
	ExternalID       string     `json:"external_id,omitempty"`
	IsListableFromUI bool       `json:"is_listable_from_ui"`
	IsEnabled        bool       `json:"is_enabled"`
	IsVisible        bool       `json:"is_visible"`
	Status           string     `json:"status"`
	Name             string     `json:"name"`
	Type             string     `json:"type"`     // storefront, marketplace, marketing, pos
	Platform         string     `json:"platform"` // bigcommerce, amazon, …
	DateCreated      *time.Time `json:"date_created,omitempty"`
	DateModified     *time.Time `json:"date_modified,omitempty"`
	IconURL          string     `json:"icon_url,omitempty"`
}

// Available reports whether customers can be assigned to the channel:
// the statuses the document's available=true selects ("prelaunch, active,
// inactive, and connected").
func (ch Channel) Available() bool {
	switch ch.Status {
	case "prelaunch", "active", "inactive", "connected":
		return true
	}
	return false
}

// ChannelListOptions filters GET /channels.
type ChannelListOptions struct {
	ListOptions
	Available  *bool
	StatusIn   []string
	TypeIn     []string
	PlatformIn []string
}

func (o *ChannelListOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	o.ListOptions.add(v)
	if o.Available != nil {
		v.Set("available", strconv.FormatBool(*o.Available))
	}
	setStrings(v, "status:in", o.StatusIn)
	setStrings(v, "type:in", o.TypeIn)
	setStrings(v, "platform:in", o.PlatformIn)
	return v
}

// List returns one page of channels.
func (s *ChannelsService) List(ctx context.Context, opts *ChannelListOptions) ([]Channel, *Response, error) {
	return list[Channel](ctx, s.client, pathChannels, opts.values())
}

// All iterates over every channel matching opts.
func (s *ChannelsService) All(ctx context.Context, opts ChannelListOptions) iter.Seq2[Channel, error] {
	if opts.Limit == 0 {
		opts.Limit = MaxPageSize
	}
	return flatten(allPages(ctx, opts.ListOptions, func(ctx context.Context, lo ListOptions) ([]Channel, *Response, error) {
		o := opts
		o.ListOptions = lo
		return s.List(ctx, &o)
	}))
}
