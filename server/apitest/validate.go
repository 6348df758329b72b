package apitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// This file holds every exchange with the server to the document that
// describes it, both ways: the requests tests send through Do, and the
// traffic that reaches the harness's loopback server (the WeChat clients'
// calls to the sandbox, the sandbox's notifications, tests' own HTTP
// requests). Answers must be documented, whatever they are; a request needs
// to be one the document allows only when the server accepted it (2xx):
// tests send bad requests on purpose to see them refused, but a request the
// server accepts and the document forbids is a bug of one or the other.

// maxCaptured is how much of a request body is kept for checking; a larger
// body that was accepted is not checked.
const maxCaptured = 2 << 20

// brief keeps schemas and values out of validation errors (the bodies are
// shown whole).
func brief() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}
}

// trafficRouter is where the traffic of a harness is looked up: each path in
// the document that describes it (the sandbox's for /sandbox/, else the API's).
func trafficRouter(t testing.TB) routers.Router {
	t.Helper()
	_, api := Spec(t)
	_, sb := SandboxSpec(t)
	return byPath{api: api, sandbox: sb}
}

// byPath finds a request's route in the document of its path.
type byPath struct{ api, sandbox routers.Router }

func (b byPath) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	if strings.HasPrefix(req.URL.Path, "/sandbox/") {
		return b.sandbox.FindRoute(req)
	}
	return b.api.FindRoute(req)
}

// validated serves next and hands report what, if anything, the exchange
// does that router's document does not allow.
func validated(router routers.Router, next http.Handler, report func(error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent := r.Clone(r.Context()) // as it came, whatever handlers do to r
		body := &capture{r: r.Body}
		if r.Body != nil {
			r.Body = body
		}
		tw := &teeWriter{ResponseWriter: w}
		next.ServeHTTP(tw, r)
		status := tw.status
		if status == 0 {
			status = http.StatusOK
		}
		if status < 300 {
			body.drain()
		}
		if err := checkExchange(router, sent, body, status, w.Header(), tw.body.Bytes()); err != nil {
			report(err)
		}
	})
}

// checkExchange says how a request and its answer depart from the
// document: an undocumented endpoint (unless the server said 404 or 405),
// an undocumented answer, or an accepted request the document forbids (not
// checked when body is nil: the request body is not known).
func checkExchange(router routers.Router, req *http.Request, body *capture, status int, header http.Header, resBody []byte) error {
	route, params, err := router.FindRoute(req)
	if err != nil {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return nil
		}
		return fmt.Errorf("%s %s answered %d but is not documented: %v", req.Method, req.URL.Path, status, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearerPresent, MultiError: true, RejectWhenRequestBodyNotSpecified: true,
			SchemaValidationOptions: brief()}}
	if err := responseProblem(in, status, header, resBody); err != nil {
		return err
	}
	if status >= 300 || body == nil || body.truncated || body.err != nil {
		return nil
	}
	req.Body = io.NopCloser(bytes.NewReader(body.buf.Bytes()))
	req.ContentLength = int64(body.buf.Len())
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s was accepted (%d), but the document does not allow the request: %v\nrequest body: %.2000s",
			req.Method, req.URL.RequestURI(), status, err, body.buf.Bytes())
	}
	return nil
}

// responseProblem says how an answer departs from the document.
func responseProblem(in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, SchemaValidationOptions: brief()}}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("%s %s → %d does not match the document: %v\nbody: %.2000s", in.Request.Method, in.Request.URL.Path, status, err, body)
	}
	return nil
}

// bearerPresent holds a request to the document's security: a bearer
// token where one is required (whether the token is good is the server's
// to say).
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s.Type != "http" || !strings.EqualFold(s.Scheme, "bearer") {
		return in.NewError(fmt.Errorf("security scheme %q is not checked here", in.SecuritySchemeName))
	}
	auth := in.RequestValidationInput.Request.Header.Get("Authorization")
	if scheme, token, _ := strings.Cut(auth, " "); !strings.EqualFold(scheme, "Bearer") || token == "" {
		return in.NewError(errors.New("no bearer token"))
	}
	return nil
}

// capture keeps what is read of a request body, up to maxCaptured.
type capture struct {
	r         io.ReadCloser
	buf       bytes.Buffer
	truncated bool
	err       error // reading the rest failed: the body is not known whole
}

// Read reads the body, keeping a copy.
func (c *capture) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	keep := min(n, maxCaptured-c.buf.Len())
	c.truncated = c.truncated || keep < n
	c.buf.Write(p[:keep])
	return n, err
}

// Close closes the body.
func (c *capture) Close() error { return c.r.Close() }

// drain reads what the handler left of the body, so the whole of it is
// checked.
func (c *capture) drain() {
	if c.r == nil {
		return
	}
	if _, err := io.Copy(io.Discard, c); err != nil {
		c.err = err
	}
}

// teeWriter keeps a copy of the answer.
type teeWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

// WriteHeader records the first status written.
func (w *teeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write keeps a copy of what is written.
func (w *teeWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the writer's Flush.
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// loopback collects what the traffic of a harness's server does that the
// document does not allow: it is served on other goroutines, so it is
// reported by the next Do of the test, or when the test ends.
type loopback struct {
	mu       sync.Mutex
	problems []string
}

// add records a problem.
func (l *loopback) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, err.Error())
}

// take returns the problems recorded so far and forgets them.
func (l *loopback) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.problems
	l.problems = nil
	return p
}

// report fails t with the problems of the loopback traffic so far.
func (l *loopback) report(t testing.TB, fail func(string, ...any)) {
	t.Helper()
	if p := l.take(); len(p) > 0 {
		fail("traffic over the loopback server that does not match the document (%d):\n%s", len(p), strings.Join(p, "\n"))
	}
}
