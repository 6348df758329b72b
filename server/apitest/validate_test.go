package apitest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// answering is a server that answers every request with status, a JSON
// body, and reads nothing of the request.
func answering(status int, contentType, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
}

const (
	granted = `{"openid": "o1", "template_id": "TPL", "remaining": 1}`
	refused = `{"error": {"code": "invalid_argument", "message": "no", "request_id": "r1"}}`
)

// TestExchangesAreHeldToTheSpec: an answer must be documented, whatever it
// is; a request, only when the server accepted it.
func TestExchangesAreHeldToTheSpec(t *testing.T) {
	router := trafficRouter(t)
	cases := []struct {
		name         string
		method, path string
		header       string // Authorization
		body         string
		server       http.Handler
		problem      string // "": none
	}{
		{"allowed and accepted", "POST", "/sandbox/subscribe/grants", "", `{"code": "c", "template_id": "TPL"}`,
			answering(200, "application/json", granted), ""},
		{"forbidden and refused", "POST", "/sandbox/subscribe/grants", "", `{"code": "c", "template_id": "TPL", "count": 0}`,
			answering(400, "application/json", refused), ""},
		{"forbidden but accepted", "POST", "/sandbox/subscribe/grants", "", `{"code": "c", "template_id": "TPL", "count": 0}`,
			answering(200, "application/json", granted), "does not allow the request"},
		{"no body but accepted", "POST", "/sandbox/subscribe/grants", "", "",
			answering(200, "application/json", granted), "does not allow the request"},
		{"a body where none is documented", "POST", "/admin/v1/logout", "Bearer t", `{"all": true}`,
			answering(204, "", ""), "does not allow the request"},
		{"no token but accepted", "GET", "/metrics", "", "",
			answering(200, "text/plain", "up 1\n"), "no bearer token"},
		{"a token and accepted", "GET", "/metrics", "Bearer t", "",
			answering(200, "text/plain", "up 1\n"), ""},
		{"an undocumented answer", "POST", "/sandbox/subscribe/grants", "", `{"code": "c", "template_id": "TPL"}`,
			answering(200, "application/json", `{"remaining": "1"}`), "does not match the document"},
		{"an undocumented status", "POST", "/sandbox/subscribe/grants", "", `{"code": "c", "template_id": "TPL"}`,
			answering(409, "application/json", refused), "does not match the document"},
		{"an undocumented path", "GET", "/api/v1/nowhere", "", "",
			answering(200, "application/json", `{}`), "is not documented"},
		{"an undocumented path, not found", "GET", "/api/v1/nowhere", "", "",
			answering(404, "application/json", refused), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			if c.body == "" {
				req = httptest.NewRequest(c.method, c.path, nil)
			}
			req.Header.Set("Content-Type", "application/json")
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			var problem error
			validated(router, c.server, func(err error) { problem = err }).ServeHTTP(httptest.NewRecorder(), req)
			switch {
			case c.problem == "" && problem != nil:
				t.Fatalf("a problem: %v", problem)
			case c.problem != "" && (problem == nil || !strings.Contains(problem.Error(), c.problem)):
				t.Fatalf("problem %v, want one saying %q", problem, c.problem)
			}
		})
	}
}

// TestLoopbackTrafficIsHeldToTheSpec: what reaches a harness's server over
// HTTP is checked like what Do sends, even a body the handler never read,
// streamed without a length.
func TestLoopbackTrafficIsHeldToTheSpec(t *testing.T) {
	lb := &loopback{}
	srv := httptest.NewServer(validated(trafficRouter(t), answering(200, "application/json", granted), lb.add))
	defer srv.Close()
	for _, body := range []string{`{"code": "c", "template_id": "TPL"}`, `{"code": "c", "template_id": "TPL", "count": 101}`} {
		pr, pw := io.Pipe()
		go func() {
			for _, part := range []string{body[:10], body[10:]} {
				_, _ = io.WriteString(pw, part)
			}
			pw.Close()
		}()
		res, err := http.Post(srv.URL+"/sandbox/subscribe/grants", "application/json", pr)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	srv.Close() // all answered and checked
	if p := lb.take(); len(p) != 1 || !strings.Contains(p[0], `"/count"`) {
		t.Fatalf("problems %q, want the one of count 101", p)
	}
}
