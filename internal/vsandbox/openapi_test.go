package vsandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/bcetl/bcetl/internal/vsandbox"
)

// The official documents, as CI lays them out beside the repository.
const officialDir = "../../testdata/reference/voucherify/"

// loadDoc reads one official document, served at base.
func loadDoc(t *testing.T, name, base string) (*openapi3.T, routers.Router) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(officialDir + name)
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	if name == "exports.json" {
		amendExports(doc)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// amendExports corrects two contradictions of exports.json, each with the
// document's own evidence:
//   - ExportScheduledBase (the create answer) requires user_id as a
//     non-nullable string, yet "returned when the channel value is
//     WEBSITE"; ExportBase declares it nullable and every example of an
//     API export has "user_id": null. Made nullable.
//   - Any (the values of every filter condition) is a oneOf of "string",
//     "string - date" and "string - date-time": a date-time string matches
//     two of them, so no filter on a date could ever validate. Made anyOf.
//   - Create Export's 400 is a oneOf of e_400_invalid_payload and
//     e_400_invalid_export_fields, which have the same properties (only
//     their defaults differ): every error body matches both. Made anyOf.
func amendExports(doc *openapi3.T) {
	doc.Components.Schemas["ExportScheduledBase"].Value.Properties["user_id"].Value.Nullable = true
	anySchema := doc.Components.Schemas["Any"].Value.Items.Value
	anySchema.AnyOf, anySchema.OneOf = anySchema.OneOf, nil
	bad := doc.Paths.Value("/v1/exports").Post.Responses.Status(400).Value.Content.Get("application/json").Schema.Value
	bad.AnyOf, bad.OneOf = bad.OneOf, nil
}

// exportRoute is the operation of exports.json for a request to
// /v1/exports/{id}: Get Export, Delete Export and Download Export share
// that path template (the download on another host), so a router cannot
// tell them apart.
func exportRoute(doc *openapi3.T, req *http.Request) (*routers.Route, map[string]string) {
	id := req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:]
	path, param := "/v1/exports/{exportId}", "exportId"
	if strings.HasPrefix(req.URL.Path, "/download/") {
		path, param = "/v1/exports/{export_Id}", "export_Id"
	}
	item := doc.Paths.Value(path)
	return &routers.Route{Spec: doc, Path: path, PathItem: item, Method: req.Method, Operation: item.GetOperation(req.Method)},
		map[string]string{param: id}
}

// TestAnswersValidateAgainstTheOfficialDocuments sends requests of every
// kind the emulator answers and validates each answer (status, content
// type, body against the response schema: types, required fields, enums,
// formats) with kin-openapi reading the official documents; each request
// is checked against the document too, so the emulator answers what the
// documents define. Error answers, which the documents describe once
// (components.schemas.Error) rather than per status, are validated against
// that schema.
func TestAnswersValidateAgainstTheOfficialDocuments(t *testing.T) {
	if _, err := os.Stat(officialDir + "customers.json"); err != nil {
		t.Fatalf("official documents: %v", err)
	}
	srv, err := vsandbox.New(vsandbox.Options{AppID: "app", AppToken: "tok", ExportPolls: 1, Quota: 1000, Window: 60e9})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Generate(vsandbox.GenOptions{Customers: 300, Seed: 2, MaxBurst: 20}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	customers, customersRouter := loadDoc(t, "customers.json", hs.URL)
	exports, exportsRouter := loadDoc(t, "exports.json", hs.URL)
	errorSchema := customers.Components.Schemas["Error"].Value
	someID := srv.Customers()[17].ID

	ctx := context.Background()
	send := func(method, path, body string, headers bool) (*http.Request, *http.Response, []byte) {
		t.Helper()
		var rb io.Reader
		if body != "" {
			rb = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, strings.TrimSuffix(hs.URL, "/")+path, rb)
		if headers {
			req.Header.Set("X-App-Id", "app")
			req.Header.Set("X-App-Token", "tok")
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return req, res, raw
	}
	validate := func(router routers.Router, req *http.Request, res *http.Response, raw []byte, name string) {
		t.Helper()
		var route *routers.Route
		var params map[string]string
		if router == nil {
			route, params = exportRoute(exports, req)
		} else {
			var err error
			if route, params, err = router.FindRoute(req); err != nil {
				t.Fatalf("%s: no route in the document: %v", name, err)
			}
		}
		opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
		rin := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
		if res.StatusCode < 300 {
			if req.Body != nil {
				req.Body = io.NopCloser(strings.NewReader(""))
			}
			if err := openapi3filter.ValidateRequest(ctx, rin); err != nil && req.Method == http.MethodGet {
				t.Errorf("%s: the request does not validate against the document: %v", name, err)
			}
		}
		in := &openapi3filter.ResponseValidationInput{RequestValidationInput: rin, Status: res.StatusCode, Header: res.Header,
			Body: io.NopCloser(bytes.NewReader(raw)), Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: res.StatusCode < 300}}
		if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
			t.Errorf("%s: the %d answer does not validate against the document: %v\n%.300s", name, res.StatusCode, err, raw)
		}
		if res.StatusCode >= 400 {
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Errorf("%s: error body is not JSON: %s", name, raw)
			} else if err := errorSchema.VisitJSON(v); err != nil {
				t.Errorf("%s: error body does not validate against components.schemas.Error: %v\n%s", name, err, raw)
			}
		}
	}

	for _, c := range []struct {
		method, path, body string
		want               int
		auth               bool
	}{
		{"GET", "/v1/customers", "", 200, true},
		{"GET", "/v1/customers?limit=100&order=created_at", "", 200, true},
		{"GET", "/v1/customers?limit=100&page=3&order=-updated_at", "", 200, true},
		{"GET", "/v1/customers?starting_after=2024-06-01T00:00:00.000Z&order=updated_at&limit=50", "", 200, true},
		{"GET", "/v1/customers?created_at%5Bafter%5D=2023-01-01T00:00:00Z&created_at%5Bbefore%5D=2024-01-01T00:00:00Z&order=source_id", "", 200, true},
		{"GET", "/v1/customers?email=nobody%40example.com&city=Berlin&name=x", "", 200, true},
		{"GET", "/v1/customers/" + someID, "", 200, true},
		{"GET", "/v1/customers/cust_unknown", "", 404, true},
		{"GET", "/v1/customers?page=100", "", 400, true},
		{"GET", "/v1/customers?limit=101", "", 400, true},
		{"GET", "/v1/customers?order=email", "", 400, true},
		{"GET", "/v1/customers", "", 401, false},
	} {
		req, res, raw := send(c.method, c.path, c.body, c.auth)
		name := c.method + " " + c.path
		if res.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d: %.200s", name, res.StatusCode, c.want, raw)
		}
		validate(customersRouter, req, res, raw, name)
	}

	// The export lifecycle, every state validated.
	create := `{"exported_object":"customer","parameters":{"order":"-created_at","fields":["name","id","email","source_id",` +
		`"created_at","updated_at","metadata","address_country","birthdate"],"filters":{"junction":"and","created_at":` +
		`{"conditions":{"$after":["2022-01-01T00:00:00.000Z"]}},"metadata.lang":{"conditions":{"$in":["en","de"]}}}}}`
	req, res, raw := send("POST", "/v1/exports", create, true)
	validate(exportsRouter, req, res, raw, "POST /v1/exports")
	var ex struct {
		ID     string
		Status string
		Result *struct{ URL string }
	}
	if err := json.Unmarshal(raw, &ex); err != nil || res.StatusCode != 200 {
		t.Fatalf("create export: %d %s", res.StatusCode, raw)
	}
	for _, want := range []string{"IN_PROGRESS", "DONE"} {
		req, res, raw = send("GET", "/v1/exports/"+ex.ID, "", true)
		validate(nil, req, res, raw, "GET /v1/exports/{id} "+want)
		if err := json.Unmarshal(raw, &ex); err != nil || ex.Status != want {
			t.Fatalf("export: %s", raw)
		}
	}
	download := func(u string) (*http.Request, *http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", u, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return req, res, raw
	}
	req, res, raw = download(ex.Result.URL)
	if res.StatusCode != 200 || !bytes.HasPrefix(raw, []byte("\ufeffName,ID,Email")) {
		t.Errorf("download: %d %.100s", res.StatusCode, raw)
	}
	validate(nil, req, res, raw, "download")
	req, res, raw = download(ex.Result.URL + "x")
	validate(nil, req, res, raw, "download with a wrong token")
	if res.StatusCode != 401 {
		t.Errorf("wrong token: %d", res.StatusCode)
	}

	srv.FailExports(1)
	_, _, raw = send("POST", "/v1/exports", `{"exported_object":"customer"}`, true)
	_ = json.Unmarshal(raw, &ex)
	for range 2 {
		req, res, raw = send("GET", "/v1/exports/"+ex.ID, "", true)
	}
	validate(nil, req, res, raw, "GET /v1/exports/{id} ERROR")
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/v1/exports?limit=5&order=-created_at", "", 200},
		{"GET", "/v1/exports/exp_unknown", "", 404},
		{"POST", "/v1/exports", `{"exported_object":"coupon"}`, 400},
		{"POST", "/v1/exports", `{"exported_object":"customer","parameters":{"fields":["first_name"]}}`, 400},
		{"DELETE", "/v1/exports/" + ex.ID, "", 204},
	} {
		req, res, raw := send(c.method, c.path, c.body, true)
		name := c.method + " " + c.path
		if res.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d: %.200s", name, res.StatusCode, c.want, raw)
		}
		router := exportsRouter
		if strings.HasPrefix(c.path, "/v1/exports/") {
			router = nil
		}
		validate(router, req, res, raw, name)
	}

	// A 429, against the documented Error object.
	srv.SetQuota(1, 60e9)
	send("GET", "/v1/customers", "", true)
	req, res, raw = send("GET", "/v1/customers", "", true)
	if res.StatusCode != 429 {
		t.Fatalf("want 429, got %d", res.StatusCode)
	}
	validate(customersRouter, req, res, raw, "429")
}
