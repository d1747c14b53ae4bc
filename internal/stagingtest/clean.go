package stagingtest

import (
	"fmt"
	"path/filepath"

	"github.com/bcetl/bcetl/internal/staging"
)

// Attributes are the attribute definitions of a clean directory; a
// customer's values are of the first two, a big customer's of all twelve.
var Attributes = func() []staging.Attribute {
	out := []staging.Attribute{{SourceKey: "attr-tier", Name: "tier", Type: "string"}, {SourceKey: "attr-score", Name: "score", Type: "number"}}
	for i := 2; i < 12; i++ {
		out = append(out, staging.Attribute{SourceKey: fmt.Sprintf("attr-a%d", i), Name: fmt.Sprintf("a%d", i), Type: "string"})
	}
	return out
}()

// States are the states of a clean directory's (US) addresses: address j
// of customer i is in States[(i+j)%len(States)].
var States = []string{"California", "Texas", "New York", "Florida", "Ohio", "Oregon"}

// Email is the email of customer i of a clean directory.
func (s Spec) Email(i int) string {
	p := s.EmailPrefix
	if p == "" {
		p = "c"
	}
	return fmt.Sprintf("%s%07d@example.com", p, i)
}

// Big reports whether customer i of a clean directory is a big one
// (twelve addresses and twelve values).
func (s Spec) Big(i int) bool { return s.BigEvery > 0 && i%s.BigEvery == s.BigEvery-1 }

// writeClean streams a clean directory (see Spec).
func writeClean(dir string, spec Spec) (Counts, error) {
	var n Counts
	path := func(e string) string { return filepath.Join(dir, staging.FileName(e)) }
	cw, err := staging.Create[staging.Customer](path(staging.EntityCustomers))
	if err != nil {
		return n, err
	}
	defer cw.Abort()
	aw, err := staging.Create[staging.Address](path(staging.EntityAddresses))
	if err != nil {
		return n, err
	}
	defer aw.Abort()
	vw, err := staging.Create[staging.AttributeValue](path(staging.EntityAttributeValues))
	if err != nil {
		return n, err
	}
	defer vw.Abort()
	fw, err := staging.Create[staging.FormFieldValue](path(staging.EntityFormFieldValues))
	if err != nil {
		return n, err
	}
	defer fw.Abort()
	var werr error // the first failed Write
	write := func(err error) {
		if werr == nil {
			werr = err
		}
	}
	for i := 0; i < spec.Customers; i++ {
		ck := fmt.Sprintf("c%d", i)
		write(cw.Write(staging.Customer{SourceKey: ck, Email: spec.Email(i), FirstName: "First" + fmt.Sprint(i), LastName: "Last"}))
		n.Customers++
		write(fw.Write(staging.FormFieldValue{SourceKey: ck + "-f", CustomerSourceKey: ck, Name: "newsletter", ValueType: "string", ValueJSON: `"yes"`}))
		n.FormFieldValues++
		na, nv := 2, 2
		if spec.Big(i) {
			na, nv = 12, 12
		}
		for j := 0; j < na; j++ {
			ak := fmt.Sprintf("%s-a%d", ck, j)
			write(aw.Write(staging.Address{SourceKey: ak, CustomerSourceKey: ck, FirstName: "First", LastName: "Last",
				Address1: fmt.Sprintf("%d Main St", j+1), City: "Springfield", StateOrProvince: States[(i+j)%len(States)],
				PostalCode: fmt.Sprintf("9%04d", i%10000), CountryCode: "US", Country: "United States"}))
			n.Addresses++
			if j == 0 || j == 11 {
				write(fw.Write(staging.FormFieldValue{SourceKey: ak + "-f", CustomerSourceKey: ck, AddressSourceKey: &ak, Name: "gate_code",
					ValueType: "number", ValueJSON: fmt.Sprint(1000 + j)}))
				n.FormFieldValues++
			}
		}
		for j := 0; j < nv; j++ {
			a := Attributes[j]
			val := fmt.Sprintf("v%d", i)
			if a.Type == "number" {
				val = fmt.Sprint(i)
			}
			write(vw.Write(staging.AttributeValue{SourceKey: fmt.Sprintf("%s-v%d", ck, j), CustomerSourceKey: ck,
				AttributeName: a.Name, AttributeType: a.Type, AttributeValue: val}))
			n.AttributeValues++
		}
		if werr != nil {
			return n, werr
		}
	}
	for _, w := range []interface {
		Commit() (staging.FileStats, error)
	}{cw, aw, vw, fw} {
		if _, err := w.Commit(); err != nil {
			return n, err
		}
	}
	if _, err := staging.WriteAll(path(staging.EntityAttributes), Attributes); err != nil {
		return n, err
	}
	n.Attributes = len(Attributes)
	return n, nil
}
