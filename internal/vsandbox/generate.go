package vsandbox

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// GenOptions configure Generate.
type GenOptions struct {
	Customers int
	Seed      int64
	// BurstShare is the fraction of customers created in bursts that share
	// one created_at to the millisecond, as a bulk import creates them; 0
	// means DefaultBurstShare, < 0 none.
	BurstShare float64
	// MaxBurst is the size of the largest burst; 0 means DefaultMaxBurst,
	// more than a page of 100, so that starting_after alone cannot get
	// past it. When the bursts' share holds that many customers, one burst
	// has exactly MaxBurst.
	MaxBurst int
	// From and To bound created_at; zero means 2022-01-01 and 2025-12-31.
	From, To time.Time
}

// Generate defaults.
const (
	DefaultBurstShare = 0.2
	DefaultMaxBurst   = 150
)

// Generate adds o.Customers deterministic customers (same options, same
// data, ids included) with the mess a real project accumulates:
//   - names in several scripts, sometimes one word, odd spacing or case, or
//     none; emails mostly valid, some invalid (no domain, spaces), some
//     missing, some shared by two customers (in another case), some with
//     stray spaces; source_id the email, a CRM id, or none;
//   - addresses in ten countries, spelt as people type them ("US", "USA",
//     "Deutschland", "Polska", "日本", and one that does not exist), some
//     partial, many null; phones in several formats; birthdates, a few only
//     in the deprecated birthday;
//   - metadata of every JSON type: strings, numbers, booleans, arrays,
//     nested objects, null, numeric strings with leading zeros;
//   - descriptions with commas, quotes, line breaks and leading spaces;
//   - bursts of customers sharing one created_at to the millisecond (see
//     GenOptions) and clusters sharing one second; updated_at after
//     created_at on about two thirds, absent on the others (never updated).
func (s *Server) Generate(o GenOptions) error {
	if o.Customers < 0 {
		return errors.New("vsandbox: Customers must be >= 0")
	}
	if o.BurstShare == 0 {
		o.BurstShare = DefaultBurstShare
	}
	if o.MaxBurst == 0 {
		o.MaxBurst = DefaultMaxBurst
	}
	if o.MaxBurst < 2 && o.BurstShare > 0 || o.BurstShare > 1 {
		return errors.New("vsandbox: MaxBurst must be >= 2 and BurstShare <= 1")
	}
	if o.From.IsZero() {
		o.From = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.To.IsZero() {
		o.To = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	if !o.To.After(o.From) {
		return errors.New("vsandbox: To must be after From")
	}
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 0x766f7563686572))
	created := createdTimes(rng, o)
	g := &generator{rng: rng, to: o.To, seenEmail: map[string]bool{}}

	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	for i, t := range created {
		c := g.customer(i, t)
		for s.st.byID[c.ID] != nil {
			c.ID = newID(rng, "cust_")
		}
		if c.SourceID != "" && s.st.bySource[c.SourceID] != nil {
			c.SourceID = ""
		}
		if err := s.st.insert(c); err != nil {
			return err
		}
	}
	return nil
}

// createdTimes draws the created_at of n customers: bursts first (one of
// MaxBurst when the share allows, then sizes skewed small), the rest
// single, 5% of those in the same second as another with other
// milliseconds.
func createdTimes(rng *rand.Rand, o GenOptions) []time.Time {
	span := o.To.Sub(o.From).Milliseconds()
	at := func() time.Time { return o.From.Add(time.Duration(rng.Int64N(span)) * time.Millisecond) }
	out := make([]time.Time, 0, o.Customers)
	budget := 0
	if o.BurstShare > 0 {
		budget = int(math.Round(float64(o.Customers) * o.BurstShare))
	}
	first := true
	for budget >= 2 {
		k := o.MaxBurst
		if !first || budget < k {
			k = 2 + int(math.Pow(rng.Float64(), 3)*float64(o.MaxBurst-1))
		}
		first = false
		k = min(k, budget)
		t := at()
		for range k {
			out = append(out, t)
		}
		budget -= k
	}
	for len(out) < o.Customers {
		t := at()
		if len(out) > 0 && rng.IntN(20) == 0 {
			prev := out[len(out)-1].Truncate(time.Second)
			t = prev.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
		}
		out = append(out, t)
	}
	// Customers are created in an order unrelated to their times.
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

type generator struct {
	rng       *rand.Rand
	to        time.Time
	seenEmail map[string]bool
	emails    []string
	crm       int
}

func (g *generator) pct(p int) bool { return g.rng.IntN(100) < p }

func (g *generator) pick(l []string) string { return l[g.rng.IntN(len(l))] }

func (g *generator) customer(i int, created time.Time) *Customer {
	rng := g.rng
	first, fr, _ := strings.Cut(g.pick(firstNames), "|")
	last, lr, _ := strings.Cut(g.pick(lastNames), "|")
	c := &Customer{ID: newID(rng, "cust_"), CreatedAt: created}

	switch r := rng.IntN(100); {
	case r < 2: // no name
	case r < 5:
		c.Name = first
	case r < 7:
		c.Name = "  " + first + "   " + last + " "
	case r < 8:
		c.Name = strings.ToUpper(first + " " + last)
	default:
		c.Name = first + " " + last
	}

	num := strconv.Itoa(i + 1)
	email := fr + "." + lr + num + "@" + g.pick(domains)
	switch r := rng.IntN(100); {
	case r < 2:
		email = ""
	case r < 4:
		email = g.pick([]string{fr + "." + lr + num + "@", fr + "." + lr + num + ".example.com", fr + " " + lr + num + "@example.com", "@example.com"})
	case r < 6 && len(g.emails) > 0:
		email = g.emails[rng.IntN(len(g.emails))] // another customer's
		if rng.IntN(2) == 0 {
			email = strings.ToUpper(email[:1]) + email[1:]
		}
	case r < 9:
		email = strings.ToUpper(fr[:1]) + fr[1:] + "." + lr + num + "@" + strings.ToUpper(g.pick(domains))
	case r < 10:
		email = " " + email + " "
	}
	c.Email = email
	if email != "" && strings.Contains(email, "@") {
		g.emails = append(g.emails, strings.TrimSpace(email))
	}

	switch r := rng.IntN(100); {
	case r < 55 && email != "" && !g.seenEmail[email]:
		c.SourceID = email
	case r < 85:
		g.crm++
		c.SourceID = "crm-" + pad(g.crm, 6)
	}
	if c.SourceID != "" {
		g.seenEmail[c.SourceID] = true
	}

	if g.pct(15) {
		c.Description = g.pick(descriptions)
	}
	if g.pct(60) {
		c.Phone = g.pick(phones) + pad(rng.IntN(10000), 4)
	}
	bd := time.Date(1940+rng.IntN(65), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	switch r := rng.IntN(100); {
	case r < 5:
		c.Birthday = bd
	case r < 7:
		c.Birthday, c.Birthdate = bd, bd
	case r < 57:
		c.Birthdate = bd
	}
	c.Address = g.address()
	c.Metadata = g.metadata()

	if g.pct(65) {
		c.UpdatedAt = created.Add(time.Duration(rng.Int64N(g.to.Sub(created).Milliseconds()+1)) * time.Millisecond)
	}
	if g.pct(60) {
		c.OrdersCount = 1 + rng.IntN(30)
		c.OrdersAmount = c.OrdersCount * (500 + rng.IntN(20000))
		c.LastOrderAmount = c.OrdersAmount / c.OrdersCount
		c.LastOrderDate = created.Add(time.Duration(rng.Int64N(g.to.Sub(created).Milliseconds()+1)) * time.Millisecond)
	}
	c.Redeemed = rng.IntN(20)
	c.RedeemFailed = rng.IntN(c.Redeemed + 1)
	c.RolledBack = rng.IntN(c.Redeemed - c.RedeemFailed + 1)
	if g.pct(40) {
		c.LoyaltyPoints = rng.IntN(5000)
		c.Referred = rng.IntN(4)
	}
	return c
}

func (g *generator) address() *Address {
	rng := g.rng
	r := rng.IntN(100)
	if r < 20 {
		return nil
	}
	total := 0
	for _, p := range places {
		total += p.weight
	}
	k := rng.IntN(total)
	p := places[0]
	for _, q := range places {
		if k < q.weight {
			p = q
			break
		}
		k -= q.weight
	}
	a := &Address{City: g.pick(p.cities), Country: g.pick(p.countries)}
	if r < 30 {
		return a // partial: city and country only
	}
	a.Line1 = strconv.Itoa(1+rng.IntN(9999)) + " " + g.pick(streets)
	if g.pct(30) {
		a.Line2 = g.pick([]string{"Apt 3", "APT 3 BLG 5", "Bld 2, Apt 4", "c/o \"Acme\""})
	}
	a.State = g.pick(p.states)
	a.PostalCode = p.postal(rng.IntN(1 << 30))
	return a
}

func (g *generator) metadata() map[string]any {
	rng := g.rng
	if g.pct(20) {
		return nil
	}
	m := map[string]any{}
	for _, k := range rng.Perm(len(metadataKeys))[:1+rng.IntN(5)] {
		switch key := metadataKeys[k]; key {
		case "lang":
			m[key] = g.pick([]string{"en", "de", "pl", "pt-BR"})
		case "test":
			m[key] = rng.IntN(2) == 0
		case "loyalty_tier":
			m[key] = g.pick([]string{"gold", "silver", "Bronze ", "platinum"})
		case "visits":
			m[key] = float64(rng.IntN(500))
		case "ltv":
			m[key] = float64(rng.IntN(1000000)) / 100
		case "tags":
			m[key] = []any{g.pick([]string{"vip", "b2b"}), g.pick([]string{"newsletter", "sms", "ünï"})}
		case "preferences":
			m[key] = map[string]any{"newsletter": rng.IntN(2) == 0, "channel": g.pick([]string{"email", "sms"})}
		case "signup_date":
			m[key] = time.Date(2015+rng.IntN(10), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		case "referrer":
			m[key] = nil
		case "note":
			m[key] = g.pick([]string{`He said "hi", then left`, "a,b;c", "<b>bold</b> & co"})
		case "crm_id":
			m[key] = pad(rng.IntN(100000), 7)
		}
	}
	return m
}
