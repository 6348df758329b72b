package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// call is one request the driver made through the load balancer, as the
// run remembers it.
type call struct {
	// What is the kind of request ("checkout", "pay", ...).
	What       string
	Method     string
	Path       string
	Start, End time.Time
	// Status is the HTTP status; 0 when no answer came (connection error).
	Status    int
	RequestID string
	// Server is the backend that answered itself (X-Chaos-Server, which
	// haproxy puts on a server's answers only); "" for an answer haproxy
	// made itself (a 502, 503 or 504) or none at all.
	Server string
	// Tried is the backend haproxy had chosen (X-Chaos-Tried, on every
	// answer; "<NOSRV>" when none was up).
	Tried string
	// Code is the error envelope's code of a 5xx.
	Code string
	// Body is kept for 5xx answers and errors only.
	Body string
}

// The headers haproxy adds (see haproxyConfig).
const (
	headerServer = "X-Chaos-Server"
	headerTried  = "X-Chaos-Tried"
)

// result is an answer.
type result struct {
	Status int
	Body   []byte
	Err    error
	// Code is the error envelope's code, if any.
	Code string
}

// ok reports a 2xx.
func (r result) ok() bool { return r.Status >= 200 && r.Status < 300 }

// ambiguous reports an answer that does not say whether the request took
// effect: no answer, or a 5xx.
func (r result) ambiguous() bool { return r.Status == 0 || r.Status >= 500 }

// client sends requests to the fleet and records every one.
type client struct {
	base string
	http *http.Client
	seq  atomic.Int64
	tag  string // request ids are <tag>-<n>

	mu    sync.Mutex
	calls []call
}

func newClient(base, tag string) *client {
	return &client{base: base, tag: tag, http: &http.Client{
		// A cashier call waits for the notify URL's answer (the sandbox gives
		// it 5 s); nothing else takes long.
		Timeout: 45 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: 128, MaxIdleConnsPerHost: 128, IdleConnTimeout: 30 * time.Second,
		},
	}}
}

// do sends a JSON request (body nil: none) with the bearer token, if any,
// and extra header pairs, and decodes a 2xx answer into out (if not nil).
func (c *client) do(ctx context.Context, what, method, path, token string, body, out any, header ...string) result {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return result{Err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return result{Err: err}
	}
	rid := fmt.Sprintf("%s-%d", c.tag, c.seq.Add(1))
	req.Header.Set("X-Request-Id", rid)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := call{What: what, Method: method, Path: path, RequestID: rid, Start: time.Now()}
	res, err := c.http.Do(req)
	var r result
	if err != nil {
		r.Err = err
		rec.Body = err.Error()
	} else {
		r.Status = res.StatusCode
		rec.Status = res.StatusCode
		rec.Server, rec.Tried = res.Header.Get(headerServer), res.Header.Get(headerTried)
		r.Body, r.Err = io.ReadAll(res.Body)
		res.Body.Close()
		if r.Err != nil { // the answer broke off: as good as none
			rec.Status, r.Status = 0, 0
			rec.Body = "reading the answer: " + r.Err.Error()
		} else if res.StatusCode >= 500 {
			rec.Body = string(r.Body)
		}
	}
	if r.Status != 0 && !r.ok() {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		if json.Unmarshal(r.Body, &e) == nil {
			r.Code = e.Error.Code
		}
		if r.Status >= 500 {
			rec.Code = r.Code
		}
	}
	rec.End = time.Now()
	if ctx.Err() != nil && r.Status == 0 {
		// We gave up (the run is ending): not the fleet's doing.
		return r
	}
	c.mu.Lock()
	c.calls = append(c.calls, rec)
	c.mu.Unlock()
	if r.ok() && out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			r.Err = fmt.Errorf("%s %s answered %d with %q: %w", method, path, r.Status, clip(string(r.Body), 200), err)
		}
	}
	return r
}

// recorded is every request made so far.
func (c *client) recorded() []call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]call(nil), c.calls...)
}

// clip cuts s to n bytes.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
