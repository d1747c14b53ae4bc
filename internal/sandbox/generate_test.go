package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
)

func TestGenerateDeterministicAndRealistic(t *testing.T) {
	mk := func() *Server {
		s, err := New(Options{StoreHash: "h", Token: "t"})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		s.Generate(20000, 9)
		t.Logf("Generate(20000) took %v", time.Since(start))
		return s
	}
	a, b := mk(), mk()
	ja, _ := json.Marshal(customerFull(a.st.customers[12345], allIncludes))
	jb, _ := json.Marshal(customerFull(b.st.customers[12345], allIncludes))
	if string(ja) != string(jb) {
		t.Fatalf("not deterministic:\n%s\n%s", ja, jb)
	}
	st := a.st
	c, addrs, vals, forms := a.Counts()
	if c != 20000 || forms == 0 {
		t.Fatalf("counts %d %d %d %d", c, addrs, vals, forms)
	}
	if avg := float64(addrs) / float64(c); avg < 1.7 || avg > 2.4 {
		t.Errorf("%.2f addresses per customer", avg)
	}
	var over10, valsOver10, nonLatin, withValues, nearDup int
	emails := map[string]bool{}
	for _, cu := range st.customers {
		if len(cu.addrs) > 10 {
			over10++
		}
		if len(cu.vals) > 10 {
			valsOver10++
		}
		if len(cu.vals) > 0 {
			withValues++
		}
		for _, r := range cu.FirstName + cu.LastName {
			if r > unicode.MaxLatin1 && !unicode.In(r, unicode.Latin) {
				nonLatin++
				break
			}
		}
		low := strings.ToLower(cu.Email)
		if emails[low] || !validEmail(cu.Email) {
			t.Fatalf("email %q duplicate or invalid", cu.Email)
		}
		emails[low] = true
		if cu.Modified < cu.Created {
			t.Fatalf("date_modified before date_created: %d", cu.ID)
		}
		for i, ad := range cu.addrs {
			errs := map[string]string{}
			checkAddress(&obj{path: "x", errs: errs}, ad)
			if len(errs) > 0 {
				t.Fatalf("generated address the API would refuse: %+v %v", ad, errs)
			}
			for _, other := range cu.addrs[:i] {
				if sameAddress(ad, other) {
					t.Fatalf("exact duplicate address stored")
				}
				if strings.EqualFold(strings.TrimSpace(ad.Address1), strings.TrimSpace(other.Address1)) && ad.City == other.City && ad.Postal == other.Postal {
					nearDup++
				}
			}
		}
		for _, v := range cu.vals {
			if msg := attrValueOK(st.attr(v.AttrID).Type, v.Value); msg != "" {
				t.Fatalf("generated value refused: %s", msg)
			}
		}
	}
	pct := func(n int) float64 { return 100 * float64(n) / float64(c) }
	t.Logf(">10 addresses %.2f%%, >10 values %.2f%%, with values %.1f%%, non-Latin names %.1f%%, near-duplicate addresses %d",
		pct(over10), pct(valsOver10), pct(withValues), pct(nonLatin), nearDup)
	if pct(over10) < 0.5 || pct(over10) > 2 || pct(valsOver10) < 0.5 || pct(valsOver10) > 2 || pct(withValues) < 75 || pct(nonLatin) < 10 || nearDup == 0 {
		t.Errorf("distribution off")
	}
}

// BenchmarkListCustomers250 measures GET /customers?limit=250 over real
// HTTP on loopback against 100k generated customers, walking pages.
func BenchmarkListCustomers250(b *testing.B) {
	benchList(b, "")
}

// BenchmarkListCustomers250Include adds every sub-resource.
func BenchmarkListCustomers250Include(b *testing.B) {
	benchList(b, "&include=addresses,attributes,formfields")
}

func benchList(b *testing.B, extra string) {
	s, err := New(Options{StoreHash: "h", Token: "t"})
	if err != nil {
		b.Fatal(err)
	}
	s.Generate(100000, 1)
	hs := httptest.NewServer(s)
	defer hs.Close()
	client := hs.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	var bytes atomic.Int64
	b.ResetTimer()
	defer func() { b.ReportMetric(float64(bytes.Load())/float64(b.N), "bytes/page") }()
	b.RunParallel(func(pb *testing.PB) {
		page := 1
		for pb.Next() {
			req, _ := http.NewRequest("GET", hs.URL+"/stores/h/v3/customers?limit=250&page="+itoa(page)+extra, nil)
			req.Header.Set("X-Auth-Token", "t")
			res, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if err != nil || res.StatusCode != 200 || n < 250*300 {
				b.Fatalf("page %d: %v %d %d bytes", page, err, res.StatusCode, n)
			}
			bytes.Add(n)
			page = page%400 + 1
		}
	})
}
