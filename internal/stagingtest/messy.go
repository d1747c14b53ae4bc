package stagingtest

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
)

// writeMessy streams a messy directory (see Spec); invalid UTF-8 is
// written as is.
func writeMessy(dir string, spec Spec) (Counts, error) {
	nCust, addrPer, seed := spec.Customers, spec.AddressesPer, spec.Seed
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	n := Counts{Planted: map[string]int{}}
	var werr error // the first failed Write
	put := func(err error) {
		if werr == nil {
			werr = err
		}
	}
	path := func(e string) string { return filepath.Join(dir, staging.FileName(e)) }
	cw, err := createRaw[staging.Customer](path(staging.EntityCustomers))
	if err != nil {
		return n, err
	}
	aw, err := createRaw[staging.Address](path(staging.EntityAddresses))
	if err != nil {
		return n, err
	}
	vw, err := createRaw[staging.AttributeValue](path(staging.EntityAttributeValues))
	if err != nil {
		return n, err
	}
	fw, err := createRaw[staging.FormFieldValue](path(staging.EntityFormFieldValues))
	if err != nil {
		return n, err
	}

	var attrs []staging.Attribute
	for i := 0; i < 55; i++ { // five past the limit
		typ := []string{"string", "number", "date"}[i%3]
		attrs = append(attrs, staging.Attribute{SourceKey: fmt.Sprintf("attr-%d", i), ID: new(int64(i + 1)), Name: fmt.Sprintf("Attr %d", i), Type: typ})
	}
	attrs = append(attrs, staging.Attribute{SourceKey: "attr-dup", Name: "  attr   1 ", Type: "NUMBER"}) // same as "Attr 1"
	n.Planted["attr-over-limit"] = 5
	n.Planted["attr-dup"] = 1
	if _, err := staging.WriteAll(filepath.Join(dir, staging.FileName(staging.EntityAttributes)), attrs); err != nil {
		return n, err
	}
	n.Attributes = len(attrs)

	places := []struct{ country, countryCode, state, postal, phone string }{
		{"", "US", "CA", "941031234", "(415) 555-0100"},
		{"", "us", "US-NY", "10001", "+1 212 555 0199"},
		{"United States", "", "california", "94103", "415.555.0100"},
		{"", "CA", "ON", "k1a0b1", "613-555-0123"},
		{"Canada", "", "Quebec", "h2x 1y4", ""},
		{"United Kingdom", "", "", "sw1a1aa", "020 7946 0018"},
		{"gbr", "", "England", "EC1A 1BB", ""},
		{"", "AU", "NSW", "2000", "02 9374 4000"},
		{"Australia", "", "Victoria", "3000", ""},
		{"", "DE", "Bavaria", "80331", "+49 89 1234567"},
		{"", "DE", "BY", "80331", ""},
		{"Netherlands", "", "", "1012ab", ""},
		{"", "FR", "Paris", "75001", "01 23 45 67 89"},
		{"", "NZ", "Some Region", "6011", ""},
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	clean := "" // a customer with nothing wrong, for the orphan form field
	for i := 0; i < nCust; i++ {
		key := fmt.Sprintf("c%d", i)
		c := staging.Customer{SourceKey: key, Email: fmt.Sprintf("user%d@example.com", i), FirstName: "Ann", LastName: fmt.Sprintf("Lee%d", i),
			Phone: "555-0100", ChannelIDs: []int64{1}}
		mod := base.Add(time.Duration(rng.IntN(1e6)) * time.Second)
		c.DateModified = &mod
		switch r := rng.IntN(1000); {
		case r < 50 && i > 0: // duplicate email of an earlier customer, other case and spacing
			j := rng.IntN(i)
			c.Email = fmt.Sprintf("  User%d@EXAMPLE.com ", j)
			c.FirstName = "Annie"
			n.Planted["dup-email"]++
		case r < 65:
			c.Email = []string{"user.example.com", "a b@example.com", "x@localhost", "two@@example.com", ""}[rng.IntN(5)]
			n.Planted["bad-email"]++
		case r < 72:
			c.FirstName = strings.Repeat("Ä", 101)
			n.Planted["long-name"]++
		case r < 78:
			c.LastName = "Lee\xff\xfe"
			n.Planted["bad-utf8"]++
		case r < 200:
			c.FirstName = "  ann \t  marie "
		}
		put(cw.Write(c))
		n.Customers++
		if c.Email == fmt.Sprintf("user%d@example.com", i) && c.FirstName == "Ann" && c.LastName == fmt.Sprintf("Lee%d", i) {
			clean = key
		}
		na := 1 + rng.IntN(2*addrPer)
		for k := 0; k < na; k++ {
			p := places[rng.IntN(len(places))]
			a := staging.Address{SourceKey: fmt.Sprintf("a%d-%d", i, k), CustomerSourceKey: key, FirstName: "Ann", LastName: "Lee",
				Address1: fmt.Sprintf("%d Main St", rng.IntN(50)), City: "Springfield", Country: p.country, CountryCode: p.countryCode,
				StateOrProvince: p.state, PostalCode: p.postal, Phone: p.phone}
			if len(a.Phone) > 4 { // mostly distinct numbers, as in real data
				a.Phone = fmt.Sprintf("%s%04d", a.Phone[:len(a.Phone)-4], rng.IntN(10000))
			}
			switch r := rng.IntN(1000); {
			case r < 100 && k > 0: // the previous address again, spelled differently
				a.Address1 = strings.ToUpper(fmt.Sprintf("%d main st", k))
				a.City = " springfield "
				prev := a
				prev.SourceKey = fmt.Sprintf("a%d-%d-twin", i, k)
				prev.Address1 = fmt.Sprintf("%d Main  St", k)
				put(aw.Write(prev))
				n.Addresses++
				n.Planted["dup-address"]++
			case r < 110:
				a.CustomerSourceKey = fmt.Sprintf("missing-%d", i)
				n.Planted["orphan-address"]++
			case r < 118:
				a.Country, a.CountryCode = "Atlantis", ""
				n.Planted["bad-country"]++
			case r < 124:
				a.AddressType = "warehouse"
				n.Planted["bad-address-type"]++
			case r < 130:
				a.City = strings.Repeat("x", 101)
				n.Planted["long-city"]++
			case r < 135:
				a.Address1 = "Stra\xdfe 1" // Latin-1 ß
				n.Planted["bad-utf8-address"]++
			case r < 300:
				a.AddressType = "Commercial"
			}
			put(aw.Write(a))
			n.Addresses++
			if rng.IntN(4) == 0 {
				ak := a.SourceKey
				put(fw.Write(staging.FormFieldValue{SourceKey: "f-" + ak, CustomerSourceKey: a.CustomerSourceKey, AddressSourceKey: &ak,
					Name: "Gate code", ValueType: "string", ValueString: new(" 1234 "), ValueJSON: `" 1234 "`}))
				n.FormFieldValues++
			}
		}
		for k, name := range []string{"Attr 1", "Attr 3", "Attr 52"} {
			if rng.IntN(2) == 0 {
				v := staging.AttributeValue{SourceKey: fmt.Sprintf("v%d-%d", i, k), CustomerSourceKey: key, AttributeName: name, AttributeValue: "42"}
				if rng.IntN(20) == 0 && name == "Attr 1" {
					v.AttributeValue = "forty-two"
					n.Planted["bad-number"]++
				}
				put(vw.Write(v))
				n.AttributeValues++
			}
		}
		if rng.IntN(3) == 0 {
			put(fw.Write(staging.FormFieldValue{SourceKey: fmt.Sprintf("fc%d", i), CustomerSourceKey: key, Name: "Newsletter",
				ValueType: "array", ValueArray: []string{"news", " offers "}, ValueJSON: `["news"," offers "]`}))
			n.FormFieldValues++
		}
		if werr != nil {
			return n, werr
		}
	}
	ghost := "no-such-address"
	put(fw.Write(staging.FormFieldValue{SourceKey: "f-ghost", CustomerSourceKey: clean, AddressSourceKey: &ghost, Name: "x", ValueType: "number", ValueJSON: "1"}))
	n.FormFieldValues++
	n.Planted["orphan-form-field"] = 1
	if werr != nil {
		return n, werr
	}
	for _, w := range []interface{ Commit() error }{cw, aw, vw, fw} {
		if err := w.Commit(); err != nil {
			return n, err
		}
	}
	// An extract-stage reject, to be copied through.
	_, err = staging.WriteAll(filepath.Join(dir, staging.RejectsFile), []staging.Reject{{Stage: "extract", Entity: "customers", SourceKey: "x1", Rule: "http", Message: "404 from source"}})
	return n, err
}
