package sandbox_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/bcetl/bcetl/internal/sandbox"
)

// The official documents, copied into the repository (a missing one fails).
const (
	officialDir = referenceDir + "/bigcommerce/"
	officialDoc = officialDir + "customers.v3.yml"
)

// apiCase is one request and the status its answer must have.
type apiCase struct {
	method, path, body string
	want               int
}

// validateAnswers sends each case to base+path and validates the answer
// (status, headers, body against the response schema: types, required
// fields, lengths, enums) with an OpenAPI validator reading the official
// document file, served at base. patch amends the document's text before
// it is read, amend the loaded document (each amendment is explained
// where it is made).
func validateAnswers(t *testing.T, file, base string, patch func(string) string, amend func(*openapi3.T), cases []apiCase) {
	t.Helper()
	raw, err := os.ReadFile(officialDir + file)
	if err != nil {
		t.Fatalf("official document: %v", err)
	}
	text := string(raw)
	if patch != nil {
		text = patch(text)
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(text))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if amend != nil {
		amend(doc)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		path := file + ": " + c.method + " " + c.path
		var rb io.Reader
		if c.body != "" {
			rb = bytes.NewBufferString(c.body)
		}
		req, _ := http.NewRequest(c.method, base+c.path, rb)
		req.Header.Set("X-Auth-Token", "t")
		req.Header.Set("Accept", "application/json")
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d: %.300s", path, resp.StatusCode, c.want, body)
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
			Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)),
			Options: &openapi3filter.Options{MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s: the %d answer does not validate against the document: %v", path, resp.StatusCode, err)
		}
	}
}

// newDocStore is a generated store (its configuration, groups, channels,
// metafields, subscribers) behind an HTTP server.
func newDocStore(t *testing.T) (*sandbox.Server, string) {
	srv, err := sandbox.New(sandbox.Options{StoreHash: "abc123", Token: "t", Config: &sandbox.StoreConfig{
		AddressFields: []sandbox.FormField{{Name: "floor", FieldType: "numbers"}, {Name: "gate", FieldType: "text"}}}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Generate(300, 2)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return srv, hs.URL
}

// TestResponsesValidateAgainstTheOfficialDocument validates the default
// (recorded) answers, error bodies included, against customers.v3.yml.
//
// One amendment to the document: customerChannelIds is made nullable. The
// real API answers `"channel_ids": null` for a customer of all channels
// (bigcommerce-facts.md (h), retrieve/with_params_200.json), and the
// document itself tells clients to send `channel_ids: null` for global
// access (createCustomers), but its schema is a non-nullable array.
func TestResponsesValidateAgainstTheOfficialDocument(t *testing.T) {
	_, url := newDocStore(t)
	newCustomer := `[{"email":"new.one@example.com","first_name":"New","last_name":"One","addresses":[{"first_name":"New",` +
		`"last_name":"One","address1":"1 Main St","city":"Austin","state_or_province":"Texas","postal_code":"78701","country_code":"US",` +
		`"form_fields":[{"name":"floor","value":3}]}],"authentication":{"force_password_reset":true},` +
		`"store_credit_amounts":[{"amount":1234567890123.4567}]}]`
	mf := `{"resource_id":1,"namespace":"doc","key":"k%d","value":"v","permission_set":"read"}`
	validateAnswers(t, "customers.v3.yml", url+"/stores/abc123/v3", nil, func(doc *openapi3.T) {
		doc.Components.Schemas["customerChannelIds"].Value.Nullable = true
	}, []apiCase{
		{"GET", "/customers?limit=250&include=addresses,attributes,formfields", "", 200},
		{"GET", "/customers", "", 200}, // store_credit_amounts and channel_ids: null without include
		{"GET", "/customers?limit=5&page=2", "", 200},
		{"GET", "/customers/addresses?limit=250&include=formfields", "", 200},
		{"GET", "/customers/attributes", "", 200},
		{"GET", "/customers/attribute-values?limit=250", "", 200},
		{"GET", "/customers/form-field-values?limit=250", "", 200},
		{"POST", "/customers", newCustomer, 200},
		{"POST", "/customers", newCustomer, 422}, // the email now exists: the recorded .customer_create error
		{"POST", "/customers", `[{"email":"x@example.com","first_name":"X","last_name":"Y","channel_ids":[1]}]`, 200},
		{"POST", "/customers", `[{"email":"bad","first_name":"X","last_name":"Y"}]`, 422},
		{"POST", "/customers", `[{"email":"g@example.com","first_name":"X","last_name":"Y","customer_group_id":999}]`, 422},
		{"PUT", "/customers", `[{"id":1,"notes":"n"}]`, 200},
		{"PUT", "/customers", `[{"id":99999,"notes":"n"}]`, 422}, // invalid customer ID
		{"PUT", "/customers", `[{"notes":"n"}]`, 422},            // error.path.missing
		{"GET", "/customers?foo=1", "", 422},
		{"GET", "/customers?id:in=hello", "", 422},
		{"PUT", "/customers/addresses", `[{"id":1,"form_fields":[{"name":"gate","value":"7"}]}]`, 200},
		{"PUT", "/customers/attribute-values", `[{"attribute_id":999,"value":"x","customer_id":1}]`, 422},
		// Metafields and consent.
		{"GET", "/customers/metafields?limit=250", "", 200},
		{"GET", "/customers/metafields?limit=2&page=2&direction=desc", "", 200},
		{"POST", "/customers/metafields", "[" + strings.ReplaceAll(mf, "%d", "1") + "," + strings.ReplaceAll(mf, "%d", "2") + "]", 200},
		{"POST", "/customers/metafields", "[" + strings.ReplaceAll(mf, "%d", "1") + "," + strings.ReplaceAll(mf, "%d", "3") + "]", 422},
		{"PUT", "/customers/metafields", `[{"id":1,"value":"w"},{"id":99999,"value":"w"}]`, 422},
		{"DELETE", "/customers/metafields", `[99998]`, 422},
		{"GET", "/customers/1/metafields", "", 200},
		{"POST", "/customers/1/metafields", `{"namespace":"doc","key":"one","value":"v","permission_set":"write"}`, 200},
		{"POST", "/customers/1/metafields", `{"namespace":"doc","key":"one","value":"v","permission_set":"write"}`, 409},
		{"POST", "/customers/1/metafields", `{"namespace":"doc","key":"","value":"v","permission_set":"write"}`, 422},
		{"GET", "/customers/1/consent", "", 200},
		{"PUT", "/customers/1/consent", `{"allow":["essential","functional"],"deny":["analytics","targeting"]}`, 200},
		{"PUT", "/customers/1/consent", `{"deny":["essential"]}`, 422},
	})
}

// The V2 customer groups, against customers.v2.yml.
//
// Amendment: customerGroup_Full.discount_rules is a oneOf of four array
// schemas none of which requires a property or closes its objects, so
// every array (even []) matches all four and no value can satisfy the
// oneOf; it is read as the anyOf it means.
func TestCustomerGroupsValidateAgainstTheOfficialDocument(t *testing.T) {
	_, url := newDocStore(t)
	validateAnswers(t, "customers.v2.yml", url+"/stores/abc123/v2", nil, func(doc *openapi3.T) {
		dr := doc.Components.Schemas["customerGroup_Full"].Value.Properties["discount_rules"].Value
		dr.AnyOf, dr.OneOf = dr.OneOf, nil
	}, []apiCase{
		{"GET", "/customer_groups", "", 200},
		{"GET", "/customer_groups?name:like=sale&limit=2", "", 200},
		{"GET", "/customer_groups/1", "", 200},
		{"GET", "/customer_groups/999", "", 404},
		{"GET", "/customer_groups/count", "", 200},
		{"POST", "/customer_groups", `{"name":"Doc","discount_rules":[{"type":"product","method":"fixed","amount":"1.5","product_id":7}]}`, 200},
		{"POST", "/customer_groups", `{"name":"Doc"}`, 409},
		{"POST", "/customer_groups", `{"name":""}`, 400},
	})
}

// Channels, against channels.v3.yml.
func TestChannelsValidateAgainstTheOfficialDocument(t *testing.T) {
	_, url := newDocStore(t)
	validateAnswers(t, "channels.v3.yml", url+"/stores/abc123/v3", nil, nil, []apiCase{
		{"GET", "/channels", "", 200},
		{"GET", "/channels?available=true&type:in=storefront&limit=1&page=2", "", 200},
		{"GET", "/channels?status:in=nope", "", 422},
		{"GET", "/channels/1", "", 200},
		{"GET", "/channels/664179?include=currencies", "", 200},
		{"GET", "/channels/424242", "", 404},
	})
}

// Countries and states, against geography.v2.yml.
func TestGeographyValidatesAgainstTheOfficialDocument(t *testing.T) {
	_, url := newDocStore(t)
	validateAnswers(t, "geography.v2.yml", url+"/stores/abc123/v2", nil, nil, []apiCase{
		{"GET", "/countries?limit=250", "", 200},
		{"GET", "/countries?country_iso2=AU", "", 200},
		{"GET", "/countries/1", "", 200},
		{"GET", "/countries/226/states", "", 200},
		{"GET", "/countries/226/states?state_abbreviation=ON", "", 200},
		{"GET", "/countries/states?limit=10", "", 200},
		{"GET", "/countries/count", "", 200},
		{"GET", "/countries/states/count", "", 200},
	})
}

// Newsletter subscribers, against subscribers.v3.yml.
func TestSubscribersValidateAgainstTheOfficialDocument(t *testing.T) {
	_, url := newDocStore(t)
	validateAnswers(t, "subscribers.v3.yml", url+"/stores/abc123/v3", nil, nil, []apiCase{
		{"GET", "/customers/subscribers?limit=250", "", 200},
		{"GET", "/customers/subscribers?source=order", "", 200},
		{"POST", "/customers/subscribers", `{"email":"doc@example.com","first_name":"D","consents":["marketing_newsletter"],"order_id":12}`, 200},
		{"POST", "/customers/subscribers", `{"email":"DOC@example.com"}`, 409},
		{"POST", "/customers/subscribers", `{"email":"doc2@example.com","source":"import"}`, 422},
		{"GET", "/customers/subscribers/1", "", 200},
		{"GET", "/customers/subscribers/999999", "", 404},
		{"PUT", "/customers/subscribers/1", `{"consents":[],"last_name":"L"}`, 200},
		{"PUT", "/customers/subscribers/999999", `{"last_name":"L"}`, 404},
		{"PUT", "/customers/subscribers/1", `{"consents":["sms"]}`, 422},
	})
}

// The storefront's form field definitions, against form_fields.sf.yml.
func TestFormFieldDefinitionsValidateAgainstTheOfficialDocument(t *testing.T) {
	_, url := newDocStore(t)
	validateAnswers(t, "form_fields.sf.yml", url+"/api/storefront", nil, nil, []apiCase{
		{"GET", "/form-fields", "", 200},
		{"GET", "/form-fields?filter=customerAccount,shippingAddress", "", 200},
	})
}
