// Package app wires wemart together: it opens and prepares the database,
// builds the services and the HTTP API from a config.Config, and serves until
// its context ends, then shuts down gracefully. The wemart binary's commands
// (package main) are thin layers over it, and so are end-to-end tests.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"entgo.io/ent/dialect"
	"github.com/labstack/echo/v4"

	"wemart/search"
	"wemart/server/addresses"
	"wemart/server/api"
	"wemart/server/auth"
	"wemart/server/cart"
	"wemart/server/catalog"
	"wemart/server/config"
	"wemart/server/indexer"
	"wemart/server/inventory"
	"wemart/server/orders"
	"wemart/server/payments"
	"wemart/server/prices"
	"wemart/server/qr"
	"wemart/server/shoppers"
	"wemart/server/staff"
	"wemart/server/storage"
	"wemart/server/stores"
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
	Codes     *qr.Codes
	Search    *indexer.Service
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
}

// New builds the App on an open database: token secret, services, the
// bootstrap admin, and the HTTP API.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, db *storage.DB, opt Options) (*App, error) {
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
	wx, err := newWeChat(cfg, log, opt.SelfURL)
	if err != nil {
		return nil, fmt.Errorf("wechat: %w", err)
	}
	storeSvc, err := stores.New(db, opt.Now)
	if err != nil {
		return nil, err
	}
	a := &App{
		Config:    cfg,
		WeChat:    wx,
		Log:       log,
		DB:        db,
		Signer:    signer,
		Staff:     staff.New(db.Client, auth.NewHasher(opt.BcryptCost), signer, cfg.StaffTokenTTL),
		Stores:    storeSvc,
		Catalog:   catalog.New(db.Client),
		Inventory: inventory.New(db),
		Prices:    prices.New(db.Client),
		Shoppers:  shoppers.New(db.Client, wx.MiniProgram, signer, cfg.ShopperTokenTTL),
		Addresses: addresses.New(db.Client),
		Codes:     qr.NewCodes(wx.MiniProgram, publicURL(cfg, opt.SelfURL)),
	}
	a.Orders = orders.New(db, a.Inventory, a.Stores, wx.Pay, orders.Options{TTL: cfg.OrderTTL, Now: opt.Now, Log: log})
	a.Payments = a.Orders.Payments()
	a.Cart = cart.New(db.Client, a.Stores)
	if !opt.NoSweeper {
		a.Orders.StartSweeper(cfg.SweepInterval)
	}
	a.Search = indexer.New(db, SearchEngine(cfg), log)
	if err := a.Search.Start(ctx); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
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
	a.Echo = api.New(api.Deps{
		Log: log, DB: db, Staff: a.Staff, Stores: a.Stores, Catalog: a.Catalog, Inventory: a.Inventory, Prices: a.Prices,
		Shoppers: a.Shoppers, Addresses: a.Addresses, Payments: a.Payments, Cart: a.Cart, Orders: a.Orders,
		Codes: a.Codes, Search: a.Search,
		Notifications: wx.Notifications, Sandbox: wx.Sandbox,
		CORSOrigins: cfg.CORSOrigins, TrustProxy: cfg.TrustProxy, ShopperLoginRate: cfg.LoginRate,
	})
	return a, nil
}

// Listen opens the configured listen address.
func Listen(cfg config.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return ln, nil
}

// Serve serves on ln until ctx ends, then stops accepting connections and
// lets in-flight requests finish (up to ShutdownTimeout).
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down", "grace", a.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.Close()
	a.Log.Info("stopped")
	return nil
}

// Close stops the app's background work (the order sweeper, search
// indexing, the sandbox's deliveries).
func (a *App) Close() {
	if a.Orders != nil {
		a.Orders.Close()
	}
	if a.Search != nil {
		a.Search.Close()
	}
	if a.WeChat != nil && a.WeChat.Sandbox != nil {
		a.WeChat.Sandbox.Close()
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

// NewLogger returns the slog logger the config asks for, writing to stderr.
func NewLogger(cfg config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Level()}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
