package http_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	icphttp "github.com/icpcheck/icpcheck/http"
)

// openapiDoc is the part of the OpenAPI document the tests read.
type openapiDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components"`
}

func loadOpenAPI(tb testing.TB, data []byte) *openapiDoc {
	tb.Helper()
	var doc openapiDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		tb.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		tb.Fatalf("openapi=%q, want 3.x", doc.OpenAPI)
	}
	return &doc
}

// operations returns "METHOD /path" for every operation of the document.
func (doc *openapiDoc) operations() map[string]bool {
	ops := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			if method == "parameters" {
				continue
			}
			ops[strings.ToUpper(method)+" "+path] = true
		}
	}
	return ops
}

// TestOpenAPIRefs holds that every $ref of the document points at a component it defines.
func TestOpenAPIRefs(t *testing.T) {
	data := icphttp.OpenAPI()
	doc := loadOpenAPI(t, data)
	refs := regexp.MustCompile(`"\$ref":\s*"#/components/([a-zA-Z]+)/([A-Za-z0-9_]+)"`).FindAllStringSubmatch(string(data), -1)
	if len(refs) == 0 {
		t.Fatal("no $ref in the document")
	}
	for _, m := range refs {
		if _, ok := doc.Components[m[1]][m[2]]; !ok {
			t.Errorf("$ref to undefined %s/%s", m[1], m[2])
		}
	}
}

// TestOpenAPIRoutes holds the document and the server together: every registered route is
// documented, and every documented operation answers (a 404 only for the resource, never
// for the route, and never a 405).
func TestOpenAPIRoutes(t *testing.T) {
	e := mustOpenEnv(t, opener{"sqlite", openSQLite})
	status, data := e.do(t, nil, "GET", "/openapi.json", nil)
	if status != 200 {
		t.Fatalf("GET /openapi.json: %d", status)
	}
	doc := loadOpenAPI(t, data)
	ops := doc.operations()
	for _, route := range append(e.Server.Routes(), "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json") {
		if !ops[route] {
			t.Errorf("route %s is not in openapi.json", route)
		}
	}
	params := regexp.MustCompile(`\{[a-z_]+\}`)
	for op := range ops {
		method, path, _ := strings.Cut(op, " ")
		path = params.ReplaceAllString(path, "x")
		status, body := e.do(t, e.AdminKey, method, path, nil)
		switch {
		case status == http.StatusMethodNotAllowed:
			t.Errorf("%s: 405", op)
		case status == http.StatusNotFound && errorCode(t, body) == "route_not_found":
			t.Errorf("%s: no such route", op)
		case status >= 500 && op != "GET /readyz":
			t.Errorf("%s: %d %s", op, status, body)
		}
	}
}
