package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"wemart/server/config"
	"wemart/server/wechat"
	"wemart/server/wechat/sandbox"
	"wemart/server/wechat/wxpush"
)

// MiniProgramPages are the pages of wemart's mini program that QR codes may
// open (getwxacodeunlimit's check_path checks against them in the sandbox).
var MiniProgramPages = []string{
	"pages/index/index", "pages/store/store", "pages/product/product",
	"pages/cart/cart", "pages/order/order", "pages/orders/orders", "pages/me/me",
}

// WeChat is the app's connection to WeChat, live or sandbox.
type WeChat struct {
	Credentials   wechat.Credentials
	MiniProgram   wechat.MiniProgram
	Pay           wechat.Pay
	Notifications *wechat.Notifications
	// Sandbox is the simulator this process runs in sandbox mode; nil in
	// live mode and with a shared sandbox.
	Sandbox *sandbox.Sandbox
	// SandboxURL is the shared sandbox (`wemart sandbox`) this process uses
	// (WEMART_SANDBOX_URL); nil otherwise.
	SandboxURL *url.URL

	// sandboxIdentity is the shared sandbox's identity (with SandboxURL).
	sandboxIdentity sandbox.PublicIdentity
	// Push verifies and opens the mini program's message pushes (nil: no
	// push token configured, pushes are refused).
	Push *wxpush.Codec
}

// NotifyPath is where WeChat Pay posts notifications on this server.
const NotifyPath = "/wechat/pay/notify"

// sandboxPatience is how long a server waits for its shared sandbox to
// answer at start-up (a fleet's servers may start before it).
const sandboxPatience = 30 * time.Second

// newWeChat builds the WeChat clients. selfURL is how this process reaches
// itself (the sandbox's base URL when it runs its own sandbox).
func newWeChat(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options) (*WeChat, error) {
	selfURL := opt.SelfURL
	ep := wechat.Endpoints{NotifyURL: publicURL(cfg, selfURL) + NotifyPath}
	var creds wechat.Credentials
	w := &WeChat{}
	pushToken, pushKey := cfg.PushToken, cfg.PushAESKey
	switch {
	case cfg.Mode() == config.ModeLive:
		lc := cfg.WeChat
		creds = wechat.Credentials{AppID: lc.AppID, AppSecret: lc.AppSecret, MchID: lc.MchID, MchSerial: lc.MchCertSerial,
			APIv3Key: lc.APIv3Key, PlatformKeyID: lc.PlatformKeyID}
		if err := wechat.LoadKeys(&creds, lc.MchKeyFile, lc.PlatformKeyFile); err != nil {
			return nil, err
		}
		ep.APIBase, ep.MchBase = wechat.LiveAPIBase, wechat.LiveMchBase
	case cfg.SandboxURL != "":
		// A shared sandbox: its identity comes from the sandbox itself.
		base := strings.TrimSuffix(cfg.SandboxURL, "/")
		u, err := url.Parse(base)
		if err != nil {
			return nil, err
		}
		pub, err := sandbox.FetchIdentity(ctx, base, sandboxPatience)
		if err != nil {
			return nil, fmt.Errorf("WEMART_SANDBOX_URL: %w", err)
		}
		if creds, err = sandboxCredentials(pub); err != nil {
			return nil, err
		}
		pushToken, pushKey = pub.PushToken, pub.PushAESKey
		w.SandboxURL, w.sandboxIdentity = u, pub
		ep.APIBase, ep.MchBase, ep.MchPrefix = base+sandbox.APIPrefix+"/", base, sandbox.MchPrefix
	default:
		dir := filepath.Join(cfg.DataDir, "sandbox")
		id, err := sandbox.LoadOrCreateIdentity(dir)
		if err != nil {
			return nil, err
		}
		sb, err := newSandbox(cfg, log, id, opt)
		if err != nil {
			return nil, err
		}
		w.Sandbox = sb
		if creds, err = sandboxCredentials(id.Public()); err != nil {
			sb.Close()
			return nil, err
		}
		pushToken, pushKey = id.PushToken, id.PushAESKey
		ep.APIBase, ep.MchBase, ep.MchPrefix = selfURL+sandbox.APIPrefix+"/", selfURL, sandbox.MchPrefix
	}
	var err error
	if w.MiniProgram, err = wechat.NewMiniProgram(creds, ep); err == nil {
		w.Pay, err = wechat.NewPay(creds, ep)
	}
	if err != nil {
		w.Close()
		return nil, err
	}
	w.Credentials = creds
	w.Notifications = wechat.NewNotifications(creds)
	if pushToken != "" {
		if w.Push, err = wxpush.New(pushToken, pushKey, creds.AppID); err != nil {
			w.Close()
			return nil, fmt.Errorf("message push: %w", err)
		}
	} else {
		log.Warn("no message push token (WEMART_WECHAT_PUSH_TOKEN): WeChat's pushes to /wechat/push are refused")
	}
	log.Info("wechat ready", "mode", cfg.Mode(), "appid", creds.AppID, "mchid", creds.MchID, "notify_url", ep.NotifyURL,
		"sandbox", sandboxWhere(w))
	if cfg.Mode() == config.ModeSandbox && !cfg.LaptopShaped() {
		log.Warn("!!! WECHAT SANDBOX MODE ON A NON-LAPTOP CONFIGURATION: payments are simulated and anyone can mark " +
			"their own order paid through /sandbox/pay. Set WEMART_WECHAT_MODE=live to take real money. !!!")
	}
	return w, nil
}

// NewSandbox is the WeChat sandbox of cfg with identity id, keeping its
// journal in the data dir (what `wemart serve` runs in-process and
// `wemart sandbox` serves on its own).
func NewSandbox(cfg config.Config, log *slog.Logger, id *sandbox.Identity) (*sandbox.Sandbox, error) {
	return newSandbox(cfg, log, id, Options{})
}

// newSandbox is NewSandbox on the sandbox clock of opt (tests set one).
func newSandbox(cfg config.Config, log *slog.Logger, id *sandbox.Identity, opt Options) (*sandbox.Sandbox, error) {
	return sandbox.New(sandbox.Options{
		Identity: id, Dir: filepath.Join(cfg.DataDir, "sandbox"), Pages: MiniProgramPages,
		TimeScale: cfg.SandboxTimeScale, Log: log, Now: opt.SandboxNow, Sleep: opt.SandboxSleep,
	})
}

func sandboxWhere(w *WeChat) string {
	switch {
	case w.Sandbox != nil:
		return "in this process"
	case w.SandboxURL != nil:
		return w.SandboxURL.String()
	}
	return "none"
}

// sandboxCredentials are the clients' credentials for a sandbox identity.
func sandboxCredentials(pub sandbox.PublicIdentity) (wechat.Credentials, error) {
	creds := wechat.Credentials{AppID: pub.AppID, AppSecret: pub.AppSecret, MchID: pub.MchID, MchSerial: pub.MchSerial,
		APIv3Key: pub.APIv3Key, PlatformKeyID: pub.PlatformKeyID}
	err := wechat.ParseKeys(&creds, []byte(pub.MchPrivateKey), []byte(pub.PlatformPublicKey))
	return creds, err
}

// Close stops the in-process sandbox, if there is one.
func (w *WeChat) Close() {
	if w.Sandbox != nil {
		w.Sandbox.Close()
	}
}

// publicURL is the origin the outside world reaches this server at:
// WEMART_PUBLIC_URL, or the listener itself.
func publicURL(cfg config.Config, selfURL string) string {
	if cfg.PublicURL != "" {
		return strings.TrimSuffix(cfg.PublicURL, "/")
	}
	return selfURL
}

// SelfURL is the http URL this process reaches its own listener at (a
// wildcard listen address is reached on loopback).
func SelfURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, port))
}
