// Package api is wemart's HTTP surface: the echo router, its middleware, the
// handlers (bind → validate → service → DTO), the error envelope and the
// OpenAPI document (openapi.yaml) that describes all of it.
package api

import (
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"wemart/server/addresses"
	"wemart/server/cart"
	"wemart/server/catalog"
	"wemart/server/errs"
	"wemart/server/indexer"
	"wemart/server/inventory"
	"wemart/server/metrics"
	"wemart/server/orders"
	"wemart/server/payments"
	"wemart/server/prices"
	"wemart/server/qr"
	"wemart/server/shoppers"
	"wemart/server/staff"
	"wemart/server/storage"
	"wemart/server/stores"
	"wemart/server/wechat"
	"wemart/server/wechat/sandbox"
)

// BodyLimit is the largest request body accepted (1 MiB, as the API promises).
const BodyLimit = "1MiB"

// Deps is what the API needs from the rest of the server.
type Deps struct {
	Log       *slog.Logger
	DB        *storage.DB
	Staff     *staff.Service
	Stores    *stores.Service
	Catalog   *catalog.Service
	Inventory *inventory.Service
	Prices    *prices.Service
	Shoppers  *shoppers.Service
	Addresses *addresses.Service
	Payments  *payments.Service
	Cart      *cart.Service
	Orders    *orders.Service
	// Codes draws in-store QR codes.
	Codes *qr.Codes
	// Search answers catalogue searches.
	Search *indexer.Service
	// Notifications opens WeChat Pay notifications.
	Notifications *wechat.Notifications
	// WeChatMode is "sandbox" or "live", as /readyz reports it.
	WeChatMode string
	// Sandbox, in sandbox mode, is mounted under /sandbox/.
	Sandbox *sandbox.Sandbox
	// SandboxURL, in sandbox mode with a shared sandbox (`wemart sandbox`),
	// is where /sandbox/ requests are forwarded instead.
	SandboxURL *url.URL
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
}

type handlers struct{ Deps }

// New builds the echo server with every route and middleware.
func New(d Deps) *echo.Echo {
	if d.StaffLoginRate == 0 {
		d.StaffLoginRate = 20
	}
	if d.ShopperLoginRate == 0 {
		d.ShopperLoginRate = 600
	}
	h := &handlers{d}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Log)
	e.IPExtractor = echo.ExtractIPDirect()
	if d.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}

	e.Pre(measure(d.Metrics, e))
	e.Use(requestID, h.accessLog, h.recoverPanic, strictParams,
		middleware.BodyLimit(BodyLimit),
		middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  d.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, "Idempotency-Key", echo.HeaderXRequestID},
			ExposeHeaders: []string{echo.HeaderXRequestID},
			MaxAge:        600,
		}))

	e.GET("/healthz", h.healthz)
	e.GET("/readyz", h.readyz)
	e.GET("/openapi.yaml", serveOpenAPI)
	e.GET("/metrics", h.metricsEndpoint)

	// Staff routes take requireStaff per route, not as group middleware: echo
	// runs group middleware for unmatched paths too, which would turn 404s and
	// 405s under /admin/v1 into 401s.
	e.POST("/api/v1/auth/login", h.shopperLogin, rateLimit(d.ShopperLoginRate))
	e.POST("/api/v1/auth/phone", h.bindPhone, h.requireShopper)
	e.GET("/api/v1/me", h.shopperMe, h.requireShopper)
	e.GET("/api/v1/stores/nearby", h.nearbyStores)
	e.GET("/api/v1/stores/:id", h.shopStore)
	e.GET("/api/v1/stores/:id/delivery", h.storeDelivery)
	e.GET("/api/v1/stores/:id/barcode/:code", h.storeBarcode)
	e.GET("/api/v1/products", h.searchProducts)
	e.GET("/api/v1/products/suggest", h.suggestProducts)
	e.GET("/api/v1/products/:id", h.getShopProduct)
	e.GET("/api/v1/scan", h.scan)
	e.GET("/api/v1/addresses", h.listAddresses, h.requireShopper)
	e.POST("/api/v1/addresses", h.createAddress, h.requireShopper)
	e.GET("/api/v1/addresses/:id", h.getAddress, h.requireShopper)
	e.PUT("/api/v1/addresses/:id", h.replaceAddress, h.requireShopper)
	e.DELETE("/api/v1/addresses/:id", h.deleteAddress, h.requireShopper)
	e.GET("/api/v1/addresses/:id/stores", h.addressStores, h.requireShopper)
	e.GET("/api/v1/cart", h.getCart, h.requireShopper)
	e.DELETE("/api/v1/cart", h.clearCart, h.requireShopper)
	e.PUT("/api/v1/cart/items", h.putCartItem, h.requireShopper)
	e.POST("/api/v1/cart/select", h.selectCart, h.requireShopper)
	e.POST("/api/v1/orders", h.createOrder, h.requireShopper)
	e.GET("/api/v1/orders", h.listOrders, h.requireShopper)
	e.GET("/api/v1/orders/:id", h.getOrder, h.requireShopper)
	e.POST("/api/v1/orders/:id/pay", h.payOrder, h.requireShopper)
	e.POST("/api/v1/orders/:id/cancel", h.cancelOrder, h.requireShopper)
	e.POST("/api/v1/orders/:id/refund", h.refundOrder, h.requireShopper)
	e.GET("/qr", h.qrLanding)

	e.POST("/wechat/pay/notify", h.payNotify)
	switch {
	case d.Sandbox != nil:
		d.Sandbox.Mount(e)
	case d.SandboxURL != nil:
		e.Any("/sandbox/*", sandboxProxy(d.SandboxURL))
	}

	e.POST("/admin/v1/login", h.login, rateLimit(d.StaffLoginRate))
	// Who may call each staff route (see access and server/staff/policy.go).
	staffRoute := func(method, path string, handler echo.HandlerFunc, a access) {
		r := e.Add(method, "/admin/v1"+path, handler, h.requireStaff, authorize(a))
		r.Name = string(a.perm) // what TestStaffRoutesDeclareAccess reads
	}
	var (
		storeInPath    = pathStore("id")
		storeIDInPath  = pathStore("store_id")
		storeIDInQuery = queryStore("store_id")
		orderStore     = h.orderStore
	)
	staffRoute(http.MethodGet, "/me", h.me, may(staff.PermOwnAccount))
	staffRoute(http.MethodPost, "/logout", h.logout, may(staff.PermOwnAccount))

	staffRoute(http.MethodGet, "/staff", h.listStaff, may(staff.PermManageStaff))
	staffRoute(http.MethodPost, "/staff", h.createStaff, may(staff.PermManageStaff))
	staffRoute(http.MethodGet, "/staff/:id", h.getStaff, may(staff.PermManageStaff))
	staffRoute(http.MethodPatch, "/staff/:id", h.updateStaff, may(staff.PermManageStaff))
	staffRoute(http.MethodDelete, "/staff/:id", h.disableStaff, may(staff.PermManageStaff))

	staffRoute(http.MethodGet, "/stores", h.listStores, may(staff.PermReadStores))
	staffRoute(http.MethodPost, "/stores", h.createStore, may(staff.PermCreateStores))
	staffRoute(http.MethodGet, "/stores/:id", h.getStore, may(staff.PermReadStores))
	staffRoute(http.MethodPatch, "/stores/:id", h.updateStore, may(staff.PermEditStore).at(storeInPath))
	staffRoute(http.MethodDelete, "/stores/:id", h.deleteStore, may(staff.PermCreateStores))
	staffRoute(http.MethodPut, "/stores/:id/delivery-zone", h.setDeliveryZone, may(staff.PermEditStore).at(storeInPath))
	staffRoute(http.MethodDelete, "/stores/:id/delivery-zone", h.clearDeliveryZone, may(staff.PermEditStore).at(storeInPath))
	staffRoute(http.MethodGet, "/stores/:id/qrcode.png", h.qrCode, may(staff.PermReadStock).at(storeInPath))
	staffRoute(http.MethodGet, "/stores/:id/products/:product_id/qrcode.png", h.qrCode, may(staff.PermReadStock).at(storeInPath))

	staffRoute(http.MethodGet, "/categories", h.listCategories, may(staff.PermReadCatalogue))
	staffRoute(http.MethodPost, "/categories", h.createCategory, may(staff.PermEditCatalogue))
	staffRoute(http.MethodGet, "/categories/:id", h.getCategory, may(staff.PermReadCatalogue))
	staffRoute(http.MethodPatch, "/categories/:id", h.updateCategory, may(staff.PermEditCatalogue))
	staffRoute(http.MethodDelete, "/categories/:id", h.deleteCategory, may(staff.PermEditCatalogue))

	staffRoute(http.MethodGet, "/products", h.listProducts, may(staff.PermReadCatalogue))
	staffRoute(http.MethodPost, "/products", h.createProduct, may(staff.PermEditCatalogue))
	staffRoute(http.MethodGet, "/products/:id", h.getProduct, may(staff.PermReadCatalogue))
	staffRoute(http.MethodPatch, "/products/:id", h.updateProduct, may(staff.PermEditCatalogue))
	staffRoute(http.MethodDelete, "/products/:id", h.deleteProduct, may(staff.PermEditCatalogue))
	staffRoute(http.MethodPost, "/products/:id/skus", h.addSku, may(staff.PermEditCatalogue))
	staffRoute(http.MethodGet, "/skus/:id", h.getSku, may(staff.PermReadCatalogue))
	staffRoute(http.MethodPatch, "/skus/:id", h.updateSku, may(staff.PermEditCatalogue))
	staffRoute(http.MethodDelete, "/skus/:id", h.deleteSku, may(staff.PermEditCatalogue))

	staffRoute(http.MethodGet, "/stores/:store_id/stock", h.listStock, may(staff.PermReadStock).at(storeIDInPath))
	staffRoute(http.MethodGet, "/stores/:store_id/stock/:sku_id", h.getStock, may(staff.PermReadStock).at(storeIDInPath))
	staffRoute(http.MethodPut, "/stores/:store_id/stock/:sku_id", h.setStock, may(staff.PermEditStock).at(storeIDInPath))
	staffRoute(http.MethodPost, "/stores/:store_id/stock/:sku_id/adjustments", h.adjustStock, may(staff.PermEditStock).at(storeIDInPath))
	staffRoute(http.MethodGet, "/stores/:store_id/stock/:sku_id/movements", h.listMovements, may(staff.PermReadStock).at(storeIDInPath))

	staffRoute(http.MethodGet, "/stores/:store_id/prices", h.listStorePrices, may(staff.PermReadPrices).at(storeIDInPath))
	staffRoute(http.MethodPut, "/stores/:store_id/prices/:sku_id", h.setStorePrice, may(staff.PermSetPrices).at(storeIDInPath))
	staffRoute(http.MethodDelete, "/stores/:store_id/prices/:sku_id", h.clearStorePrice, may(staff.PermSetPrices).at(storeIDInPath))
	staffRoute(http.MethodGet, "/stores/:store_id/prices/:sku_id/history", h.priceHistory, may(staff.PermReadPrices).at(storeIDInPath))

	staffRoute(http.MethodGet, "/orders", h.staffListOrders, may(staff.PermReadOrders).at(storeIDInQuery))
	staffRoute(http.MethodGet, "/orders/:id", h.staffGetOrder, may(staff.PermReadOrders).at(orderStore))
	staffRoute(http.MethodPost, "/orders/:id/refund", h.staffRefund, may(staff.PermRefundOrders).at(orderStore))
	staffRoute(http.MethodPost, "/orders/:id/refund/approve", h.approveRefund, may(staff.PermRefundOrders).at(orderStore))
	staffRoute(http.MethodPost, "/orders/:id/refund/reject", h.rejectRefund, may(staff.PermRefundOrders).at(orderStore))
	staffRoute(http.MethodPost, "/orders/:id/ready", h.orderReady, may(staff.PermFulfilOrders).at(orderStore))
	staffRoute(http.MethodPost, "/orders/:id/picked-up", h.orderPickedUp, may(staff.PermFulfilOrders).at(orderStore))
	return e
}

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
