package vsandbox

import (
	"time"
)

// Customer is a customer as the hooks read and write it. Empty strings are
// absent fields: the documents type every field as a non-nullable string,
// so the emulator omits what a customer lacks rather than sending null.
type Customer struct {
	ID          string // cust_…; assigned when empty
	SourceID    string
	Name        string
	Description string
	Email       string
	Phone       string
	Birthdate   string // YYYY-MM-DD
	Birthday    string // the deprecated field, still set on old profiles
	Address     *Address
	// Metadata values are what encoding/json decodes into any: string,
	// float64, bool, nil, []any, map[string]any.
	Metadata map[string]any
	// CreatedAt and UpdatedAt are kept to the millisecond, the API's
	// precision. A zero UpdatedAt is a customer never updated: the field is
	// then absent (it is not required in the document), so a client must
	// not rely on it.
	CreatedAt time.Time
	UpdatedAt time.Time

	// Summary and loyalty figures (generated; the export's redemptions_*,
	// orders_* and loyalty_* columns).
	Redeemed, RedeemFailed, RolledBack int
	OrdersAmount, OrdersCount          int // amounts in cents
	LastOrderAmount                    int
	LastOrderDate                      time.Time
	LoyaltyPoints, Referred            int
}

// Address is the customer's one address; empty fields are absent.
type Address struct {
	City, State, Line1, Line2, Country, PostalCode string
}

// Wire types: CustomerWithSummaryLoyaltyReferrals of customers.json.

type customerOut struct {
	ID             string         `json:"id"`
	SourceID       string         `json:"source_id,omitempty"`
	Name           string         `json:"name,omitempty"`
	Description    string         `json:"description,omitempty"`
	Email          string         `json:"email,omitempty"`
	Phone          string         `json:"phone,omitempty"`
	Birthday       string         `json:"birthday,omitempty"`
	Birthdate      string         `json:"birthdate,omitempty"`
	Address        *addressOut    `json:"address"` // nullable: null when there is none
	Summary        summaryOut     `json:"summary"`
	Loyalty        loyaltyOut     `json:"loyalty"`
	Referrals      referralsOut   `json:"referrals"`
	Metadata       map[string]any `json:"metadata"`
	SystemMetadata map[string]any `json:"system_metadata"`
	CreatedAt      string         `json:"created_at"`
	UpdatedAt      string         `json:"updated_at,omitempty"`
	Object         string         `json:"object"`
}

type addressOut struct {
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	Line1      string `json:"line_1,omitempty"`
	Line2      string `json:"line_2,omitempty"`
	Country    string `json:"country,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
}

type summaryOut struct {
	Redemptions redemptionsOut `json:"redemptions"`
	Orders      ordersOut      `json:"orders"`
}

type redemptionsOut struct {
	TotalRedeemed          int         `json:"total_redeemed"`
	TotalFailed            int         `json:"total_failed"`
	TotalSucceeded         int         `json:"total_succeeded"`
	TotalRolledBack        int         `json:"total_rolled_back"`
	TotalRollbackFailed    int         `json:"total_rollback_failed"`
	TotalRollbackSucceeded int         `json:"total_rollback_succeeded"`
	Gift                   giftOut     `json:"gift"`
	LoyaltyCard            loyaltyCard `json:"loyalty_card"`
}

type giftOut struct {
	RedeemedAmount int `json:"redeemed_amount"`
	AmountToGo     int `json:"amount_to_go"`
}

type loyaltyCard struct {
	RedeemedPoints int `json:"redeemed_points"`
	PointsToGo     int `json:"points_to_go"`
}

type ordersOut struct {
	TotalAmount     int    `json:"total_amount"`
	TotalCount      int    `json:"total_count"`
	AverageAmount   int    `json:"average_amount"`
	LastOrderAmount int    `json:"last_order_amount"`
	LastOrderDate   string `json:"last_order_date,omitempty"`
}

type loyaltyOut struct {
	Points            int                    `json:"points"`
	ReferredCustomers int                    `json:"referred_customers"`
	Campaigns         map[string]campaignOut `json:"campaigns"`
}

type campaignOut struct {
	Points            int `json:"points"`
	ReferredCustomers int `json:"referred_customers"`
}

type referralsOut struct {
	Total     int   `json:"total"`
	Campaigns []any `json:"campaigns"`
}

// stamp formats a time as the API does: UTC, milliseconds, "Z"
// ("2022-08-30T06:32:07.380Z").
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// wire renders c as the List and Get Customer answers carry it.
func (c *Customer) wire() customerOut {
	o := customerOut{
		ID: c.ID, SourceID: c.SourceID, Name: c.Name, Description: c.Description, Email: c.Email,
		Phone: c.Phone, Birthday: c.Birthday, Birthdate: c.Birthdate,
		Metadata: c.Metadata, SystemMetadata: map[string]any{},
		CreatedAt: stamp(c.CreatedAt), Object: "customer",
	}
	if o.Metadata == nil {
		o.Metadata = map[string]any{}
	}
	if !c.UpdatedAt.IsZero() {
		o.UpdatedAt = stamp(c.UpdatedAt)
	}
	if a := c.Address; a != nil {
		o.Address = &addressOut{City: a.City, State: a.State, Line1: a.Line1, Line2: a.Line2, Country: a.Country, PostalCode: a.PostalCode}
	}
	o.Summary.Redemptions = redemptionsOut{
		TotalRedeemed: c.Redeemed, TotalFailed: c.RedeemFailed, TotalSucceeded: c.Redeemed - c.RedeemFailed,
		TotalRolledBack: c.RolledBack, TotalRollbackSucceeded: c.RolledBack,
		LoyaltyCard: loyaltyCard{PointsToGo: c.LoyaltyPoints},
	}
	o.Summary.Orders = ordersOut{TotalAmount: c.OrdersAmount, TotalCount: c.OrdersCount, LastOrderAmount: c.LastOrderAmount}
	if c.OrdersCount > 0 {
		o.Summary.Orders.AverageAmount = c.OrdersAmount / c.OrdersCount
		o.Summary.Orders.LastOrderDate = stamp(c.LastOrderDate)
	}
	o.Loyalty = loyaltyOut{Points: c.LoyaltyPoints, ReferredCustomers: c.Referred, Campaigns: map[string]campaignOut{}}
	if c.LoyaltyPoints > 0 {
		o.Loyalty.Campaigns["Loyalty Program"] = campaignOut{Points: c.LoyaltyPoints, ReferredCustomers: c.Referred}
	}
	o.Referrals = referralsOut{Campaigns: []any{}}
	return o
}

// clone is a deep enough copy for the hooks: the address and the metadata
// map are copied, metadata values are shared (they are never modified in
// place by the emulator).
func (c *Customer) clone() *Customer {
	d := *c
	if c.Address != nil {
		a := *c.Address
		d.Address = &a
	}
	if c.Metadata != nil {
		d.Metadata = make(map[string]any, len(c.Metadata))
		for k, v := range c.Metadata {
			d.Metadata[k] = v
		}
	}
	return &d
}
