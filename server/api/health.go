package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// Health is the answer of /healthz.
type Health struct {
	Status string `json:"status"`
}

// Readiness is the answer of /readyz: each backing service's state (by
// name: "ok" or "down") and which WeChat the process talks to.
type Readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
	WeChat string            `json:"wechat"`
}

// healthz answers 200 while the process serves.
func (h *core) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, Health{Status: "ok"})
}

// readyz answers 200 when the database and the search backend answer, 503
// unavailable otherwise (saying which is down), so a load balancer stops
// sending traffic to a process that cannot serve it. It also says which
// WeChat the process talks to, so a sandbox in production shows on every
// health check.
func (h *healthAPI) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "search": "ok"}
	var failed error
	if err := h.DB.Ping(ctx); err != nil {
		checks["database"], failed = "down", err
	}
	if err := h.Search.Ping(ctx); err != nil {
		checks["search"], failed = "down", err
	}
	if failed != nil {
		e := errs.Wrap(failed, errs.Unavailable, "a backing service is not reachable")
		for k, v := range checks {
			e.With(k, v)
		}
		return e
	}
	return c.JSON(http.StatusOK, Readiness{Status: "ready", Checks: checks, WeChat: h.WeChatMode})
}
