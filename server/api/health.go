package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// healthz answers 200 while the process serves.
func (h *handlers) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the database answers, 503 unavailable otherwise,
// so a load balancer stops sending traffic to a process that cannot serve it.
func (h *handlers) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := h.DB.Ping(ctx); err != nil {
		return errs.Wrap(err, errs.Unavailable, "the database is not reachable").With("database", "down")
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "checks": map[string]string{"database": "ok"}})
}
