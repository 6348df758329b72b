package api

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/addresses"
	"wemart/server/cart"
	"wemart/server/catalog"
	"wemart/server/inventory"
	"wemart/server/logistics"
	"wemart/server/media"
	"wemart/server/metrics"
	"wemart/server/orders"
	"wemart/server/payments"
	"wemart/server/prices"
	"wemart/server/qr"
	"wemart/server/referrals"
	"wemart/server/shipping"
	"wemart/server/shoppers"
	"wemart/server/staff"
	"wemart/server/storage"
	"wemart/server/stores"
	"wemart/server/subscribe"
	"wemart/server/synonyms"
	"wemart/server/wechat"
	"wemart/server/wechat/wxpush"
)

// The route table: each noun's routes, registered with only the services
// its handlers use, and for every staff route who may call it (a
// permission of server/staff/policy.go, checked at the store the request is
// about where the permission is store-bound). Handlers check nothing
// themselves; TestStaffRoutesDeclareAccess fails on a staff route without a
// permission.
//
// Staff and shopper routes take their authentication per route, not as
// group middleware: echo runs group middleware for unmatched paths too,
// which would turn 404s and 405s under /admin/v1 into 401s.

// staffRoute adds a staff route under /admin/v1: a staff token, then a,
// then the route's own middleware (its body limit, say).
func (r *Router) staffRoute(method, path string, handler echo.HandlerFunc, a access, own ...echo.MiddlewareFunc) {
	if staff.StoreBound(a.perm) && a.store == nil {
		// A store-bound permission checked without its store would let
		// one store's staff act on every store: refuse to start.
		panic(fmt.Sprintf("staff route %s %s: %s is store-bound; declare where the store is with .at(...)", method, path, a.perm))
	}
	route := r.e.Add(method, "/admin/v1"+path, handler, append([]echo.MiddlewareFunc{r.requireStaff, authorize(a)}, own...)...)
	route.Name = string(a.perm) // what TestStaffRoutesDeclareAccess reads
}

// shopperRoute adds a route under /api/v1 for a logged-in shopper, then
// the route's own middleware.
func (r *Router) shopperRoute(method, path string, handler echo.HandlerFunc, own ...echo.MiddlewareFunc) {
	r.e.Add(method, "/api/v1"+path, handler, append([]echo.MiddlewareFunc{r.requireShopper}, own...)...)
}

// bodyLimit gives route method path a body limit of its own (an upload's),
// instead of the API's 1 MiB; the route takes the middleware it returns.
func (r *Router) bodyLimit(method, path string, limit int64) echo.MiddlewareFunc {
	r.ownLimit[method+" "+path] = true
	return limitBody(limit)
}

// Where a store-bound permission finds its store.
var (
	storeInPath    = pathStore("id")
	storeIDInPath  = pathStore("store_id")
	storeIDInQuery = queryStore("store_id")
	storeIDInBody  = bodyStore("store_id")
)

// staffAPI serves staff login and accounts.
type staffAPI struct {
	Staff *staff.Service
}

func (r *Router) staffAccounts(h *staffAPI) {
	r.e.POST("/admin/v1/login", h.login, rateLimit(r.opt.StaffLoginRate))
	r.staffRoute(http.MethodGet, "/me", h.me, may(staff.PermOwnAccount))
	r.staffRoute(http.MethodPost, "/logout", h.logout, may(staff.PermOwnAccount))
	r.staffRoute(http.MethodGet, "/staff", h.listStaff, may(staff.PermManageStaff))
	r.staffRoute(http.MethodPost, "/staff", h.createStaff, may(staff.PermManageStaff))
	r.staffRoute(http.MethodGet, "/staff/:id", h.getStaff, may(staff.PermManageStaff))
	r.staffRoute(http.MethodPatch, "/staff/:id", h.updateStaff, may(staff.PermManageStaff))
	r.staffRoute(http.MethodDelete, "/staff/:id", h.disableStaff, may(staff.PermManageStaff))
}

// shopperAPI serves shopper login and the shopper's own account.
type shopperAPI struct {
	views
	Shoppers *shoppers.Service
	// Referrals binds new shoppers to the sharer whose share brought them
	// (nil until Referrals adds its routes).
	Referrals *referrals.Service
	// Log records what fails behind a request that still succeeds.
	Log *slog.Logger
	// Media keeps avatars (ShopperProfile adds their route).
	Media media.Store
}

func (r *Router) shopperAccounts(h *shopperAPI) {
	r.e.POST("/api/v1/auth/login", h.shopperLogin, rateLimit(r.opt.ShopperLoginRate))
	r.shopperRoute(http.MethodPost, "/auth/phone", h.bindPhone)
	r.shopperRoute(http.MethodGet, "/me", h.shopperMe)
}

// ShopperProfile adds the routes that change the shopper's own profile:
// the nickname, and the avatar (a picture kept in store).
func (r *Router) ShopperProfile(s *shoppers.Service, store media.Store) {
	h := &shopperAPI{views: r.views, Shoppers: s, Media: store}
	r.shopperRoute(http.MethodPatch, "/me", h.updateMe)
	r.shopperRoute(http.MethodPost, "/me/avatar", h.uploadAvatar,
		r.bodyLimit(http.MethodPost, "/api/v1/me/avatar", media.AvatarUploadBytes))
}

// mediaAPI serves pictures from the media store.
type mediaAPI struct {
	Store media.Store
}

// Media adds GET (and HEAD) /media/<key>: pictures, to anyone, cacheable
// for ever (keys are content addressed).
func (r *Router) Media(store media.Store) {
	h := &mediaAPI{Store: store}
	r.e.GET("/media/:key", h.serveMedia)
	r.e.HEAD("/media/:key", h.serveMedia)
}

// healthAPI answers /readyz.
type healthAPI struct {
	DB     *storage.DB
	Search pinger
	// WeChatMode is "sandbox" or "live", as /readyz reports it.
	WeChatMode string
}

// Health adds GET /readyz: db and search must answer; wechatMode is reported.
func (r *Router) Health(db *storage.DB, search pinger, wechatMode string) {
	h := &healthAPI{DB: db, Search: search, WeChatMode: wechatMode}
	r.e.GET("/readyz", h.readyz)
}

// storesAPI serves stores: the staff's store records and delivery zones,
// the shoppers' nearby search, store pages and delivery checks.
type storesAPI struct {
	Stores *stores.Service
}

// Stores adds the routes of stores.
func (r *Router) Stores(s *stores.Service) {
	h := &storesAPI{Stores: s}
	r.e.GET("/api/v1/stores/nearby", h.nearbyStores)
	r.e.GET("/api/v1/stores/:id", h.shopStore)
	r.e.GET("/api/v1/stores/:id/delivery", h.storeDelivery)
	r.staffRoute(http.MethodGet, "/stores", h.listStores, may(staff.PermReadStores))
	r.staffRoute(http.MethodPost, "/stores", h.createStore, may(staff.PermCreateStores))
	r.staffRoute(http.MethodGet, "/stores/:id", h.getStore, may(staff.PermReadStores))
	r.staffRoute(http.MethodPatch, "/stores/:id", h.updateStore, may(staff.PermEditStore).at(storeInPath))
	r.staffRoute(http.MethodDelete, "/stores/:id", h.deleteStore, may(staff.PermCreateStores))
	r.staffRoute(http.MethodPut, "/stores/:id/delivery-zone", h.setDeliveryZone, may(staff.PermEditStore).at(storeInPath))
	r.staffRoute(http.MethodDelete, "/stores/:id/delivery-zone", h.clearDeliveryZone, may(staff.PermEditStore).at(storeInPath))
}

// qrAPI serves in-store QR codes: printing them, and the page a plain code
// opens outside WeChat.
type qrAPI struct {
	Stores  *stores.Service
	Catalog *catalog.Service
	Codes   *qr.Codes
}

// QRCodes adds the routes of in-store QR codes.
func (r *Router) QRCodes(s *stores.Service, c *catalog.Service, codes *qr.Codes) {
	h := &qrAPI{Stores: s, Catalog: c, Codes: codes}
	r.e.GET("/qr", h.qrLanding)
	r.staffRoute(http.MethodGet, "/stores/:id/qrcode.png", h.qrCode, may(staff.PermReadStock).at(storeInPath))
	r.staffRoute(http.MethodGet, "/stores/:id/products/:product_id/qrcode.png", h.qrCode, may(staff.PermReadStock).at(storeInPath))
}

// catalogAPI serves the staff's catalogue: categories, products, SKUs,
// product pictures.
type catalogAPI struct {
	views
	Catalog  *catalog.Service
	Pictures *catalog.Pictures
}

// Catalog adds the routes of the catalogue.
func (r *Router) Catalog(c *catalog.Service, pics *catalog.Pictures) {
	h := &catalogAPI{views: r.views, Catalog: c, Pictures: pics}
	r.staffRoute(http.MethodGet, "/categories", h.listCategories, may(staff.PermReadCatalogue))
	r.staffRoute(http.MethodPost, "/categories", h.createCategory, may(staff.PermEditCatalogue))
	r.staffRoute(http.MethodGet, "/categories/:id", h.getCategory, may(staff.PermReadCatalogue))
	r.staffRoute(http.MethodPatch, "/categories/:id", h.updateCategory, may(staff.PermEditCatalogue))
	r.staffRoute(http.MethodDelete, "/categories/:id", h.deleteCategory, may(staff.PermEditCatalogue))
	r.staffRoute(http.MethodGet, "/products", h.listProducts, may(staff.PermReadCatalogue))
	r.staffRoute(http.MethodPost, "/products", h.createProduct, may(staff.PermEditCatalogue))
	r.staffRoute(http.MethodGet, "/products/:id", h.getProduct, may(staff.PermReadCatalogue))
	r.staffRoute(http.MethodPatch, "/products/:id", h.updateProduct, may(staff.PermEditCatalogue))
	r.staffRoute(http.MethodDelete, "/products/:id", h.deleteProduct, may(staff.PermEditCatalogue))
	r.staffRoute(http.MethodPost, "/products/:id/skus", h.addSku, may(staff.PermEditCatalogue))
	r.staffRoute(http.MethodGet, "/products/:id/images", h.listImages, may(staff.PermReadCatalogue))
	r.staffRoute(http.MethodPost, "/products/:id/images", h.addImage, may(staff.PermEditCatalogue),
		r.bodyLimit(http.MethodPost, "/admin/v1/products/:id/images", media.ProductUploadBytes))
	r.staffRoute(http.MethodDelete, "/products/:id/images/:image_id", h.deleteImage, may(staff.PermEditCatalogue))
	r.staffRoute(http.MethodPut, "/products/:id/images/:image_id/main", h.setMainImage, may(staff.PermEditCatalogue))
	r.staffRoute(http.MethodGet, "/skus/:id", h.getSku, may(staff.PermReadCatalogue))
	r.staffRoute(http.MethodPatch, "/skus/:id", h.updateSku, may(staff.PermEditCatalogue))
	r.staffRoute(http.MethodDelete, "/skus/:id", h.deleteSku, may(staff.PermEditCatalogue))
}

// synonymsAPI serves the search synonym groups staff manage.
type synonymsAPI struct {
	Synonyms *synonyms.Service
}

// Synonyms adds the routes of search synonyms: part of the catalogue, read
// by every account and changed by those who edit the catalogue.
func (r *Router) Synonyms(s *synonyms.Service) {
	h := &synonymsAPI{Synonyms: s}
	r.staffRoute(http.MethodGet, "/search/synonyms", h.listSynonyms, may(staff.PermReadCatalogue))
	r.staffRoute(http.MethodPost, "/search/synonyms", h.createSynonyms, may(staff.PermEditCatalogue))
	r.staffRoute(http.MethodPut, "/search/synonyms/:id", h.replaceSynonyms, may(staff.PermEditCatalogue))
	r.staffRoute(http.MethodDelete, "/search/synonyms/:id", h.deleteSynonyms, may(staff.PermEditCatalogue))
}

// productsAPI serves products as shoppers see them at a store: a product
// page, a scanned barcode, a scanned in-store code.
type productsAPI struct {
	storesAPI
	views
	Catalog   *catalog.Service
	Inventory *inventory.Service
}

// Products adds the shoppers' product routes.
func (r *Router) Products(c *catalog.Service, s *stores.Service, inv *inventory.Service) {
	h := &productsAPI{storesAPI: storesAPI{Stores: s}, views: r.views, Catalog: c, Inventory: inv}
	r.e.GET("/api/v1/categories", h.listShopCategories)
	r.e.GET("/api/v1/products/:id", h.getShopProduct)
	r.e.GET("/api/v1/stores/:id/barcode/:code", h.storeBarcode)
	r.e.GET("/api/v1/scan", h.scan)
}

// searchAPI serves catalogue search and suggestions.
type searchAPI struct {
	productsAPI
	Search Searcher
	Prices *prices.Service
	// popular caches what a search that matched nothing offers.
	popular popularCache
}

// Search adds the routes of catalogue search.
func (r *Router) Search(search Searcher, c *catalog.Service, s *stores.Service, inv *inventory.Service, p *prices.Service) {
	h := &searchAPI{productsAPI: productsAPI{storesAPI: storesAPI{Stores: s}, views: r.views, Catalog: c, Inventory: inv},
		Search: search, Prices: p}
	r.e.GET("/api/v1/products", h.searchProducts)
	r.e.GET("/api/v1/products/suggest", h.suggestProducts)
}

// addressesAPI serves the shopper's address book.
type addressesAPI struct {
	Addresses *addresses.Service
	Stores    *stores.Service
}

// Addresses adds the routes of the address book.
func (r *Router) Addresses(a *addresses.Service, s *stores.Service) {
	h := &addressesAPI{Addresses: a, Stores: s}
	r.shopperRoute(http.MethodGet, "/addresses", h.listAddresses)
	r.shopperRoute(http.MethodPost, "/addresses", h.createAddress)
	r.shopperRoute(http.MethodGet, "/addresses/:id", h.getAddress)
	r.shopperRoute(http.MethodPut, "/addresses/:id", h.replaceAddress)
	r.shopperRoute(http.MethodDelete, "/addresses/:id", h.deleteAddress)
	r.shopperRoute(http.MethodGet, "/addresses/:id/stores", h.addressStores)
}

// cartAPI serves the shopper's carts.
type cartAPI struct {
	views
	Cart *cart.Service
}

// Cart adds the routes of the cart.
func (r *Router) Cart(c *cart.Service) {
	h := &cartAPI{views: r.views, Cart: c}
	r.shopperRoute(http.MethodGet, "/cart", h.getCart)
	r.shopperRoute(http.MethodDelete, "/cart", h.clearCart)
	r.shopperRoute(http.MethodPut, "/cart/items", h.putCartItem)
	r.shopperRoute(http.MethodPost, "/cart/select", h.selectCart)
}

// ordersAPI serves orders: the shopper's checkout, payment, cancellation
// and refunds, and the staff's refund decisions and hand-overs.
type ordersAPI struct {
	views
	Orders *orders.Service
	misses pickupMisses
}

// Orders adds the routes of orders.
func (r *Router) Orders(o *orders.Service) {
	h := &ordersAPI{views: r.views, Orders: o}
	r.shopperRoute(http.MethodPost, "/orders", h.createOrder)
	r.shopperRoute(http.MethodPost, "/orders/quote", h.quoteOrder)
	r.shopperRoute(http.MethodGet, "/orders", h.listOrders)
	r.shopperRoute(http.MethodGet, "/orders/:id", h.getOrder)
	r.shopperRoute(http.MethodPost, "/orders/:id/pay", h.payOrder)
	r.shopperRoute(http.MethodPost, "/orders/:id/cancel", h.cancelOrder)
	r.shopperRoute(http.MethodPost, "/orders/:id/refund", h.refundOrder)
	r.shopperRoute(http.MethodPost, "/orders/:id/receive", h.receiveOrder)
	r.shopperRoute(http.MethodGet, "/orders/:id/tracking", h.shopTracking)
	r.staffRoute(http.MethodGet, "/orders", h.staffListOrders, may(staff.PermReadOrders).at(storeIDInQuery))
	r.staffRoute(http.MethodGet, "/orders/:id", h.staffGetOrder, may(staff.PermReadOrders).at(h.orderStore))
	r.staffRoute(http.MethodPost, "/orders/:id/refund", h.staffRefund, may(staff.PermRefundOrders).at(h.orderStore))
	r.staffRoute(http.MethodPost, "/orders/:id/refund/approve", h.approveRefund, may(staff.PermRefundOrders).at(h.orderStore))
	r.staffRoute(http.MethodPost, "/orders/:id/refund/reject", h.rejectRefund, may(staff.PermRefundOrders).at(h.orderStore))
	r.staffRoute(http.MethodPost, "/orders/:id/ready", h.orderReady, may(staff.PermFulfilOrders).at(h.orderStore))
	r.staffRoute(http.MethodPost, "/orders/:id/picked-up", h.orderPickedUp, may(staff.PermFulfilOrders).at(h.orderStore))
	r.staffRoute(http.MethodPost, "/stores/:store_id/pickups", h.storePickup, may(staff.PermFulfilOrders).at(storeIDInPath))
	r.staffRoute(http.MethodPost, "/orders/:id/ship", h.shipOrder, may(staff.PermFulfilOrders).at(h.orderStore))
	r.staffRoute(http.MethodGet, "/orders/:id/tracking", h.staffTracking, may(staff.PermReadOrders).at(h.orderStore))
	r.staffRoute(http.MethodGet, "/express-companies", h.expressCompanies, may(staff.PermFulfilOrders).at(anyStore))
	r.staffRoute(http.MethodPost, "/orders/:id/dispatch", h.dispatchOrder, may(staff.PermFulfilOrders).at(h.orderStore))
	r.staffRoute(http.MethodPost, "/orders/:id/dispatch/cancel", h.cancelDispatch, may(staff.PermFulfilOrders).at(h.orderStore))
}

// inventoryAPI serves per-store stock and its ledger (package inventory;
// "stock" is the HTTP paths' and the tables' word for it).
type inventoryAPI struct {
	Inventory *inventory.Service
}

// Inventory adds the routes of per-store stock.
func (r *Router) Inventory(inv *inventory.Service) {
	h := &inventoryAPI{Inventory: inv}
	r.staffRoute(http.MethodGet, "/stores/:store_id/stock", h.listStock, may(staff.PermReadStock).at(storeIDInPath))
	r.staffRoute(http.MethodGet, "/stores/:store_id/stock/:sku_id", h.getStock, may(staff.PermReadStock).at(storeIDInPath))
	r.staffRoute(http.MethodPut, "/stores/:store_id/stock/:sku_id", h.setStock, may(staff.PermEditStock).at(storeIDInPath))
	r.staffRoute(http.MethodPost, "/stores/:store_id/stock/:sku_id/adjustments", h.adjustStock, may(staff.PermEditStock).at(storeIDInPath))
	r.staffRoute(http.MethodGet, "/stores/:store_id/stock/:sku_id/movements", h.listMovements, may(staff.PermReadStock).at(storeIDInPath))
}

// pricesAPI serves per-store prices and their ledger.
type pricesAPI struct {
	Prices *prices.Service
}

// Prices adds the routes of per-store prices.
func (r *Router) Prices(p *prices.Service) {
	h := &pricesAPI{Prices: p}
	r.staffRoute(http.MethodGet, "/stores/:store_id/prices", h.listStorePrices, may(staff.PermReadPrices).at(storeIDInPath))
	r.staffRoute(http.MethodPut, "/stores/:store_id/prices/:sku_id", h.setStorePrice, may(staff.PermSetPrices).at(storeIDInPath))
	r.staffRoute(http.MethodDelete, "/stores/:store_id/prices/:sku_id", h.clearStorePrice, may(staff.PermSetPrices).at(storeIDInPath))
	r.staffRoute(http.MethodGet, "/stores/:store_id/prices/:sku_id/history", h.priceHistory, may(staff.PermReadPrices).at(storeIDInPath))
}

// notifyAPI answers WeChat Pay's notifications.
type notifyAPI struct {
	Log           *slog.Logger
	Notifications *wechat.Notifications
	Payments      *payments.Service
	Metrics       *metrics.Metrics
}

// PayNotify adds the route WeChat Pay posts its notifications to.
func (r *Router) PayNotify(n *wechat.Notifications, p *payments.Service) {
	h := &notifyAPI{Log: r.opt.Log, Notifications: n, Payments: p, Metrics: r.opt.Metrics}
	r.e.POST("/wechat/pay/notify", h.payNotify)
}

// riderNotifyAPI answers the rider service's status callbacks.
type riderNotifyAPI struct {
	Log     *slog.Logger
	Carrier logistics.Carrier
	Orders  *orders.Service
}

// RiderNotify adds the route the rider service (Dada, or the sandbox's)
// posts its status callbacks to; c may be nil (none configured: 503).
func (r *Router) RiderNotify(c logistics.Carrier, o *orders.Service) {
	h := &riderNotifyAPI{Log: r.opt.Log, Carrier: c, Orders: o}
	r.e.POST("/logistics/dada/notify", h.riderNotify)
}

// WeChatPush adds the mini program's message push endpoint: GET for
// WeChat's URL check, POST for the pushes (codec nil: refused).
func (r *Router) WeChatPush(codec *wxpush.Codec, s *shipping.Service) {
	h := &pushAPI{Log: r.opt.Log, Push: codec, Shipping: s}
	r.e.GET("/wechat/push", h.verifyPushURL)
	r.e.POST("/wechat/push", h.push)
}

// Subscriptions adds the routes of subscribe message grants.
func (r *Router) Subscriptions(s *subscribe.Service) {
	h := &subscriptionsAPI{Subscribe: s}
	r.shopperRoute(http.MethodPost, "/subscriptions", h.recordSubscriptions)
	r.shopperRoute(http.MethodGet, "/subscriptions/templates", h.subscribeTemplates)
}
