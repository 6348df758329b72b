// Package api is wemart's HTTP surface: the echo router, its middleware, the
// handlers (bind → validate → service → DTO), the error envelope and the
// OpenAPI document (openapi.yaml) that describes all of it. The route table,
// with who may call each staff route, is routes.go.
package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"wemart/server/errs"
	"wemart/server/media"
	"wemart/server/metrics"
	"wemart/server/shoppers"
	"wemart/server/staff"
)

// BodyLimit is the largest request body accepted (1 MiB, as the API promises).
const BodyLimit = "1MiB"

// Options configure the router itself; the services come with each noun's
// routes (see routes.go).
type Options struct {
	Log *slog.Logger
	// CORSOrigins are the browser origins allowed to call the API.
	CORSOrigins []string
	// TrustProxy takes client addresses from X-Forwarded-For set by a proxy on
	// a private network; otherwise the TCP peer is the client.
	TrustProxy bool
	// StaffLoginRate limits staff login attempts per client address (per minute).
	StaffLoginRate int
	// ShopperLoginRate limits shopper logins per client address (per minute).
	ShopperLoginRate int
	// Metrics counts requests and business events; nil counts nothing.
	Metrics *metrics.Metrics
	// MetricsToken, when set, serves GET /metrics to bearers of it;
	// otherwise /metrics is not served here (404).
	MetricsToken string
	// MediaURL is the public base URL of pictures (WEMART_MEDIA_URL); empty
	// makes their URLs root-relative, /media/<key>, served here.
	MediaURL string
}

// Router is wemart's HTTP API being put together: echo with the
// middleware, the error envelope, the document and the two kinds of login.
// Each noun then adds its routes with only the services it needs (see
// routes.go); Echo is the finished handler.
type Router struct {
	e   *echo.Echo
	opt Options
	// requireStaff and requireShopper authenticate staff and shopper tokens.
	requireStaff, requireShopper echo.MiddlewareFunc
	// views make picture URLs (WEMART_MEDIA_URL).
	views views
	// ownLimit are the routes ("METHOD /path") whose body limit is their
	// own (uploads), not the API's 1 MiB.
	ownLimit map[string]bool
	// shoppers serves shopper login (Referrals gives it the referrals).
	shoppers *shopperAPI
}

// New builds the router with every middleware, health, the OpenAPI document,
// metrics, and the routes of staff and shopper accounts (whose services
// authenticate every other route).
func New(opt Options, staffSvc *staff.Service, shopperSvc *shoppers.Service) *Router {
	if opt.StaffLoginRate == 0 {
		opt.StaffLoginRate = 20
	}
	if opt.ShopperLoginRate == 0 {
		opt.ShopperLoginRate = 600
	}
	base := &core{Log: opt.Log}
	ownLimit := map[string]bool{} // filled as routes are added, read while serving
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(opt.Log)
	e.IPExtractor = echo.ExtractIPDirect()
	if opt.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}

	e.Pre(measure(opt.Metrics, e))
	e.Use(requestID, base.accessLog, base.recoverPanic, strictParams,
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: BodyLimit, Skipper: func(c echo.Context) bool {
			return ownLimit[c.Request().Method+" "+c.Path()]
		}}),
		middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  opt.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, "Idempotency-Key", echo.HeaderXRequestID},
			ExposeHeaders: []string{echo.HeaderXRequestID},
			MaxAge:        600,
		}))

	e.GET("/healthz", base.healthz)
	e.GET("/openapi.yaml", serveOpenAPI)
	e.GET("/metrics", (&metricsAPI{Metrics: opt.Metrics, MetricsToken: opt.MetricsToken}).metricsEndpoint)

	v := views{URLs: media.URLs{Base: opt.MediaURL}}
	staffH, shopperH := &staffAPI{Staff: staffSvc}, &shopperAPI{views: v, Shoppers: shopperSvc, Log: opt.Log}
	r := &Router{e: e, opt: opt, requireStaff: staffH.requireStaff, requireShopper: shopperH.requireShopper,
		views: v, ownLimit: ownLimit, shoppers: shopperH}
	r.staffAccounts(staffH)
	r.shopperAccounts(shopperH)
	return r
}

// Echo is the finished HTTP handler.
func (r *Router) Echo() *echo.Echo { return r.e }

// rateLimit allows perMinute requests a minute per client address, in bursts
// of the same size, answering 429 rate_limited beyond. The count is per
// process: behind a load balancer the effective limit is N times this.
func rateLimit(perMinute int) echo.MiddlewareFunc {
	// The bucket refills one request every 60/perMinute seconds.
	wait := time.Minute / time.Duration(perMinute)
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(float64(perMinute) / 60), Burst: perMinute, ExpiresIn: 10 * time.Minute,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: store,
		DenyHandler: func(echo.Context, string, error) error {
			return errs.TooMany(wait, "too many attempts from this address; wait a moment")
		},
		ErrorHandler: func(echo.Context, error) error {
			return errs.TooMany(wait, "too many attempts from this address; wait a moment")
		},
	})
}
