package sandbox

import (
	"net/http"
	"strings"
)

// /v3/channels (channels.v3.yml getChannels, getChannel). Read-only here:
// channels are part of the store's configuration (config.go), channel 1
// always. Filters: available, status:in, type:in, platform:in, the date
// filters, page and limit; include=currencies adds the currency
// assignment (choice: every channel sells in USD only). An unknown channel
// is 404 "Not found" (the document's example). Ids are the store's own:
// channel 1 is the default storefront in every store, the others differ
// between stores (the document's examples: 664179, 667159), so a
// customer's channel_ids cannot be copied from another store.

var (
	channelTypes    = []string{"storefront", "marketplace", "marketing", "pos"}
	channelStatuses = []string{"prelaunch", "active", "inactive", "connected", "disconnected", "archived", "deleted", "terminated"}
)

// channelAvailable: the statuses `available=true` selects ("prelaunch,
// active, inactive, and connected").
func channelAvailable(status string) bool {
	return oneOf(status, []string{"prelaunch", "active", "inactive", "connected"})
}

type currenciesOut struct {
	ChannelID         int64    `json:"channel_id"`
	EnabledCurrencies []string `json:"enabled_currencies"`
	DefaultCurrency   string   `json:"default_currency"`
}

type channelOut struct {
	ID               int64          `json:"id"`
	ExternalID       string         `json:"external_id"`
	IsListableFromUI bool           `json:"is_listable_from_ui"`
	IsEnabled        bool           `json:"is_enabled"`
	IsVisible        bool           `json:"is_visible"`
	Status           string         `json:"status"`
	Name             string         `json:"name"`
	Type             string         `json:"type"`
	Platform         string         `json:"platform"`
	DateCreated      string         `json:"date_created"`
	DateModified     string         `json:"date_modified"`
	IconURL          string         `json:"icon_url"`
	Currencies       *currenciesOut `json:"currencies,omitempty"`
}

func channelFull(c *channelRec, currencies bool) channelOut {
	o := channelOut{ID: c.ID, ExternalID: c.ExternalID, IsListableFromUI: c.Type != "marketing",
		IsEnabled: oneOf(c.Status, []string{"prelaunch", "active", "connected"}), IsVisible: true,
		Status: c.Status, Name: c.Name, Type: c.Type, Platform: c.Platform,
		DateCreated: formatTime(c.Created), DateModified: formatTime(c.Modified),
		IconURL: "https://storage.googleapis.com/bigcommerce-production-dev-center/images/" + c.Platform + "_icon.svg"}
	if currencies {
		o.Currencies = &currenciesOut{ChannelID: c.ID, EnabledCurrencies: []string{"USD"}, DefaultCurrency: "USD"}
	}
	return o
}

func (s *Server) getChannels(w http.ResponseWriter, r *http.Request) {
	q := s.parseQuery(r, "include", "available", "status:in", "type:in", "platform:in", "date_created", "date_created:min",
		"date_created:max", "date_modified", "date_modified:min", "date_modified:max", "limit", "page")
	inc := q.include("currencies")
	avail, hasAvail := q.boolParam("available")
	statuses := q.enumList("status:in", channelStatuses)
	types := q.enumList("type:in", channelTypes)
	platforms := q.strList("platform:in")
	dc, dm := q.dates("date_created"), q.dates("date_modified")
	p := q.pageParams(false)
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	var f filters[*channelRec]
	if hasAvail {
		f = append(f, func(c *channelRec) bool { return channelAvailable(c.Status) == avail })
	}
	keepIn(&f, statuses, func(c *channelRec) string { return c.Status })
	keepIn(&f, types, func(c *channelRec) string { return c.Type })
	keepFold(&f, platforms, func(c *channelRec) string { return c.Platform })
	keepWithin(&f, dc, func(c *channelRec) int64 { return c.Created })
	keepWithin(&f, dm, func(c *channelRec) int64 { return c.Modified })
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	writeOffsetPage(w, st.channels, f.all(), p, func(c *channelRec) channelOut { return channelFull(c, inc["currencies"]) })
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) {
	q := s.parseQuery(r, "include")
	inc := q.include("currencies")
	if err := q.err(); err != nil {
		fail(w, r, err)
		return
	}
	id, ok := parsePathID(r.PathValue("channel_id"))
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	var c *channelRec
	if ok {
		c = st.channel(id)
	}
	if c == nil {
		writeError(w, r, http.StatusNotFound, "Not found", nil)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Data channelOut `json:"data"`
		Meta struct{}   `json:"meta"`
	}{Data: channelFull(c, inc["currencies"])})
}

// enumList reads a comma-separated list whose values must be in allowed.
func (q *query) enumList(name string, allowed []string) []string {
	l := q.strList(name)
	for _, v := range l {
		if !oneOf(v, allowed) {
			q.errs[name] = "values must be among " + strings.Join(allowed, ", ")
			return nil
		}
	}
	return l
}
