package sandbox

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// OpenAPI is the sandbox's OpenAPI 3 document: every /sandbox/ endpoint,
// checked against real responses by wemart's API tests and served at
// GET /sandbox/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

func serveOpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", OpenAPI)
}
