package api

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"wemart/server/errs"
	"wemart/server/wechat/sandbox"
)

// NewSandbox is the HTTP server of `wemart sandbox`: the WeChat sandbox's
// routes alone, with the same middleware and error envelope as wemart's own
// server, so a /sandbox/ request answers the same whether a server runs its
// sandbox in-process or forwards it to a shared one.
func NewSandbox(log *slog.Logger, sb *sandbox.Sandbox) *echo.Echo {
	h := &core{Log: log}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(log)
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(requestID, h.accessLog, h.recoverPanic, middleware.BodyLimit(BodyLimit))
	e.GET("/healthz", h.healthz)
	sb.Mount(e)
	return e
}

// SandboxProxy forwards /sandbox/ requests to a shared sandbox (with
// WEMART_SANDBOX_URL), so `POST /sandbox/pay` and the rest keep working on
// every server of a fleet exactly as with an in-process sandbox. A sandbox
// that cannot be reached is 503 unavailable.
func SandboxProxy(target *url.URL) echo.HandlerFunc {
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		ResponseHeaderTimeout: 30 * time.Second, // a cashier call waits for the notify URL's answer
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   16,
	}
	return func(c echo.Context) error {
		var failed error
		rid := c.Response().Header().Get(echo.HeaderXRequestID)
		p := &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(target)
				r.SetXForwarded()
				r.Out.Header.Set(echo.HeaderXRequestID, rid) // one id on both sides
			},
			ModifyResponse: func(res *http.Response) error {
				res.Header.Del(echo.HeaderXRequestID) // ours is set already (the same)
				return nil
			},
			Transport:    transport,
			ErrorHandler: func(_ http.ResponseWriter, _ *http.Request, err error) { failed = err },
		}
		p.ServeHTTP(c.Response(), c.Request())
		if failed != nil && !c.Response().Committed {
			if errors.Is(failed, http.ErrAbortHandler) {
				return failed
			}
			return errs.Wrap(failed, errs.Unavailable, "the WeChat sandbox at %s cannot be reached", target.Host)
		}
		return nil
	}
}
