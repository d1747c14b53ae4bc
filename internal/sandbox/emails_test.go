package sandbox

import (
	"net/url"
	"testing"
)

// By default emails compare lower-cased: straße@ and strasse@ are two
// customers, and email:in finds only the one asked for. With LooseEmails
// they are one email to uniqueness and to email:in alike.
func TestEmailComparison(t *testing.T) {
	for _, loose := range []bool{false, true} {
		e := newEnv(t, Options{LooseEmails: loose})
		e.createCustomers(cust("strasse@example.de", "Jan", "Strasse"))
		r := e.do("POST", "/customers", []map[string]any{cust("STRAßE@example.de", "Jana", "Straße")})
		if loose {
			// The recorded shape: the whole batch fails, naming the email.
			if errs := e.wantError(r, 422); errs[".customer_create"] == nil {
				t.Errorf("loose: duplicate errors %v, want .customer_create", errs)
			}
		} else {
			e.want(r, 200)
		}
		got := e.do("GET", "/customers?email:in="+url.QueryEscape("straße@example.de"), nil)
		e.want(got, 200)
		var emails []string
		for _, c := range got.data() {
			emails = append(emails, c.(map[string]any)["email"].(string))
		}
		want := []string{"STRAßE@example.de"}
		if loose {
			want = []string{"strasse@example.de"}
		}
		if len(emails) != 1 || emails[0] != want[0] {
			t.Errorf("loose=%v: email:in=straße@ answered %v, want %v", loose, emails, want)
		}
	}
}
