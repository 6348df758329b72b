package sandbox

import _ "embed" // the document below

// OpenAPI is the sandbox's OpenAPI 3 document: every /sandbox/ endpoint,
// served at GET /sandbox/openapi.yaml and checked against real answers by
// wemart's API tests.
//
//go:embed openapi.yaml
var OpenAPI []byte
