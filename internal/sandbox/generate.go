package sandbox

import (
	"encoding/json"
	"math/rand/v2"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// Generate adds n deterministic, realistic customers (same n and seed, same
// data) to the store, as if they had been created through the storefront
// over the past years:
//   - names from several cultures and scripts (李, Müller, Ольга, O'Brien),
//     sometimes with stray spaces or odd case; unique emails, some in mixed
//     case;
//   - about 2 addresses per customer, about 1% with 11–14 (more than the 10
//     customer_Full embeds); about 5% of customers have a near-duplicate
//     address that differs only in case or spacing (the API compares the
//     uniqueness key exactly, so both are stored); states spelled out, with
//     odd case or spaces now and then; valid country codes;
//   - twelve attribute definitions (string, number, date), values on about
//     85% of customers, about 1% with 11–12 values;
//   - form field values on about 60% of customers (string, number with many
//     digits, array) and some addresses;
//   - date_created spread over five years before 2025-12-31, date_modified
//     between date_created and then;
//   - the store's configuration a store-to-store migration must translate
//     (generate_config.go): four customer groups with settings (Retail the
//     default; discount rules naming category and product ids), two
//     channels beside channel 1, custom sign-up and address fields (the
//     names of the form field values above); customers in the groups and
//     on various channels; metafields on about one customer in seven (some
//     of another app, app_only and so invisible); newsletter subscribers
//     for about 30% (a few unsubscribed) plus some who are not customers;
//     consent declarations for about 20%; store credit on about 10%,
//     exact decimals, some too large for a float64 to hold exactly;
//     state names from the geography list (geography.go).
//
// Everything generated is accepted by the sandbox's own validation. With a
// StatePath, the result is written as a snapshot (not journaled).
func (s *Server) Generate(n int, seed int64) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	// extras draws what was added later (generate_config.go), so the data
	// drawn from rng stays as it was.
	extras := rand.New(rand.NewPCG(uint64(seed), 0x5ec0dd5eed))
	// Generation allocates millions of small records that all stay live;
	// collecting less often while it runs roughly halves its time.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	st := s.st
	st.mu.Lock()
	journaling := st.journaling
	st.journaling = false

	// Attribute definitions, created once per store.
	anchor := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	const span = 5 * 365 * 86400
	var defs []*attrRec
	for _, d := range attrDefs {
		a := st.attrByNameFold(d.name)
		if a == nil && len(st.attrs) < maxAttributes {
			a = &attrRec{Name: d.name, Type: d.typ, Created: anchor - span - 86400, Modified: anchor - span - 86400}
			st.insertAttr(a)
		}
		if a != nil && a.Type == d.typ {
			defs = append(defs, a)
		}
	}
	groups, fields := st.genConfig(anchor - span - 2*86400)
	states := map[string][]string{}
	for cc, list := range stateLists {
		for _, e := range strings.Split(list, "|") {
			_, name, _ := strings.Cut(e, " ")
			states[cc] = append(states[cc], name)
		}
	}
	pickCulture := weightedPick(rng, cultures, func(c *culture) int { return c.weight })
	pickPlace := weightedPick(rng, places, func(p *place) int { return p.weight })
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	split := func(s string) (string, string) { a, b, _ := strings.Cut(s, "|"); return a, b }

	base := st.nextCustomer
	for i := 0; i < n; i++ {
		cul := pickCulture()
		first, fr := split(pick(cul.first))
		last, lr := split(pick(cul.last))
		num := strconv.FormatInt(base+int64(i), 10)
		email := fr + "." + lr + num + "@" + pick(cul.domains)
		switch rng.IntN(20) {
		case 0:
			email = strings.ToUpper(email[:1]) + email[1:]
		case 1:
			email = fr + "_" + lr + "+" + num + "@" + strings.ToUpper(pick(cul.domains))
		}
		dispFirst, dispLast := first, last
		switch rng.IntN(25) {
		case 0:
			dispFirst = " " + first + " " // stray spaces: accepted as sent
		case 1:
			dispLast = strings.ToUpper(last)
		case 2:
			dispFirst = strings.ToLower(first)
		}
		created := anchor - rng.Int64N(span)
		modified := created
		if rng.IntN(3) > 0 {
			modified = created + rng.Int64N(anchor-created+1)
		}
		c := &customerRec{
			Email: email, FirstName: dispFirst, LastName: dispLast, Created: created, Modified: modified,
			OriginChannel: 1, Accepts: rng.IntN(2) == 0,
		}
		if k := rng.IntN(4); k > 0 {
			if k == 3 && extras.IntN(5) == 0 {
				k = 4 // a few staff
			}
			c.GroupID = groups[k-1]
		}
		if rng.IntN(10) < 3 {
			c.Company = pick([]string{"Acme Corp", "ACME corp.", "Globex", "Initech GmbH", "株式会社サンプル", "ООО Ромашка", "O'Reilly & Sons"})
		}
		if rng.IntN(10) < 6 {
			c.Phone = pick([]string{"+1 555-01", "(555) 01", "+49 30 1234 ", "+86 10 8888 ", "07700 900"}) + pad(rng.IntN(1000), 3)
		}
		if rng.IntN(4) == 0 {
			c.RegistrationIP = "192.0.2." + itoa(rng.IntN(254)+1)
		}
		if rng.IntN(20) == 0 {
			c.Notes = "VIP — call before shipping.\nSecond line."
		}
		if rng.IntN(50) == 0 {
			c.TaxExemptCategory = "G"
		}
		c.ForceReset = rng.IntN(10) == 0
		if rng.IntN(10) == 0 {
			cents := rng.IntN(10000)
			amount := itoa(cents/100) + "." + pad(cents%100, 2)
			if extras.IntN(20) == 0 {
				amount = []string{"1234567890123.4567", "98765432109876.5432", "0.0001"}[extras.IntN(3)]
			}
			r, _ := parseDecimal([]byte(amount), false)
			c.Credits = []string{formatDecimal(r)}
		}
		if rng.IntN(10) < 6 {
			var forms []formRec
			forms = append(forms, formRec{Name: "Sales Rep", Value: jsonString(pick([]string{"James Bond", "Miss Moneypenny", "Felix Leiter", "  q  "}))})
			if rng.IntN(2) == 0 {
				forms = append(forms, formRec{Name: "Loyalty Points", Value: []byte(itoa(rng.IntN(100000)) + ".12345678901234567890")})
			}
			if rng.IntN(3) == 0 {
				forms = append(forms, formRec{Name: "Interests", Value: []byte(pick([]string{`["red","green"]`, `[]`, `["Ünïcödé","black"]`}))})
			}
			c.Forms = setForms(nil, usable(forms, fields))
		}
		st.insertCustomer(c)
		st.genExtras(extras, c)

		// Addresses: mean about 2, 1% with 11–14.
		na := []int{0, 1, 1, 1, 2, 2, 2, 3, 3, 4}[rng.IntN(10)] + rng.IntN(2)*rng.IntN(2)
		if rng.IntN(100) == 0 {
			na = 11 + rng.IntN(4)
		}
		for k := 0; k < na; k++ {
			a := s.genAddress(rng, c, first, last, states, pickPlace, k)
			a.Forms = usable(a.Forms, fields)
			if k > 0 && rng.IntN(20) == 0 {
				// A near duplicate of the previous address.
				prev := *c.addrs[len(c.addrs)-1]
				prev.ID, prev.Forms = 0, nil
				if strings.ToUpper(prev.Address1) != prev.Address1 {
					prev.Address1 = strings.ToUpper(prev.Address1)
				} else {
					prev.Address1 += " "
				}
				a = &prev
			}
			if dupAddress(c.addrs, a) {
				continue
			}
			st.insertAddress(a)
		}

		// Attribute values: 85% have 1–5, 1% have 11–12.
		nv := 0
		switch r := rng.IntN(100); {
		case r == 0:
			nv = 11 + rng.IntN(2)
		case r < 86:
			nv = 1 + rng.IntN(5)
		}
		nv = min(nv, len(defs))
		for _, k := range rng.Perm(len(defs))[:nv] {
			d := defs[k]
			st.insertValue(&valueRec{CustomerID: c.ID, AttrID: d.ID, Value: genAttrValue(rng, d.Type), Created: created, Modified: modified})
		}
	}
	st.genNewsletterOnly(extras, n/20, base, anchor)
	st.journaling = journaling
	st.mu.Unlock()
	if s.opts.StatePath != "" {
		if err := s.Save(); err != nil && s.opts.Logger != nil {
			s.opts.Logger.Error("sandbox: saving generated data failed", "err", err)
		}
	}
}

// weightedPick returns a function that draws an element of xs with a
// probability proportional to its weight (one rng draw per call).
func weightedPick[T any](rng *rand.Rand, xs []T, weight func(*T) int) func() *T {
	total := 0
	for i := range xs {
		total += weight(&xs[i])
	}
	return func() *T {
		k := rng.IntN(total)
		for i := range xs {
			if k < weight(&xs[i]) {
				return &xs[i]
			}
			k -= weight(&xs[i])
		}
		return &xs[0]
	}
}

func (s *Server) genAddress(rng *rand.Rand, c *customerRec, first, last string, states map[string][]string, pickPlace func() *place, k int) *addressRec {
	p := pickPlace()
	a := &addressRec{
		CustomerID: c.ID, FirstName: strings.TrimSpace(first), LastName: strings.TrimSpace(last), CountryCode: p.cc,
		Address1:    itoa(rng.IntN(9999)+1) + " " + streets[rng.IntN(len(streets))],
		City:        p.cities[rng.IntN(len(p.cities))],
		Postal:      p.postal(rng.IntN(1 << 30)),
		AddressType: "residential",
	}
	if k > 0 && rng.IntN(3) == 0 {
		a.FirstName = pick(rng, []string{"Alex", "Sam", "Chris", "Kim"})
	}
	if rng.IntN(4) == 0 {
		a.Address2 = "Apt " + itoa(rng.IntN(300)+1)
	}
	if rng.IntN(5) == 0 {
		a.AddressType = "commercial"
		a.Company = c.Company
	}
	if rng.IntN(2) == 0 {
		a.Phone = c.Phone
	}
	if names := states[p.cc]; names != nil {
		a.State = names[rng.IntN(len(names))]
		switch rng.IntN(20) {
		case 0:
			a.State = strings.ToLower(a.State)
		case 1:
			a.State = " " + a.State + "  "
		}
	} else if rng.IntN(2) == 0 && genStates[p.cc] != nil {
		a.State = pick(rng, genStates[p.cc])
	}
	if rng.IntN(8) == 0 {
		a.Forms = []formRec{{Name: "Delivery Instructions", Value: jsonString("Leave at the door")}}
		if rng.IntN(2) == 0 {
			a.Forms = setForms(a.Forms, []formRec{{Name: "Gate Code", Value: []byte(itoa(rng.IntN(10000)))}})
		}
	}
	return a
}

func pick(rng *rand.Rand, l []string) string { return l[rng.IntN(len(l))] }

// usable keeps the form field values whose fields the store defines as
// the generator expects (genConfig).
func usable(forms []formRec, fields map[string]bool) []formRec {
	out := forms[:0:0]
	for _, f := range forms {
		if fields[f.Name] {
			out = append(out, f)
		}
	}
	return out
}

func genAttrValue(rng *rand.Rand, typ string) string {
	switch typ {
	case "number":
		return strconv.FormatFloat(float64(rng.IntN(1000000))/100, 'f', -1, 64)
	case "date":
		return time.Date(1950+rng.IntN(60), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	}
	return pick(rng, []string{"Gold", "silver", " Bronze ", "Platinum", "VIP", "none", "北区", "Nord-Ost"})
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}
