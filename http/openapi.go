package http

import (
	_ "embed"
	"net/http"
)

// openapiJSON is the OpenAPI 3 document of the REST API, written by hand as the contract;
// a test holds it and the registered routes together.
//
//go:embed openapi.json
var openapiJSON []byte

// OpenAPI returns the OpenAPI 3 document of the REST API.
func OpenAPI() []byte { return append([]byte(nil), openapiJSON...) }

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openapiJSON)
}
