package vsandbox

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func generated(t *testing.T, o GenOptions) []Customer {
	t.Helper()
	s, err := New(Options{AppID: "a", AppToken: "b"})
	must(t, err)
	must(t, s.Generate(o))
	return s.Customers()
}

// Same options, same project (ids included); another seed, another one.
func TestGenerateIsDeterministic(t *testing.T) {
	a := generated(t, GenOptions{Customers: 500, Seed: 1})
	b := generated(t, GenOptions{Customers: 500, Seed: 1})
	c := generated(t, GenOptions{Customers: 500, Seed: 2})
	if len(a) != 500 || !reflect.DeepEqual(a, b) {
		t.Error("same options gave different customers")
	}
	if a[0].ID == c[0].ID {
		t.Error("another seed gave the same ids")
	}
}

// The mess is there, in the proportions documented, and the bursts are as
// configured.
func TestGenerateMess(t *testing.T) {
	const n = 12000
	cs := generated(t, GenOptions{Customers: n, Seed: 9})
	var noEmail, badEmail, noName, noAddress, noUpdated, birthdayOnly, noSource int
	emails, sources := map[string]int{}, map[string]bool{}
	countries := map[string]bool{}
	types := map[string]bool{}
	for _, c := range cs {
		switch e := strings.TrimSpace(c.Email); {
		case e == "":
			noEmail++
		case !strings.Contains(e, "@") || strings.HasPrefix(e, "@") || strings.HasSuffix(e, "@") || strings.Contains(e, " "):
			badEmail++
		default:
			emails[strings.ToLower(e)]++
		}
		if c.Name == "" {
			noName++
		}
		if c.Address == nil {
			noAddress++
		} else {
			countries[c.Address.Country] = true
		}
		if c.UpdatedAt.IsZero() {
			noUpdated++
		} else if c.UpdatedAt.Before(c.CreatedAt) {
			t.Errorf("%s updated before created", c.ID)
		}
		if c.Birthday != "" && c.Birthdate == "" {
			birthdayOnly++
		}
		if c.SourceID == "" {
			noSource++
		} else if sources[c.SourceID] {
			t.Errorf("source_id %q twice", c.SourceID)
		} else {
			sources[c.SourceID] = true
		}
		for _, v := range c.Metadata {
			if v == nil {
				types["null"] = true
			} else {
				types[reflect.TypeOf(v).String()] = true
			}
		}
		if c.CreatedAt.Nanosecond()%int(time.Millisecond) != 0 {
			t.Fatalf("created_at finer than a millisecond: %v", c.CreatedAt)
		}
	}
	shared := 0
	for _, k := range emails {
		if k > 1 {
			shared++
		}
	}
	between := func(name string, got, lo, hi int) {
		if got < lo || got > hi {
			t.Errorf("%s: %d, want %d–%d", name, got, lo, hi)
		}
	}
	between("no email", noEmail, n/100, n*4/100)
	between("invalid email", badEmail, n/100, n*4/100)
	between("emails shared by two customers", shared, n/100, n*4/100)
	between("no name", noName, n/100, n*4/100)
	between("no address", noAddress, n*15/100, n*25/100)
	between("never updated", noUpdated, n*30/100, n*40/100)
	between("only the deprecated birthday", birthdayOnly, n*3/100, n*7/100)
	between("no source_id", noSource, n*10/100, n*20/100)
	between("countries spelt differently", len(countries), 20, 40)
	for _, typ := range []string{"string", "float64", "bool", "[]interface {}", "map[string]interface {}", "null"} {
		if !types[typ] {
			t.Errorf("no metadata value of type %s", typ)
		}
	}

	s, _ := New(Options{AppID: "a", AppToken: "b"})
	must(t, s.Generate(GenOptions{Customers: n, Seed: 9}))
	bursts, inBursts, seconds := s.Bursts(), 0, map[int64]int{}
	for _, b := range bursts {
		inBursts += b.Customers
	}
	for _, c := range cs {
		seconds[c.CreatedAt.Unix()]++
	}
	sameSecond := 0
	for _, k := range seconds {
		if k > 1 {
			sameSecond++
		}
	}
	if bursts[0].Customers != DefaultMaxBurst || inBursts < n*DefaultBurstShare*0.95 || sameSecond <= len(bursts) {
		t.Errorf("bursts: largest %v, %d customers in %d bursts, %d shared seconds", bursts[0], inBursts, len(bursts), sameSecond)
	}
	must(t, s.Generate(GenOptions{Customers: 100, Seed: 1, MaxBurst: 40, BurstShare: 0.5})) // adds to the project
	if s.Count() != n+100 {
		t.Errorf("second Generate: %d customers", s.Count())
	}

	s, _ = New(Options{AppID: "a", AppToken: "b"})
	must(t, s.Generate(GenOptions{Customers: 3000, Seed: 4, BurstShare: -1}))
	for _, b := range s.Bursts() {
		if b.Customers > 2 {
			t.Errorf("BurstShare -1: a burst of %d", b.Customers)
		}
	}
	if err := s.Generate(GenOptions{Customers: 1, BurstShare: 2}); err == nil {
		t.Error("BurstShare 2 accepted")
	}
}
