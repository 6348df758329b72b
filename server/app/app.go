// Package app wires wemart together: it opens and prepares the database,
// builds the services and the HTTP API from a config.Config, and serves until
// its context ends, then shuts down gracefully. The wemart binary's commands
// (package main) are thin layers over it, and so are end-to-end tests.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"entgo.io/ent/dialect"
	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/ent/coupon"
	"wemart/ent/order"
	"wemart/search"
	"wemart/server/addresses"
	"wemart/server/api"
	"wemart/server/auth"
	"wemart/server/cart"
	"wemart/server/catalog"
	"wemart/server/config"
	"wemart/server/coupons"
	"wemart/server/indexer"
	"wemart/server/inventory"
	"wemart/server/jobs"
	"wemart/server/logistics"
	"wemart/server/media"
	"wemart/server/members"
	"wemart/server/metrics"
	"wemart/server/orders"
	"wemart/server/payments"
	"wemart/server/preview"
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
	"wemart/server/wechat/sandbox"
)

// OpenDB opens the configured database and makes sure its schema is current.
// SQLite (the embedded default, one node by nature) is migrated on the spot;
// PostgreSQL is shared by a fleet, so it is migrated only by `wemart migrate`
// and a process refuses to start on a schema older than it needs.
func OpenDB(ctx context.Context, cfg config.Config, log *slog.Logger) (*storage.DB, error) {
	db, err := storage.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if db.Dialect == dialect.SQLite {
		if _, err := db.Migrate(ctx, log); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	current, target, err := db.SchemaVersions(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if current < target {
		db.Close()
		return nil, fmt.Errorf("the database schema is at version %d but this binary needs %d: run `wemart migrate` first", current, target)
	}
	return db, nil
}

// App is a running wemart server's parts.
type App struct {
	Config config.Config
	Log    *slog.Logger
	DB     *storage.DB
	// Echo is the HTTP handler with every route.
	Echo *echo.Echo
	// Signer issues and verifies staff and shopper tokens.
	Signer *auth.Signer

	// WeChat is the live or sandbox WeChat.
	WeChat *WeChat
	// Metrics is this process's Prometheus registry and collectors.
	Metrics *metrics.Metrics

	Staff    *staff.Service
	Stores   *stores.Service
	Catalog  *catalog.Service
	Pictures *catalog.Pictures
	// Media keeps pictures (product pictures, avatars).
	Media     media.Store
	Inventory *inventory.Service
	Prices    *prices.Service
	Shoppers  *shoppers.Service
	Addresses *addresses.Service
	Payments  *payments.Service
	Cart      *cart.Service
	Orders    *orders.Service
	Codes     *qr.Codes
	Search    *indexer.Service
	// Synonyms are the search synonym groups staff manage.
	Synonyms *synonyms.Service
	// Jobs runs the outbox of calls owed to outside services (WeChat's
	// shipping-info API, subscribe messages, parcel tracking).
	Jobs *jobs.Runner
	// Tracking is the parcel tracking provider (nil: parcels are not
	// tracked).
	Tracking logistics.Provider
	// Carrier is the same-city rider service (nil in live mode without
	// WEMART_RIDER_*).
	Carrier logistics.Carrier
	// Shipping reports orders to WeChat's shipping-info service.
	Shipping *shipping.Service
	// Subscribe records subscribe grants and sends subscribe messages.
	Subscribe *subscribe.Service
	// Members keeps points, member levels, check-ins, member codes and
	// counter sales.
	Members *members.Service
	// Referrals binds invited shoppers to their inviters and rewards them.
	Referrals *referrals.Service
	// Coupons are the coupon templates and the coupons shoppers hold.
	Coupons *coupons.Service

	// metricsLn is the metrics listener Serve serves, if any.
	metricsLn net.Listener
}

// Options tune an App beyond its Config (tests use them).
type Options struct {
	// BcryptCost overrides the password hashing cost (tests use the minimum).
	BcryptCost int
	// SelfURL is how this process reaches its own HTTP listener (see
	// SelfURL); the sandbox is called there.
	SelfURL string
	// Now is the clock "open now" is judged by, and orders are placed and
	// expired by (tests set it; nil: time.Now).
	Now func() time.Time
	// NoSweeper leaves the order sweeper off (tests run it by hand).
	NoSweeper bool
	// MetricsListener, when set, is where Serve serves GET /metrics on its
	// own (see ListenMetrics).
	MetricsListener net.Listener
	// SandboxNow and SandboxSleep are the in-process sandbox's clock
	// (sandbox.Options Now and Sleep; nil: real time).
	SandboxNow   func() time.Time
	SandboxSleep func(at time.Time, stop <-chan struct{}) bool
	// SearchEngine, when set, is the search backend instead of the
	// configured one (tests wrap the real one to watch the indexer).
	SearchEngine search.Engine
}

// New builds the App on an open database: token secret, services, the
// bootstrap admin, and the HTTP API.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, db *storage.DB, opt Options) (_ *App, err error) {
	secret := []byte(cfg.TokenSecret)
	if len(secret) == 0 {
		var err error
		if secret, err = auth.LoadOrCreateSecret(cfg.DataDir); err != nil {
			return nil, fmt.Errorf("token secret: %w", err)
		}
	}
	signer, err := auth.NewSigner(secret)
	if err != nil {
		return nil, err
	}
	wx, err := newWeChat(ctx, cfg, log, opt)
	if err != nil {
		return nil, fmt.Errorf("wechat: %w", err)
	}
	met := metrics.New(metrics.Options{DB: db.Client, Now: opt.Now, Log: log})
	wx.MiniProgram, wx.Pay = wechat.Metered(wx.MiniProgram, wx.Pay, met)
	a := &App{Config: cfg, WeChat: wx, Metrics: met, metricsLn: opt.MetricsListener, Log: log, DB: db, Signer: signer}
	defer func() {
		if err != nil { // what started stops: the sweeper, indexing, the sandbox and its journal
			a.Close()
		}
	}()
	storeSvc, err := stores.New(db, opt.Now)
	if err != nil {
		return nil, err
	}
	a.Staff = staff.New(db.Client, auth.NewHasher(opt.BcryptCost), signer, cfg.StaffTokenTTL)
	a.Stores = storeSvc
	a.Catalog = catalog.New(db.Client)
	a.Synonyms = synonyms.New(db.Client)
	a.Coupons = coupons.New(db.Client, opt.Now)
	if a.Media, err = MediaStore(cfg); err != nil {
		return nil, err
	}
	checkMedia(ctx, a.Media, log)
	a.Pictures = catalog.NewPictures(db.Client, a.Media)
	a.Inventory = inventory.New(db)
	a.Prices = prices.New(db.Client)
	a.Shoppers = shoppers.New(db.Client, wx.MiniProgram, signer, cfg.ShopperTokenTTL)
	a.Addresses = addresses.New(db.Client)
	a.Codes = qr.NewCodes(wx.MiniProgram, publicURL(cfg, opt.SelfURL))
	a.Jobs = jobs.New(db.Client, jobs.Options{Now: opt.Now, Log: log})
	a.Tracking = newTracking(cfg, log, wx, opt.SelfURL)
	if a.Carrier, err = newCarrier(cfg, wx, opt.SelfURL); err != nil {
		return nil, fmt.Errorf("rider service: %w", err)
	}
	a.Shipping = shipping.New(db.Client, a.Jobs, wx.MiniProgram, opt.Now, log)
	templates, err := subscribeTemplates(cfg)
	if err != nil {
		return nil, err
	}
	a.Subscribe = subscribe.New(db.Client, a.Jobs, wx.MiniProgram, templates, opt.Now, log)
	// Member codes are signed with a key of their own, derived from the
	// token secret.
	a.Members = members.New(db.Client, members.DeriveKey(secret, "member-code"), opt.Now, members.DefaultRules())
	if err := a.Members.SeedLevels(ctx); err != nil {
		return nil, fmt.Errorf("member levels: %w", err)
	}
	a.Referrals = referrals.New(db.Client, a.Members, rewardCoupons{a.Coupons},
		referrals.Reward{Points: cfg.ReferralRewardPoints, CouponTemplateID: cfg.ReferralRewardCoupon}, opt.Now, log)
	a.Orders = orders.New(db, a.Inventory, a.Stores, wx.Pay, orders.Options{TTL: cfg.OrderTTL, AutoReceiveAfter: cfg.AutoReceiveAfter, Now: opt.Now, Log: log, Metrics: met,
		Limits: orders.Limits{OpenOrders: cfg.ShopperOpenOrders, CheckoutsPerMinute: cfg.ShopperCheckoutsPerMinute},
		Jobs:   a.Jobs, Tracking: a.Tracking, TrackCallbackURL: publicURL(cfg, opt.SelfURL) + TrackNotifyPath, Carrier: a.Carrier,
		Benefits: orders.Benefits{Coupons: a.Coupons, Members: a.Members},
		OnMove: []orders.MoveHook{a.Shipping.OnMove, a.Subscribe.OnMove,
			moveHook(a.Coupons.OnMove), moveHook(a.Members.OnMove), moveHook(a.Referrals.OnMove)}})
	if a.Tracking != nil {
		a.Jobs.Handle(orders.JobTrackSubscribe, a.Orders.SubscribeTrack)
	}
	a.Shipping.Orders = a.Orders
	a.Shipping.Register(a.Jobs)
	a.Subscribe.Register(a.Jobs)
	a.Payments = a.Orders.Payments()
	a.Cart = cart.New(db, a.Stores)
	if !opt.NoSweeper {
		a.Orders.StartSweeper(cfg.SweepInterval)
	}
	engine := opt.SearchEngine
	if engine == nil {
		engine = SearchEngine(cfg)
	}
	// Catalogue pages are answered from a cache until the index changes.
	engine = search.Browsing(engine)
	search := indexer.New(db, engine, log)
	if err := search.Start(ctx); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	a.Search = search
	start := time.Now()
	if err := a.Stores.Index().Sync(ctx); err != nil {
		return nil, fmt.Errorf("load the store index: %w", err)
	}
	log.Info("store index loaded", "stores", a.Stores.Index().Len(), "took", time.Since(start).Round(time.Millisecond))
	if cfg.AdminUser != "" {
		created, err := a.Staff.EnsureAdmin(ctx, cfg.AdminUser, cfg.AdminPassword)
		if err != nil {
			return nil, fmt.Errorf("bootstrap admin: %w", err)
		}
		log.Info("bootstrap admin ready", "username", cfg.AdminUser, "created", created)
	}
	a.Echo = a.routes(wx)
	if !opt.NoSweeper { // every job handler is set by now
		a.Jobs.Start(cfg.JobsInterval)
	}
	return a, nil
}

// routes is the HTTP API: each noun's routes with the services they use,
// and, in sandbox mode, the WeChat sandbox (in this process, or forwarded
// to the shared one).
func (a *App) routes(wx *WeChat) *echo.Echo {
	cfg := a.Config
	r := api.New(api.Options{Log: a.Log, CORSOrigins: cfg.CORSOrigins, TrustProxy: cfg.TrustProxy,
		ShopperLoginRate: cfg.LoginRate, StaffLoginRate: cfg.StaffLoginRate, Metrics: a.Metrics, MetricsToken: cfg.MetricsToken,
		MediaURL: cfg.MediaURL},
		a.Staff, a.Shoppers)
	r.Health(a.DB, a.Search, cfg.Mode())
	r.Stores(a.Stores)
	r.QRCodes(a.Stores, a.Catalog, a.Codes)
	r.Catalog(a.Catalog, a.Pictures)
	r.Synonyms(a.Synonyms)
	r.ShopperProfile(a.Shoppers, a.Media)
	r.Media(a.Media)
	r.Products(a.Catalog, a.Stores, a.Inventory)
	r.Search(a.Search, a.Catalog, a.Stores, a.Inventory, a.Prices)
	r.Addresses(a.Addresses, a.Stores)
	r.Cart(a.Cart)
	r.Orders(a.Orders)
	r.Inventory(a.Inventory)
	r.Prices(a.Prices)
	r.PayNotify(wx.Notifications, a.Payments)
	r.ParcelTracking(a.Orders, a.Tracking)
	r.RiderNotify(a.Carrier, a.Orders)
	r.WeChatPush(wx.Push, a.Shipping)
	r.Subscriptions(a.Subscribe)
	r.Members(a.Members)
	r.Referrals(a.Referrals)
	r.Coupons(a.Coupons)
	e := r.Echo()
	if cfg.Mode() == config.ModeSandbox {
		preview.Mount(e, cfg.PreviewDir, a.Log)
	}
	switch {
	case wx.Sandbox != nil:
		wx.Sandbox.Mount(e)
	case wx.SandboxURL != nil:
		e.Any("/sandbox/*", api.SandboxProxy(wx.SandboxURL))
	}
	return e
}

// rewardCoupons gives referral rewards as coupons (referrals.Coupons).
type rewardCoupons struct{ c *coupons.Service }

func (r rewardCoupons) IssueReward(ctx context.Context, tx *ent.Tx, templateID, shopperID int) (int, error) {
	c, err := r.c.Issue(ctx, tx, templateID, shopperID, coupon.SourceReferral)
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}

func (r rewardCoupons) Revoke(ctx context.Context, tx *ent.Tx, couponID int) (bool, error) {
	return r.c.Revoke(ctx, tx, couponID)
}

// moveHook makes an order hook of a package that does not know package
// orders (members, coupons, referrals: orders calls them at checkout).
func moveHook(f func(ctx context.Context, tx *ent.Tx, o *ent.Order, from order.Status) error) orders.MoveHook {
	return func(ctx context.Context, tx *ent.Tx, o *ent.Order, from order.Status, _ orders.Actor) error {
		return f(ctx, tx, o, from)
	}
}

// Listen opens the configured listen address.
func Listen(cfg config.Config) (net.Listener, error) {
	return listen(cfg.Addr, "WEMART_ADDR")
}

// ListenMetrics opens WEMART_METRICS_ADDR, the metrics listener, or returns
// nil when it is not configured.
func ListenMetrics(cfg config.Config) (net.Listener, error) {
	if cfg.MetricsAddr == "" {
		return nil, nil
	}
	return listen(cfg.MetricsAddr, "WEMART_METRICS_ADDR")
}

// ListenSandbox opens WEMART_SANDBOX_ADDR, where `wemart sandbox` serves.
func ListenSandbox(cfg config.Config) (net.Listener, error) {
	return listen(cfg.SandboxAddr, "WEMART_SANDBOX_ADDR (or --addr)")
}

// listen opens addr; an address already taken says which variable moves it.
func listen(addr, variable string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("listen on %s: address already in use; set %s to another address", addr, variable)
	}
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// Serve serves on ln until ctx ends, then stops accepting connections and
// lets in-flight requests finish (up to ShutdownTimeout).
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if msrv := a.serveMetrics(); msrv != nil {
		defer msrv.Close() // scrapes are short; nothing to wait for
	}
	if err := serveHTTP(ctx, ln, a.Echo, a.Log, a.Config.ShutdownTimeout); err != nil {
		return err
	}
	a.Close()
	a.Log.Info("stopped")
	return nil
}

// serveHTTP serves h on ln until ctx ends, then shuts down gracefully.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, grace time.Duration) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ServeSandbox is `wemart sandbox`: the WeChat sandbox alone on ln (its
// journal and identity in the data dir), for a fleet of servers to share
// through WEMART_SANDBOX_URL, until ctx ends.
func ServeSandbox(ctx context.Context, cfg config.Config, log *slog.Logger, ln net.Listener) error {
	id, err := sandbox.LoadOrCreateIdentity(filepath.Join(cfg.DataDir, "sandbox"))
	if err != nil {
		return err
	}
	sb, err := NewSandbox(cfg, log, id)
	if err != nil {
		return err
	}
	defer sb.Close()
	log.Info("wechat sandbox ready", "appid", id.AppID, "mchid", id.MchID, "dir", filepath.Join(cfg.DataDir, "sandbox"))
	if err := serveHTTP(ctx, ln, api.NewSandbox(log, sb), log, cfg.ShutdownTimeout); err != nil {
		return err
	}
	sb.Close()
	log.Info("stopped")
	return nil
}

// serveMetrics serves GET /metrics, without a token, on the metrics
// listener if there is one: an address only operators reach. It returns
// the server to shut down, or nil.
func (a *App) serveMetrics() *http.Server {
	if a.metricsLn == nil {
		return nil
	}
	metrics := a.Metrics.Handler()
	profiles := a.Config.Pprof
	// Anything but GET /metrics (and, with WEMART_PPROF, the profiles) gets
	// the API's error envelope, not net/http's plain text.
	only := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case profiles && strings.HasPrefix(r.URL.Path, "/debug/pprof/"):
			servePprof(w, r)
		case r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			metrics.ServeHTTP(w, r)
		case r.URL.Path == "/metrics":
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "this endpoint does not accept that method")
		default:
			writeError(w, http.StatusNotFound, "not_found", "this listener serves GET /metrics only")
		}
	})
	srv := &http.Server{
		Handler:           only,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	if profiles {
		srv.WriteTimeout = 5 * time.Minute // a CPU profile or trace takes ?seconds= (30 by default)
	}
	go func() {
		if err := srv.Serve(a.metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("metrics listener stopped", "error", err)
		}
	}()
	a.Log.Info("serving metrics", "addr", a.metricsLn.Addr().String(), "pprof", profiles)
	return srv
}

// writeError writes the API's error envelope outside the echo router.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]map[string]string{"error": {"code": code, "message": msg}})
}

// Close stops the app's background work (the order sweeper, search
// indexing, the sandbox's deliveries).
func (a *App) Close() {
	if a.Jobs != nil {
		a.Jobs.Close()
	}
	if a.Orders != nil {
		a.Orders.Close()
	}
	if a.Search != nil {
		a.Search.Close()
	}
	if a.WeChat != nil {
		a.WeChat.Close()
	}
}

// SearchEngine is the configured search backend: Meilisearch when
// WEMART_SEARCH_URL is set, the embedded index in the data dir otherwise.
func SearchEngine(cfg config.Config) search.Engine {
	if cfg.SearchURL != "" {
		return search.NewMeili(cfg.SearchURL, cfg.SearchKey)
	}
	return search.NewEmbedded(filepath.Join(cfg.DataDir, "search"))
}

// MediaStore is the configured store of pictures: the S3-compatible
// bucket of WEMART_S3_*, or files under the data dir (DataDir/media).
func MediaStore(cfg config.Config) (media.Store, error) {
	if !cfg.S3.On() {
		return media.NewLocal(filepath.Join(cfg.DataDir, "media")), nil
	}
	s := cfg.S3
	return media.NewS3(media.S3Config{Endpoint: s.Endpoint, Bucket: s.Bucket, AccessKey: s.AccessKey, SecretKey: s.SecretKey,
		Region: s.Region, PathStyle: s.PathStyle, Prefix: s.Prefix})
}

// checkMedia says at start, loudly, when an S3 bucket does not answer:
// every upload and picture would fail until it does. The server starts
// anyway (the bucket may come back; the API does not need it otherwise).
func checkMedia(ctx context.Context, store media.Store, log *slog.Logger) {
	c, ok := store.(interface{ Check(context.Context) error })
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Check(ctx); err != nil {
		log.Error("the picture store does not answer: uploads and /media will fail until it does; check WEMART_S3_*", "err", err)
	}
}

// NewLogger returns the slog logger the config asks for, writing to stderr.
func NewLogger(cfg config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Level()}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// subscribeTemplates are the subscribe message templates of cfg:
// WEMART_SUBSCRIBE_TEMPLATES, else the sandbox's in sandbox mode, else none.
func subscribeTemplates(cfg config.Config) (subscribe.Templates, error) {
	switch {
	case cfg.SubscribeTemplates != "":
		return subscribe.ParseTemplates(cfg.SubscribeTemplates)
	case cfg.Mode() == config.ModeSandbox:
		return subscribe.DefaultTemplates(), nil
	}
	return subscribe.Templates{}, nil
}

// servePprof serves net/http/pprof's pages: the index, the command line,
// CPU profiles, symbols, traces and every named profile (heap, goroutine,
// allocs, block, mutex, threadcreate).
func servePprof(w http.ResponseWriter, r *http.Request) {
	switch strings.TrimPrefix(r.URL.Path, "/debug/pprof/") {
	case "cmdline":
		pprof.Cmdline(w, r)
	case "profile":
		pprof.Profile(w, r)
	case "symbol":
		pprof.Symbol(w, r)
	case "trace":
		pprof.Trace(w, r)
	default:
		pprof.Index(w, r)
	}
}
