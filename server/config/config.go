// Package config reads wemart's configuration from the environment (the
// variables the README lists, all optional), validates it once at start-up, and
// renders a one-line summary with every secret masked.
package config

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"wemart/server/redact"
)

// WeChat modes.
const (
	ModeSandbox = "sandbox"
	ModeLive    = "live"
)

// Config is every setting of the server. The zero value is not useful; use Load.
type Config struct {
	// Addr is the HTTP listen address.
	Addr string `env:"WEMART_ADDR" envDefault:"127.0.0.1:8080"`
	// DataDir holds the embedded database, search index and sandbox keys.
	DataDir string `env:"WEMART_DATA_DIR" envDefault:"./data"`
	// DatabaseURL is empty for the embedded SQLite file, or postgres://...
	DatabaseURL string `env:"WEMART_DATABASE_URL"`
	// SearchURL and SearchKey name a Meilisearch server; empty means the embedded index.
	SearchURL string `env:"WEMART_SEARCH_URL"`
	SearchKey string `env:"WEMART_SEARCH_KEY"`

	// MediaURL is the public base URL pictures are loaded from (a CDN, or
	// the bucket's public endpoint): picture URLs in answers are absolute
	// there. Empty: root-relative, served by this server at /media/<key>.
	MediaURL string `env:"WEMART_MEDIA_URL"`
	// S3 names an S3-compatible bucket for pictures (production); unset,
	// they are files under the data dir (DataDir/media).
	S3 S3

	// PublicURL is the server's address as WeChat Pay reaches it (notify URLs
	// are built from it). Required in live mode (https); in sandbox mode it
	// defaults to the listen address.
	PublicURL string `env:"WEMART_PUBLIC_URL"`

	// WeChatMode is "sandbox" (the simulator) or "live". Empty means sandbox
	// for a laptop-shaped configuration and is refused otherwise (see
	// LaptopShaped): a production box must never fall into the sandbox,
	// where anyone can mark their own order paid.
	WeChatMode string `env:"WEMART_WECHAT_MODE"`
	// WeChat credentials, required in live mode and refused in sandbox mode.
	WeChat WeChat
	// Kuaidi100 is the parcel tracking account (live mode; optional there:
	// without it parcels ship untracked). Sandbox mode tracks parcels with
	// the sandbox's imitation and refuses it.
	Kuaidi100 Kuaidi100
	// Rider is the same-city rider service (Dada) of live mode; in
	// sandbox mode the sandbox's rider service is used instead.
	Rider Rider
	// PushToken and PushAESKey are the mini program's message push settings
	// (Token, and the EncodingAESKey of 43 characters for safe mode) that
	// WeChat signs and encrypts its pushes to /wechat/push with: live mode
	// (in sandbox mode they come from the sandbox's identity). Unset, the
	// push endpoint refuses everything.
	PushToken  string `env:"WEMART_WECHAT_PUSH_TOKEN"`
	PushAESKey string `env:"WEMART_WECHAT_PUSH_AES_KEY"`
	// SubscribeTemplates are the subscribe message templates of order
	// events: inline JSON or a JSON file's path (see package subscribe).
	// Unset: the sandbox's built-in templates in sandbox mode, none (no
	// messages) in live mode.
	SubscribeTemplates string `env:"WEMART_SUBSCRIBE_TEMPLATES"`
	// SandboxTimeScale compresses the sandbox's WeChat delays (notification
	// retries, refund settlement): 1 is WeChat's real schedule.
	SandboxTimeScale float64 `env:"WEMART_SANDBOX_TIME_SCALE" envDefault:"0.02"`
	// SandboxURL, in sandbox mode, is a sandbox served by `wemart sandbox`
	// that this server uses instead of running its own, so every process of
	// a fleet sees one WeChat.
	SandboxURL string `env:"WEMART_SANDBOX_URL"`
	// PreviewDir is the built h5 preview of the mini program (`npm run
	// build:h5` in miniprogram/), served at /shop/ in sandbox mode only.
	PreviewDir string `env:"WEMART_PREVIEW_DIR" envDefault:"miniprogram/dist-h5"`
	// SandboxAddr is where `wemart sandbox` listens.
	SandboxAddr string `env:"WEMART_SANDBOX_ADDR" envDefault:"127.0.0.1:8090"`

	// AdminUser and AdminPassword make sure a bootstrap admin exists at start-up.
	AdminUser     string `env:"WEMART_ADMIN_USER"`
	AdminPassword string `env:"WEMART_ADMIN_PASSWORD"`

	// TokenSecret signs staff and shopper tokens. Empty: a random secret kept in
	// the data dir. Several processes behind a load balancer must share one.
	TokenSecret string `env:"WEMART_TOKEN_SECRET"`
	// StaffTokenTTL is how long a staff token is valid.
	StaffTokenTTL time.Duration `env:"WEMART_STAFF_TOKEN_TTL" envDefault:"12h"`
	// ShopperTokenTTL is how long a shopper stays logged in.
	ShopperTokenTTL time.Duration `env:"WEMART_SHOPPER_TOKEN_TTL" envDefault:"168h"`
	// LoginRate is how many shopper logins a minute one client address may
	// make: generous, because a carrier NAT puts many shoppers behind one address.
	LoginRate int `env:"WEMART_LOGIN_RATE" envDefault:"600"`
	// StaffLoginRate is how many staff login attempts a minute one client
	// address may make (each account also backs off after wrong passwords).
	StaffLoginRate int `env:"WEMART_STAFF_LOGIN_RATE" envDefault:"20"`

	// CORSOrigins lists the origins allowed to call the API from a browser
	// (the mini program dev tools); "*" allows any. Tokens are bearer tokens,
	// never cookies, so "*" does not expose sessions.
	CORSOrigins []string `env:"WEMART_CORS_ORIGINS" envDefault:"*" envSeparator:","`

	// OrderTTL is how long an unpaid order holds its stock: WeChat Pay stops
	// accepting its payment then (time_expire) and the sweeper cancels it.
	OrderTTL time.Duration `env:"WEMART_ORDER_TTL" envDefault:"15m"`
	// AutoReceiveAfter is how long after shipping (and again after
	// delivery) an order nobody confirms completes by itself.
	AutoReceiveAfter time.Duration `env:"WEMART_AUTO_RECEIVE_AFTER" envDefault:"168h"`
	// ReferralRewardPoints are the points an inviter gets when an invited
	// shopper's first order completes; ReferralRewardCoupon, when set, is
	// a coupon template whose coupon is given instead.
	ReferralRewardPoints int64 `env:"WEMART_REFERRAL_REWARD_POINTS" envDefault:"200"`
	ReferralRewardCoupon int   `env:"WEMART_REFERRAL_REWARD_COUPON" envDefault:"0"`
	// ShopperOpenOrders and ShopperCheckoutsPerMinute limit what one shopper
	// may reserve: unpaid orders held at once, orders placed a minute.
	ShopperOpenOrders         int `env:"WEMART_SHOPPER_OPEN_ORDERS" envDefault:"5"`
	ShopperCheckoutsPerMinute int `env:"WEMART_SHOPPER_CHECKOUTS_PER_MINUTE" envDefault:"10"`
	// SweepInterval is how often each process looks for orders to expire,
	// payments and refunds to reconcile with WeChat Pay.
	SweepInterval time.Duration `env:"WEMART_SWEEP_INTERVAL" envDefault:"10s"`
	// JobsInterval is how often each process looks for due jobs (calls
	// owed to WeChat and the logistics services) besides being woken by
	// its own commits.
	JobsInterval time.Duration `env:"WEMART_JOBS_INTERVAL" envDefault:"2s"`

	// TrustProxy takes the client address from X-Forwarded-For (set by a
	// load balancer on a private network) instead of the TCP peer.
	TrustProxy bool `env:"WEMART_TRUST_PROXY" envDefault:"false"`

	// LogLevel is debug, info, warn or error; LogFormat is json or text.
	LogLevel  string `env:"WEMART_LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"WEMART_LOG_FORMAT" envDefault:"text"`

	// ShutdownTimeout bounds how long in-flight requests may finish after SIGTERM.
	ShutdownTimeout time.Duration `env:"WEMART_SHUTDOWN_TIMEOUT" envDefault:"15s"`

	// MetricsAddr, when set, serves GET /metrics (no token) on a listener of
	// its own: an address only operators and Prometheus reach.
	MetricsAddr string `env:"WEMART_METRICS_ADDR"`
	// MetricsToken, when set, serves GET /metrics on the main listener to
	// requests bearing it. With neither set, metrics are not served.
	MetricsToken string `env:"WEMART_METRICS_TOKEN"`
	// Pprof, when true, also serves net/http/pprof's /debug/pprof/ on the
	// metrics listener (WEMART_METRICS_ADDR), never on the main one: CPU and
	// heap profiles of a running process for whoever reaches that address.
	Pprof bool `env:"WEMART_PPROF" envDefault:"false"`
}

// S3 is an S3-compatible bucket that holds the pictures (Tencent COS,
// MinIO, AWS S3), used when Endpoint is set.
type S3 struct {
	// Endpoint is the service's URL; its scheme says whether TLS is used:
	// https://cos.ap-shanghai.myqcloud.com, http://10.0.0.7:9000.
	Endpoint  string `env:"WEMART_S3_ENDPOINT"`
	Bucket    string `env:"WEMART_S3_BUCKET"`
	AccessKey string `env:"WEMART_S3_ACCESS_KEY"`
	SecretKey string `env:"WEMART_S3_SECRET_KEY"`
	// Region, like ap-shanghai; empty asks the service.
	Region string `env:"WEMART_S3_REGION"`
	// PathStyle puts the bucket in the path (MinIO) rather than in the
	// host name (Tencent COS, AWS S3).
	PathStyle bool `env:"WEMART_S3_PATH_STYLE" envDefault:"false"`
	// Prefix goes before every object name, like "wemart/".
	Prefix string `env:"WEMART_S3_PREFIX"`
}

// Rider is a Dada-protocol rider service: all four variables, or none
// (then dispatching riders answers unavailable in live mode).
type Rider struct {
	// URL is the service's origin, like https://newopen.imdada.cn.
	URL       string `env:"WEMART_RIDER_URL"`
	AppKey    string `env:"WEMART_RIDER_APP_KEY"`
	AppSecret string `env:"WEMART_RIDER_APP_SECRET"`
	// SourceID is the merchant's id at the service (Dada's source_id).
	SourceID string `env:"WEMART_RIDER_SOURCE_ID"`
}

// On reports whether a rider service is configured (any WEMART_RIDER_* set).
func (r Rider) On() bool { return r != Rider{} }

// On reports whether a bucket is configured (any WEMART_S3_* set).
func (s S3) On() bool { return s != S3{} }

// WeChat holds the live WeChat credentials (mini program and WeChat Pay v3).
type WeChat struct {
	AppID     string `env:"WEMART_WECHAT_APPID"`
	AppSecret string `env:"WEMART_WECHAT_SECRET"`
	MchID     string `env:"WEMART_WECHAT_MCHID"`
	// MchCertSerial is the serial number of the merchant API certificate.
	MchCertSerial string `env:"WEMART_WECHAT_MCH_SERIAL"`
	// MchKeyFile is the merchant API private key (apiclient_key.pem).
	MchKeyFile string `env:"WEMART_WECHAT_MCH_KEY_FILE"`
	// APIv3Key decrypts notifications (32 bytes).
	APIv3Key string `env:"WEMART_WECHAT_APIV3_KEY"`
	// PlatformKeyFile and PlatformKeyID are the WeChat Pay platform public key
	// ("PUB_KEY_ID_...") that notifications are verified against.
	PlatformKeyFile string `env:"WEMART_WECHAT_PLATFORM_KEY_FILE"`
	PlatformKeyID   string `env:"WEMART_WECHAT_PLATFORM_KEY_ID"`
}

// Kuaidi100 is an account at Kuaidi100 (快递100), the parcel tracking
// service: its customer id and key, and the salt pushes are signed with.
type Kuaidi100 struct {
	Customer string `env:"WEMART_KUAIDI100_CUSTOMER"`
	Key      string `env:"WEMART_KUAIDI100_KEY"`
	// Salt is wemart's own secret, given with each subscription, that
	// Kuaidi100 signs its pushes with.
	Salt string `env:"WEMART_KUAIDI100_SALT"`
}

// On reports whether a Kuaidi100 account is configured.
func (k Kuaidi100) On() bool { return k != Kuaidi100{} }

// Load reads the configuration from the environment and validates it.
func Load() (Config, error) { return LoadFrom(env.ToMap(os.Environ())) }

// LoadFrom reads the configuration from environ (variable → value) instead
// of the process environment, and validates it. Tests use it, so that a
// developer's shell (WEMART_TRUST_PROXY, WEMART_SEARCH_URL, ...) cannot
// change what they test.
func LoadFrom(environ map[string]string) (Config, error) {
	if environ == nil {
		environ = map[string]string{} // env reads the process environment for a nil map
	}
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: environ}); err != nil {
		return Config{}, explain(err, environ)
	}
	return c, c.Validate()
}

// Validate reports the first setting that cannot work, naming its variable.
func (c Config) Validate() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		bad("WEMART_ADDR must be host:port (got %q)", c.Addr)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("WEMART_DATA_DIR must not be empty")
	}
	if u := c.DatabaseURL; u != "" && !strings.HasPrefix(u, "postgres://") &&
		!strings.HasPrefix(u, "postgresql://") && !strings.HasPrefix(u, "sqlite:") {
		bad("WEMART_DATABASE_URL must start with postgres:// or sqlite:")
	}
	if c.SearchURL != "" {
		if u, err := url.Parse(c.SearchURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("WEMART_SEARCH_URL must be an http(s) URL")
		}
	}
	if c.MediaURL != "" {
		if u, err := url.Parse(c.MediaURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.RawQuery != "" || u.Fragment != "" {
			bad("WEMART_MEDIA_URL must be the http(s) base URL pictures are served from, like https://img.example.com/media (got %q)", c.MediaURL)
		}
	}
	if s := c.S3; s.On() {
		if u, err := url.Parse(s.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("WEMART_S3_ENDPOINT must be the http(s) URL of the S3 service, like https://cos.ap-shanghai.myqcloud.com (got %q)", s.Endpoint)
		}
		if s.Bucket == "" {
			bad("WEMART_S3_BUCKET is required with WEMART_S3_ENDPOINT")
		}
		if s.AccessKey == "" || s.SecretKey == "" {
			bad("WEMART_S3_ACCESS_KEY and WEMART_S3_SECRET_KEY are required with WEMART_S3_ENDPOINT")
		}
		if strings.HasPrefix(s.Prefix, "/") || strings.Contains(s.Prefix, "..") {
			bad("WEMART_S3_PREFIX must be a relative object-name prefix like wemart/ (got %q)", s.Prefix)
		}
	}
	w := c.WeChat
	creds := map[string]string{
		"WEMART_WECHAT_APPID": w.AppID, "WEMART_WECHAT_SECRET": w.AppSecret,
		"WEMART_WECHAT_MCHID": w.MchID, "WEMART_WECHAT_MCH_SERIAL": w.MchCertSerial,
		"WEMART_WECHAT_MCH_KEY_FILE": w.MchKeyFile, "WEMART_WECHAT_APIV3_KEY": w.APIv3Key,
		"WEMART_WECHAT_PLATFORM_KEY_FILE": w.PlatformKeyFile, "WEMART_WECHAT_PLATFORM_KEY_ID": w.PlatformKeyID,
	}
	if c.WeChatMode == "" && !c.LaptopShaped() {
		bad("WEMART_WECHAT_MODE must be set (live, or sandbox on purpose): this configuration is not a laptop's "+
			"(%s), and the WeChat sandbox lets anyone mark their own order paid", c.productionSignals())
	}
	if _, port, err := net.SplitHostPort(c.SandboxAddr); err != nil || port == "" {
		bad("WEMART_SANDBOX_ADDR must be host:port (got %q)", c.SandboxAddr)
	}
	if c.SandboxURL != "" {
		if u, err := url.Parse(c.SandboxURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("WEMART_SANDBOX_URL must be the scheme and host of a `wemart sandbox`, like http://10.0.0.5:8090")
		}
	}
	switch c.Mode() {
	case ModeSandbox:
		// The sandbox must never run with a real account's secrets in reach.
		for _, name := range sortedKeys(creds) {
			if creds[name] != "" {
				bad("%s is a live WeChat credential: unset it, or set WEMART_WECHAT_MODE=live", name)
			}
		}
		if c.SandboxTimeScale <= 0 || c.SandboxTimeScale > 1 {
			bad("WEMART_SANDBOX_TIME_SCALE must be in (0, 1]")
		}
		if c.PushToken != "" || c.PushAESKey != "" {
			bad("WEMART_WECHAT_PUSH_TOKEN and WEMART_WECHAT_PUSH_AES_KEY are for live mode: the sandbox has its own (unset them)")
		}
	case ModeLive:
		for _, name := range sortedKeys(creds) {
			if creds[name] == "" {
				bad("%s is required when WEMART_WECHAT_MODE=live", name)
			}
		}
		if w.APIv3Key != "" && len(w.APIv3Key) != 32 {
			bad("WEMART_WECHAT_APIV3_KEY must be 32 bytes")
		}
		if u, err := url.Parse(c.PublicURL); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("WEMART_PUBLIC_URL must be the https URL WeChat Pay can reach this server at (live mode)")
		}
		if c.SandboxURL != "" {
			bad("WEMART_SANDBOX_URL is for sandbox mode only: unset it in live mode")
		}
		c.validatePush(bad)
	default:
		bad("WEMART_WECHAT_MODE must be sandbox or live (got %q)", c.WeChatMode)
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("WEMART_PUBLIC_URL must be a scheme and host, like https://shop.example.com")
		}
	}
	if k := c.Kuaidi100; k.On() {
		switch {
		case c.Mode() == ModeSandbox:
			bad("WEMART_KUAIDI100_* is a live account: unset it (the sandbox tracks parcels itself), or set WEMART_WECHAT_MODE=live")
		case k.Customer == "" || k.Key == "" || k.Salt == "":
			bad("WEMART_KUAIDI100_CUSTOMER, WEMART_KUAIDI100_KEY and WEMART_KUAIDI100_SALT go together")
		case len(k.Salt) < 8:
			bad("WEMART_KUAIDI100_SALT must be at least 8 characters")
		}
	}
	if r := c.Rider; r.On() {
		if u, err := url.Parse(r.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("WEMART_RIDER_URL must be the scheme and host of the rider service, like https://newopen.imdada.cn (got %q)", r.URL)
		}
		if r.AppKey == "" || r.AppSecret == "" || r.SourceID == "" {
			bad("WEMART_RIDER_APP_KEY, WEMART_RIDER_APP_SECRET and WEMART_RIDER_SOURCE_ID are required with WEMART_RIDER_URL")
		}
		if c.Mode() == ModeSandbox {
			bad("WEMART_RIDER_* configure the live rider service: unset them in sandbox mode (the sandbox has its own)")
		}
	}
	if c.ShopperTokenTTL < time.Minute {
		bad("WEMART_SHOPPER_TOKEN_TTL must be at least 1m (got %s)", c.ShopperTokenTTL)
	}
	if c.LoginRate < 1 {
		bad("WEMART_LOGIN_RATE must be at least 1 (logins a minute per address; got %d)", c.LoginRate)
	}
	if c.StaffLoginRate < 1 {
		bad("WEMART_STAFF_LOGIN_RATE must be at least 1 (attempts a minute per address)")
	}
	if c.ReferralRewardPoints < 0 || c.ReferralRewardPoints > 1_000_000 {
		bad("WEMART_REFERRAL_REWARD_POINTS must be between 0 and 1000000 (got %d)", c.ReferralRewardPoints)
	}
	if c.ReferralRewardCoupon < 0 {
		bad("WEMART_REFERRAL_REWARD_COUPON must be a coupon template id (got %d)", c.ReferralRewardCoupon)
	}
	if c.AutoReceiveAfter < time.Second || c.AutoReceiveAfter > 30*24*time.Hour {
		bad("WEMART_AUTO_RECEIVE_AFTER must be between 1s and 720h (got %s)", c.AutoReceiveAfter)
	}
	if c.OrderTTL < time.Minute || c.OrderTTL > 2*time.Hour {
		// WeChat Pay's prepay_id lives two hours: an order must expire before it.
		bad("WEMART_ORDER_TTL must be between 1m and 2h (got %s)", c.OrderTTL)
	}
	if c.ShopperOpenOrders < 1 || c.ShopperOpenOrders > 1000 {
		bad("WEMART_SHOPPER_OPEN_ORDERS must be between 1 and 1000")
	}
	if c.ShopperCheckoutsPerMinute < 1 || c.ShopperCheckoutsPerMinute > 100000 {
		bad("WEMART_SHOPPER_CHECKOUTS_PER_MINUTE must be between 1 and 100000")
	}
	if t := strings.TrimSpace(c.SubscribeTemplates); strings.HasPrefix(t, "{") && !json.Valid([]byte(t)) {
		bad("WEMART_SUBSCRIBE_TEMPLATES must be JSON (event → {template_id, title, page?, fields}) or a JSON file's path")
	} else if t != "" && !strings.HasPrefix(t, "{") {
		if _, err := os.Stat(t); err != nil {
			bad("WEMART_SUBSCRIBE_TEMPLATES: cannot read %s (inline JSON starts with {)", t)
		}
	}
	if c.JobsInterval < 10*time.Millisecond || c.JobsInterval > time.Minute {
		bad("WEMART_JOBS_INTERVAL must be between 10ms and 1m (got %s)", c.JobsInterval)
	}
	if c.SweepInterval < 100*time.Millisecond || c.SweepInterval > 10*time.Minute {
		bad("WEMART_SWEEP_INTERVAL must be between 100ms and 10m (got %s)", c.SweepInterval)
	}
	if (c.AdminUser == "") != (c.AdminPassword == "") {
		bad("WEMART_ADMIN_USER and WEMART_ADMIN_PASSWORD go together")
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 8 {
		bad("WEMART_ADMIN_PASSWORD must be at least 8 characters")
	}
	if c.TokenSecret != "" && len(c.TokenSecret) < 32 {
		bad("WEMART_TOKEN_SECRET must be at least 32 characters")
	}
	if c.StaffTokenTTL < time.Minute {
		bad("WEMART_STAFF_TOKEN_TTL must be at least 1m (got %s)", c.StaffTokenTTL)
	}
	if c.ShutdownTimeout <= 0 {
		bad("WEMART_SHUTDOWN_TIMEOUT must be positive (got %s)", c.ShutdownTimeout)
	}
	if len(c.CORSOrigins) == 0 {
		bad("WEMART_CORS_ORIGINS must list at least one origin (or *)")
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		bad("WEMART_LOG_LEVEL must be debug, info, warn or error (got %q)", c.LogLevel)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		bad("WEMART_LOG_FORMAT must be json or text (got %q)", c.LogFormat)
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			bad("WEMART_METRICS_ADDR must be host:port, like 10.0.0.5:9090 (got %q)", c.MetricsAddr)
		} else if c.MetricsAddr == c.Addr && port != "0" { // port 0: each listener gets its own
			bad("WEMART_METRICS_ADDR must differ from WEMART_ADDR (use WEMART_METRICS_TOKEN to serve metrics on the main listener)")
		}
	}
	if c.Pprof && c.MetricsAddr == "" {
		bad("WEMART_PPROF=true needs WEMART_METRICS_ADDR: profiles are served only on the metrics listener")
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 32 {
		bad("WEMART_METRICS_TOKEN must be at least 32 characters")
	}
	if len(problems) > 0 {
		return fmt.Errorf("config: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Mode is the WeChat mode in force: WEMART_WECHAT_MODE, or the sandbox when
// it is unset (Validate refuses that outside a laptop-shaped configuration).
func (c Config) Mode() string {
	if c.WeChatMode == "" {
		return ModeSandbox
	}
	return c.WeChatMode
}

// LaptopShaped reports whether the configuration looks like a developer's
// machine, the only place the sandbox may be the silent default: it listens
// on loopback (127.0.0.0/8, ::1, localhost) AND has no https
// WEMART_PUBLIC_URL AND no PostgreSQL WEMART_DATABASE_URL AND no
// WEMART_TOKEN_SECRET AND no WEMART_TRUST_PROXY. Each of the last four is
// something only a shared or public deployment needs (a loopback listener
// behind a reverse proxy is public).
func (c Config) LaptopShaped() bool { return c.productionSignals() == "" }

// productionSignals names what makes the configuration not laptop-shaped
// ("" when it is).
func (c Config) productionSignals() string {
	var why []string
	if host, _, err := net.SplitHostPort(c.Addr); err != nil || !loopback(host) {
		why = append(why, "WEMART_ADDR is not a loopback address")
	}
	if u, err := url.Parse(c.PublicURL); err == nil && u.Scheme == "https" {
		why = append(why, "WEMART_PUBLIC_URL is https")
	}
	if strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		why = append(why, "WEMART_DATABASE_URL is PostgreSQL")
	}
	if c.TokenSecret != "" {
		why = append(why, "WEMART_TOKEN_SECRET is set")
	}
	if c.TrustProxy { // a loopback listener behind a proxy that faces the world
		why = append(why, "WEMART_TRUST_PROXY is true")
	}
	return strings.Join(why, ", ")
}

// loopback reports whether a listen host is reachable from this machine only.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Level is the parsed log level (Validate has checked it).
func (c Config) Level() slog.Level {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel))
	return lvl
}

// Summary returns the effective configuration as log attributes, secrets masked.
func (c Config) Summary() []any {
	db := "sqlite:" + strings.TrimSuffix(c.DataDir, "/") + "/wemart.db (embedded)"
	if c.DatabaseURL != "" {
		db = redactURL(c.DatabaseURL)
	}
	search := "embedded"
	if c.SearchURL != "" {
		search = redactURL(c.SearchURL) + " key=" + mask(c.SearchKey)
	}
	admin := "none"
	if c.AdminUser != "" {
		admin = c.AdminUser + " password=" + mask(c.AdminPassword)
	}
	secret := "generated in data dir"
	if c.TokenSecret != "" {
		secret = mask(c.TokenSecret)
	}
	wechat := c.Mode()
	if c.Mode() == ModeSandbox {
		if c.WeChatMode == "" {
			wechat += " (default: laptop-shaped configuration)"
		}
		wechat += fmt.Sprintf(" time_scale=%g", c.SandboxTimeScale)
		if c.SandboxURL != "" {
			wechat += " shared=" + redactURL(c.SandboxURL)
		}
	}
	if c.Mode() == ModeLive {
		wechat += fmt.Sprintf(" appid=%s mchid=%s secret=%s apiv3_key=%s",
			c.WeChat.AppID, c.WeChat.MchID, mask(c.WeChat.AppSecret), mask(c.WeChat.APIv3Key))
		wechat += fmt.Sprintf(" kuaidi100=%v", c.Kuaidi100.On())
	}
	return []any{
		"addr", c.Addr, "data_dir", c.DataDir, "database", db, "search", search, "media", c.mediaSummary(),
		"wechat", wechat, "admin", admin, "token_secret", secret,
		"staff_token_ttl", c.StaffTokenTTL.String(), "cors", strings.Join(c.CORSOrigins, ","),
		"trust_proxy", fmt.Sprint(c.TrustProxy), "public_url", c.PublicURL,
		"shopper_token_ttl", c.ShopperTokenTTL.String(), "login_rate", fmt.Sprint(c.LoginRate), "staff_login_rate", fmt.Sprint(c.StaffLoginRate),
		"order_ttl", c.OrderTTL.String(), "shopper_limits", fmt.Sprintf("%d open, %d/min", c.ShopperOpenOrders, c.ShopperCheckoutsPerMinute), "sweep_interval", c.SweepInterval.String(),
		"log", c.LogLevel + "/" + c.LogFormat, "metrics", c.metricsSummary(),
	}
}

// mediaSummary says where pictures are kept and served from (keys masked).
func (c Config) mediaSummary() string {
	where := "local " + strings.TrimSuffix(c.DataDir, "/") + "/media"
	if c.S3.On() {
		where = fmt.Sprintf("s3 %s bucket=%s prefix=%q path_style=%v access_key=%s secret_key=%s", redactURL(c.S3.Endpoint),
			c.S3.Bucket, c.S3.Prefix, c.S3.PathStyle, mask(c.S3.AccessKey), mask(c.S3.SecretKey))
	}
	url := "/media/ (this server)"
	if c.MediaURL != "" {
		url = c.MediaURL
	}
	return where + " url=" + url
}

// metricsSummary says where /metrics is served (the token masked).
func (c Config) metricsSummary() string {
	var where []string
	if c.MetricsAddr != "" {
		where = append(where, "addr="+c.MetricsAddr)
	}
	if c.MetricsToken != "" {
		where = append(where, "main listener token="+mask(c.MetricsToken))
	}
	if len(where) == 0 {
		return "off"
	}
	return strings.Join(where, " ")
}

// explain rewrites env's parse errors, which name Go fields and quote Go's
// parsers, to name the environment variable the operator set, show the
// value and say what is expected (see expected).
func explain(err error, environ map[string]string) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("config: %w", err)
	}
	var msgs []string
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			name := envName(reflect.TypeOf(Config{}), pe.Name)
			msgs = append(msgs, fmt.Sprintf("%s must be %s (got %s)", name, expected(pe.Type), shown(name, environ[name])))
			continue
		}
		msgs = append(msgs, e.Error())
	}
	return fmt.Errorf("config: %s", strings.Join(msgs, "; "))
}

// envName finds the env tag of the field called name in t or its nested structs.
func envName(t reflect.Type, name string) string {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Name == name {
			if tag := f.Tag.Get("env"); tag != "" {
				return tag
			}
		}
		if f.Type.Kind() == reflect.Struct {
			if n := envName(f.Type, name); n != name {
				return n
			}
		}
	}
	return name
}

func mask(secret string) string {
	if secret == "" {
		return "(unset)"
	}
	return "***"
}

func redactURL(raw string) string { return redact.URL(raw) }

// pushTokenPattern is WeChat's rule for a message push Token.
var pushTokenPattern = regexp.MustCompile(`^[0-9A-Za-z]{3,32}$`)

// validatePush checks the live message push settings.
func (c Config) validatePush(bad func(string, ...any)) {
	if c.PushToken != "" && !pushTokenPattern.MatchString(c.PushToken) {
		bad("WEMART_WECHAT_PUSH_TOKEN must be 3 to 32 letters or digits (the Token of the mini program's message push)")
	}
	if c.PushAESKey != "" {
		if key, err := base64.StdEncoding.DecodeString(c.PushAESKey + "="); len(c.PushAESKey) != 43 || err != nil || len(key) != 32 {
			bad("WEMART_WECHAT_PUSH_AES_KEY must be the EncodingAESKey of the message push: 43 letters and digits")
		}
		if c.PushToken == "" {
			bad("WEMART_WECHAT_PUSH_AES_KEY needs WEMART_WECHAT_PUSH_TOKEN")
		}
	}
}
