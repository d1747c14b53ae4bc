package sandbox

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// docPath is the official OpenAPI document, copied into the repository
// (testdata/reference/SOURCE.md).
const docPath = "../../testdata/reference/bigcommerce/customers.v3.yml"

// schemaProps extracts components.schemas.<name>.properties: name → type
// ("" when the property has no plain type, e.g. oneOf or $ref). It is a
// small indentation reader, enough for this document's layout.
func schemaProps(t *testing.T, name string) map[string]string {
	f, err := os.Open(docPath)
	if err != nil {
		t.Fatalf("the official document: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	props := map[string]string{}
	in, inProps := false, false
	cur := ""
	indent := func(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " ")
		if strings.TrimSpace(line) == "" {
			continue
		}
		n := indent(line)
		switch {
		case !in:
			in = line == "    "+name+":"
		case n <= 4:
			return props
		case n == 6:
			inProps = strings.TrimSpace(line) == "properties:"
		case inProps && n == 8 && strings.HasSuffix(line, ":"):
			cur = strings.TrimSuffix(strings.TrimSpace(line), ":")
			props[cur] = ""
		case inProps && n == 10 && strings.HasPrefix(strings.TrimSpace(line), "type:"):
			props[cur] = strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "type:")), `'"`)
		case inProps && n == 10 && strings.HasPrefix(strings.TrimSpace(line), "$ref:"):
			props[cur] = "ref"
		}
	}
	return props
}

func checkShape(t *testing.T, what string, obj map[string]any, props map[string]string) {
	t.Helper()
	for k, v := range obj {
		typ, ok := props[k]
		if !ok {
			t.Errorf("%s: field %q is not in the document", what, k)
			continue
		}
		good := true
		switch typ {
		case "string":
			_, good = v.(string)
		case "integer":
			n, isNum := v.(json.Number)
			_, err := n.Int64()
			good = isNum && err == nil
		case "number":
			_, good = v.(json.Number)
		case "boolean":
			_, good = v.(bool)
		case "array":
			_, good = v.([]any)
		case "object":
			_, good = v.(map[string]any)
		}
		if !good {
			t.Errorf("%s: field %q = %v (%T), document type %s", what, k, v, v, typ)
		}
		if strings.HasPrefix(k, "date_") {
			if _, err := time.Parse("2006-01-02T15:04:05Z", v.(string)); err != nil {
				t.Errorf("%s: %s = %v is not RFC 3339 UTC seconds", what, k, v)
			}
		}
	}
}

func TestResponseShapeMatchesDocument(t *testing.T) {
	customer := schemaProps(t, "customer_Full")
	address := schemaProps(t, "address_Full")
	attrValue := schemaProps(t, "attribute_Full")
	formCust := schemaProps(t, "formFieldValue_Customer")
	formAddr := schemaProps(t, "formFieldValue_Address")
	if len(customer) < 20 || len(address) < 14 || customer["email"] != "string" || address["id"] != "integer" {
		t.Fatalf("document reader broken: %v %v", customer, address)
	}
	e := newEnv(t, Options{})
	e.srv.Generate(300, 5)
	r := e.do("GET", "/customers?limit=250&include=addresses,attributes,formfields,storecredit", nil)
	e.want(r, 200)
	if len(r.data()) != 250 {
		t.Fatalf("%d customers", len(r.data()))
	}
	var nAddr, nAttr, nForm int
	for _, d := range r.data() {
		c := d.(map[string]any)
		checkShape(t, "customer", c, customer)
		for _, a := range c["addresses"].([]any) {
			checkShape(t, "address", a.(map[string]any), address)
			for _, k := range []string{"first_name", "last_name", "address1", "city", "state_or_province", "postal_code", "country_code", "customer_id", "id"} {
				if _, ok := a.(map[string]any)[k]; !ok {
					t.Errorf("address lacks required %s", k)
				}
			}
			for _, f := range a.(map[string]any)["form_fields"].([]any) {
				checkShape(t, "address form field", f.(map[string]any), formAddr)
				nForm++
			}
			nAddr++
		}
		for _, v := range c["attributes"].([]any) {
			checkShape(t, "attribute value", v.(map[string]any), attrValue)
			nAttr++
		}
		for _, f := range c["form_fields"].([]any) {
			checkShape(t, "customer form field", f.(map[string]any), formCust)
			nForm++
		}
	}
	if nAddr == 0 || nAttr == 0 || nForm == 0 {
		t.Fatalf("nothing embedded: %d %d %d", nAddr, nAttr, nForm)
	}
	// meta follows Pagination / CursorPagination.
	checkShape(t, "pagination", r.meta()["pagination"].(map[string]any), schemaProps(t, "Pagination"))
	checkShape(t, "cursor_pagination", r.meta()["cursor_pagination"].(map[string]any), schemaProps(t, "CursorPagination"))
	// Errors follow ErrorResponse.
	checkShape(t, "error", e.do("GET", "/customers?id:in=x", nil).body, schemaProps(t, "ErrorResponse"))
}
