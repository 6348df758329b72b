package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"wemart/server/api"
	"wemart/server/apitest"
	"wemart/server/storage/storagetest"
)

// TestInternalErrorLogNamesTheOperations: a 500 from a real endpoint (its
// table is gone) tells the client nothing, and its log line carries the
// request id and the chain of operations down to the database's error.
func TestInternalErrorLogNamesTheOperations(t *testing.T) {
	db := storagetest.New(t, "sqlite")
	h := apitest.New(t, db)
	shopper := mustShopper(t, h, "wx-code-chain")
	var logs bytes.Buffer
	h.App.Echo.HTTPErrorHandler = api.ErrorHandler(slog.New(slog.NewTextHandler(&logs, nil)))
	if _, err := db.SQL.Exec("DROP TABLE addresses"); err != nil {
		t.Fatal(err)
	}
	// Straight to the app: a 500 is not in this endpoint's contract.
	req := httptest.NewRequest("GET", "/api/v1/addresses", nil)
	req.Header.Set("Authorization", "Bearer "+shopper.Token)
	req.Header.Set(echo.HeaderXRequestID, "chain-500")
	rec := httptest.NewRecorder()
	h.App.Echo.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "addresses") {
		t.Fatalf("answer %d %s, want a 500 that names nothing internal", rec.Code, rec.Body)
	}
	line := strings.TrimSpace(logs.String())
	for _, want := range []string{`msg="request failed"`, "request_id=chain-500", "code=internal",
		`error="addresses.List: `, "no such table: addresses"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %q: %s", want, line)
		}
	}
}
