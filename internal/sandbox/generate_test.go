package sandbox

import (
	"encoding/json"
	"fmt"
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

// A generated store is a realistic source for a store-to-store migration:
// its customers use groups, channels and form fields of its own
// configuration, which a target built from that configuration accepts,
// and a target whose groups share the names but not the ids, and whose
// address form lacks a field, refuses — naming each reference.
func TestGenerateSourceStoreForStoreToStore(t *testing.T) {
	src := newEnv(t, Options{Config: &StoreConfig{}})
	src.srv.Generate(600, 3)
	cfg := src.srv.Config()
	rules := map[string]bool{}
	for _, g := range cfg.Groups {
		for _, d := range g.DiscountRules {
			rules[d.Type] = true
		}
	}
	if len(cfg.Groups) < 3 || !rules["category"] || !rules["product"] || len(cfg.Channels) < 3 || len(cfg.CustomerFields) < 2 || len(cfg.AddressFields) < 2 {
		t.Fatalf("generated configuration: %+v", cfg)
	}
	st := src.srv.st
	groups, channels := map[int64]int{}, map[string]int{}
	var credits, consents, hiddenMetas int
	for _, c := range st.customers {
		groups[c.GroupID]++
		channels[fmt.Sprint(c.Channels, c.OriginChannel)]++
		if len(c.Credits) > 0 {
			credits++
		}
		if c.Consent != nil {
			consents++
		}
		for _, f := range c.Forms {
			if fieldNamed(st.custForm, f.Name) == nil {
				t.Fatalf("generated value of an undefined field %q", f.Name)
			}
		}
	}
	for _, m := range st.metafields {
		if !m.visible() {
			hiddenMetas++
		}
	}
	subscribed, unsubscribed, notCustomers := 0, 0, 0
	for _, sb := range st.subscribers {
		switch {
		case st.byEmailKey(sb.Email) == nil:
			notCustomers++
		case len(sb.Consents) == 0:
			unsubscribed++
		default:
			subscribed++
		}
	}
	if len(groups) != 5 || len(channels) < 4 || credits == 0 || consents == 0 || len(st.metafields) == 0 || hiddenMetas == 0 ||
		subscribed == 0 || unsubscribed == 0 || notCustomers == 0 {
		t.Fatalf("groups %v, channels %v, credits %d, consents %d, metafields %d (%d hidden), subscribers %d/%d/%d",
			groups, channels, credits, consents, len(st.metafields), hiddenMetas, subscribed, unsubscribed, notCustomers)
	}

	// The customers as a client reads them, written back as a client would.
	var batches [][]any
	for page := 1; page <= 3; page++ {
		r := src.do("GET", "/customers?limit=10&page="+itoa(page)+"&include=addresses,formfields,storecredit", nil)
		src.want(r, 200)
		var items []any
		for _, d := range r.data() {
			items = append(items, rewrite(d.(map[string]any)))
		}
		batches = append(batches, items)
	}
	same := newEnv(t, Options{Config: &cfg})
	for _, b := range batches {
		same.want(same.do("POST", "/customers", b), 200)
	}

	other := cfg
	other.Groups = nil
	for _, g := range cfg.Groups {
		g.ID += 1000
		other.Groups = append(other.Groups, g)
	}
	other.AddressFields = nil
	for _, f := range cfg.AddressFields {
		if f.Name != "Gate Code" {
			other.AddressFields = append(other.AddressFields, f)
		}
	}
	target := newEnv(t, Options{Config: &other})
	refused := map[string]int{}
	for _, b := range batches {
		r := target.do("POST", "/customers", b)
		if r.status != 422 {
			continue
		}
		for k, v := range r.errs() {
			switch {
			case strings.HasSuffix(k, ".customer_group_id"):
				refused["group"]++
			case strings.HasSuffix(k, ".name") && strings.Contains(v.(string), "Gate Code"):
				refused["Gate Code"]++
			default:
				t.Errorf("unexpected refusal %s: %v", k, v)
			}
		}
	}
	if refused["group"] == 0 || refused["Gate Code"] == 0 {
		t.Fatalf("a target with other group ids and no Gate Code field refused %v", refused)
	}
}

// rewrite turns a customer as read into a POST /customers item.
func rewrite(c map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"email", "first_name", "last_name", "company", "phone", "notes", "tax_exempt_category",
		"customer_group_id", "channel_ids", "origin_channel_id", "store_credit_amounts", "accepts_product_review_abandoned_cart_emails"} {
		if v, ok := c[k]; ok && v != nil && v != "" {
			out[k] = v
		}
	}
	if fs, _ := c["form_fields"].([]any); len(fs) > 0 {
		out["form_fields"] = nameValues(fs)
	}
	var addrs []any
	for _, a := range c["addresses"].([]any) {
		a := a.(map[string]any)
		na := map[string]any{}
		for _, k := range []string{"first_name", "last_name", "company", "address1", "address2", "city", "state_or_province",
			"postal_code", "country_code", "phone", "address_type"} {
			na[k] = a[k]
		}
		if fs, _ := a["form_fields"].([]any); len(fs) > 0 {
			na["form_fields"] = nameValues(fs)
		}
		addrs = append(addrs, na)
	}
	if len(addrs) > 0 {
		out["addresses"] = addrs
	}
	return out
}

func nameValues(fs []any) []any {
	var out []any
	for _, f := range fs {
		f := f.(map[string]any)
		out = append(out, map[string]any{"name": f["name"], "value": f["value"]})
	}
	return out
}
