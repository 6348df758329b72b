package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"wemart/server/patch"
)

// TestPanicBecomesAnInternalEnvelope: a panicking handler yields a logged
// 500 with the envelope, never the panic text, and the server keeps serving.
func TestPanicBecomesAnInternalEnvelope(t *testing.T) {
	var logs bytes.Buffer
	h := &core{Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(h.Log)
	e.Use(requestID, h.accessLog, h.recoverPanic)
	e.GET("/boom", func(echo.Context) error { panic("secret-internal-detail") })
	e.GET("/fine", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	var body ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 500 {
		t.Fatalf("status %d body %s", rec.Code, rec.Body)
	}
	if body.Error.Code != "internal" || body.Error.Message != "internal error" || strings.Contains(rec.Body.String(), "secret") {
		t.Fatalf("envelope leaks or is wrong: %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "secret-internal-detail") || !strings.Contains(logs.String(), body.Error.RequestID) {
		t.Fatalf("the panic and its request id must be logged: %s", logs.String())
	}
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/fine", nil))
	if rec.Code != http.StatusNoContent {
		t.Fatalf("after a panic: %d", rec.Code)
	}
}

// TestDecodeErrorsNameTheField covers the shapes encoding/json reports
// differently: nested fields, custom unmarshalers, and top-level mismatches.
func TestDecodeErrorsNameTheField(t *testing.T) {
	type inner struct {
		Qty int `json:"qty"`
	}
	type body struct {
		StoreID patch.Nullable[int] `json:"store_id"`
		Lines   []inner             `json:"lines"`
		Name    string              `json:"name"`
	}
	tests := []struct{ json, field, msg string }{
		{`{"store_id": "seven"}`, "store_id", ""},
		{`{"lines": [{"qty": "2"}]}`, "lines[0].qty", ""},
		{`{"lines": [{"qty": 1}, {"qty": {"a": 1}}]}`, "lines[1].qty", ""},
		{`  {"name": "x", "lines": [[]]}`, "lines[0]", ""},
		{`{"name": 5}`, "name", ""},
		{`{"extra": 1}`, "extra", ""},
		{`[1, 2]`, "", "must be a JSON object"},
		{` null`, "", "must be a JSON object"},
		{``, "", "empty"},
		{`{"name": "x"} trailing`, "", "single JSON object"},
	}
	for _, tt := range tests {
		e := echo.New()
		c := e.NewContext(httptest.NewRequest("POST", "/", strings.NewReader(tt.json)), httptest.NewRecorder())
		var b body
		err := bindJSON(c, &b)
		ce := classify(err)
		if ce.Code != "invalid_argument" || ce.Field != tt.field || !strings.Contains(ce.Message, tt.msg) {
			t.Errorf("%s: got %+v, want field %q message containing %q", tt.json, ce, tt.field, tt.msg)
		}
	}
}
