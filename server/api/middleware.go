package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// goodRequestID is what a caller's X-Request-Id must look like to be kept;
// anything else (too long, log-injection characters) is replaced.
var goodRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// requestID gives every request an id (the caller's, if sane), echoed in the
// X-Request-Id response header, the logs and error envelopes.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !goodRequestID.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// core is what the middleware and /healthz need: the log.
type core struct {
	Log *slog.Logger
}

// requestIDOf is the id requestID gave the request.
func requestIDOf(c echo.Context) string { return c.Response().Header().Get(echo.HeaderXRequestID) }

// accessLog writes one structured line per request, after the error handler
// has decided the status.
func (h *core) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		req, res := c.Request(), c.Response()
		h.Log.Info("request",
			"request_id", res.Header().Get(echo.HeaderXRequestID),
			"method", req.Method, "path", req.URL.Path, "route", c.Path(),
			"status", res.Status, "bytes", res.Size,
			"duration_ms", float64(time.Since(start).Microseconds())/1000,
			"remote", c.RealIP())
		return nil
	}
}

// recoverPanic turns a panic in a handler into a logged internal error, so
// the client gets the envelope and the process keeps serving.
func (h *core) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				stack := make([]byte, 8<<10)
				stack = stack[:runtime.Stack(stack, false)]
				h.Log.Error("panic", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
					"panic", fmt.Sprint(r), "stack", string(stack))
				err = errs.Wrap(fmt.Errorf("panic: %v", r), errs.Internal, "internal error")
			}
		}()
		return next(c)
	}
}
