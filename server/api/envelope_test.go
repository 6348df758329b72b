package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestEchoErrorsUseTheEnvelope: errors raised by echo itself (no route, wrong
// method, body too large) leave in the same envelope as our own.
func TestEchoErrorsUseTheEnvelope(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	h.Do("GET", "/no/such/thing", "", nil).Fails(http.StatusNotFound, "not_found")
	h.Do("GET", "/admin/v1/nothing-here", h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
	res := h.Do("DELETE", "/admin/v1/login", "", nil)
	res.Fails(http.StatusMethodNotAllowed, "method_not_allowed")
	if allow := res.Header.Get("Allow"); !strings.Contains(allow, "POST") {
		t.Fatalf("405 without Allow: POST (got %q)", allow)
	}
}

func TestRequestIDs(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	res := h.Do("GET", "/healthz", "", nil, "X-Request-Id", "abc-123")
	if got := res.Header.Get("X-Request-Id"); got != "abc-123" {
		t.Fatalf("a sane caller id must be kept, got %q", got)
	}
	res = h.Do("GET", "/healthz", "", nil, "X-Request-Id", "evil\"id with spaces")
	if got := res.Header.Get("X-Request-Id"); got == "" || strings.ContainsAny(got, "\" ") {
		t.Fatalf("an unsafe caller id must be replaced, got %q", got)
	}
	e := h.Do("GET", "/nope", "", nil).Fails(http.StatusNotFound, "not_found")
	if e.Error.RequestID == "" {
		t.Fatal("the envelope must carry the request id")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		h.Do("GET", "/healthz", "", nil).OK(http.StatusOK, nil)
		var ready struct{ WeChat string }
		h.Do("GET", "/readyz", "", nil).OK(http.StatusOK, &ready)
		if ready.WeChat != "sandbox" {
			t.Fatalf("readyz must say the process talks to the sandbox, said %q", ready.WeChat)
		}
		db.Close()
		e := h.Do("GET", "/readyz", "", nil).Fails(http.StatusServiceUnavailable, "unavailable")
		if e.Error.Details["database"] != "down" {
			t.Fatalf("readyz must say what is down: %+v", e.Error)
		}
		// A store request with the database gone is 503 unavailable, not a 500.
		h.Do("GET", "/admin/v1/stores", h.AdminToken, nil).Fails(http.StatusServiceUnavailable, "unavailable")
	})
}

func TestCORSPreflight(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	req := httptest.NewRequest(http.MethodOptions, "/admin/v1/stores", nil)
	req.Header.Set("Origin", "http://127.0.0.1:9974")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	rec := httptest.NewRecorder()
	h.App.Echo.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") == "" ||
		!strings.Contains(strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")), "authorization") {
		t.Fatalf("preflight: %d %v", rec.Code, rec.Header())
	}
}
