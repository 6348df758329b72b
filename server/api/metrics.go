package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
	"wemart/server/metrics"
)

// metricsAPI serves GET /metrics on the main listener.
type metricsAPI struct {
	Metrics      *metrics.Metrics
	MetricsToken string
}

// metricsEndpoint is GET /metrics on the main listener: Prometheus's text
// format for whoever holds WEMART_METRICS_TOKEN. Without a token configured
// it answers exactly like an unknown path, so the public listener does not
// even reveal that metrics exist (operators can use WEMART_METRICS_ADDR, a
// listener of its own, instead).
func (h *metricsAPI) metricsEndpoint(c echo.Context) error {
	if h.Metrics == nil || h.MetricsToken == "" {
		return echo.ErrNotFound
	}
	token := bearer(c)
	if token == "" {
		return errs.E(errs.Unauthenticated, "send the metrics token (WEMART_METRICS_TOKEN) as Authorization: Bearer <token>")
	}
	// Comparing digests keeps the comparison constant-time in the token's
	// length as well as its content.
	got, want := sha256.Sum256([]byte(token)), sha256.Sum256([]byte(h.MetricsToken))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return errs.E(errs.Unauthenticated, "the metrics token is not valid")
	}
	h.Metrics.Handler().ServeHTTP(c.Response(), c.Request())
	return nil
}

// measure counts every request and its duration by method, route template
// and final status. It runs before routing (echo's Pre), so it sees every
// request, 404s included, and reads the route once the router has chosen
// it. Paths no route matched share the one label metrics.Unmatched: the
// label's values are the routes of e, whatever clients send.
func measure(m *metrics.Metrics, e *echo.Echo) echo.MiddlewareFunc {
	if m == nil {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	var (
		once  sync.Once
		known map[string]bool
	)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			// Every route is registered before the first request arrives.
			once.Do(func() { known = routePaths(e) })
			route := c.Path()
			if !known[route] {
				route = metrics.Unmatched
			}
			m.Request(c.Request().Method, route, c.Response().Status, time.Since(start))
			return nil
		}
	}
}

// routePaths is the set of e's route templates, without echo's catch-alls
// for unmatched paths under a group.
func routePaths(e *echo.Echo) map[string]bool {
	known := map[string]bool{}
	for _, r := range e.Routes() {
		if r.Method != echo.RouteNotFound {
			known[r.Path] = true
		}
	}
	return known
}
