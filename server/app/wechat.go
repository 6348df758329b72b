package app

import (
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"

	"wemart/server/config"
	"wemart/server/wechat"
	"wemart/server/wechat/sandbox"
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
	// Sandbox is the simulator in sandbox mode, nil in live mode.
	Sandbox *sandbox.Sandbox
}

// NotifyPath is where WeChat Pay posts notifications on this server.
const NotifyPath = "/wechat/pay/notify"

// newWeChat builds the WeChat clients. selfURL is how this process reaches
// itself (the sandbox's base URL in sandbox mode).
func newWeChat(cfg config.Config, log *slog.Logger, selfURL string) (*WeChat, error) {
	ep := wechat.Endpoints{NotifyURL: publicURL(cfg, selfURL) + NotifyPath}
	var creds wechat.Credentials
	w := &WeChat{}
	switch cfg.Mode() {
	case config.ModeLive:
		lc := cfg.WeChat
		creds = wechat.Credentials{AppID: lc.AppID, AppSecret: lc.AppSecret, MchID: lc.MchID, MchSerial: lc.MchCertSerial,
			APIv3Key: lc.APIv3Key, PlatformKeyID: lc.PlatformKeyID}
		if err := wechat.LoadKeys(&creds, lc.MchKeyFile, lc.PlatformKeyFile); err != nil {
			return nil, err
		}
		ep.APIBase, ep.MchBase = wechat.LiveAPIBase, wechat.LiveMchBase
	default:
		dir := filepath.Join(cfg.DataDir, "sandbox")
		id, err := sandbox.LoadOrCreateIdentity(dir)
		if err != nil {
			return nil, err
		}
		sb, err := sandbox.New(sandbox.Options{
			Identity: id, StatePath: filepath.Join(dir, "state.json"), Pages: MiniProgramPages,
			TimeScale: cfg.SandboxTimeScale, Log: log,
		})
		if err != nil {
			return nil, err
		}
		w.Sandbox = sb
		creds = wechat.Credentials{AppID: id.AppID, AppSecret: id.AppSecret, MchID: id.MchID, MchSerial: id.MchSerial,
			APIv3Key: id.APIv3Key, PlatformKeyID: id.PlatformKeyID}
		if err := wechat.LoadKeys(&creds, sandbox.MchKeyPath(dir), sandbox.PlatformPublicKeyPath(dir)); err != nil {
			return nil, err
		}
		ep.APIBase, ep.MchBase, ep.MchPrefix = selfURL+sandbox.APIPrefix+"/", selfURL, sandbox.MchPrefix
	}
	var err error
	if w.MiniProgram, err = wechat.NewMiniProgram(creds, ep); err != nil {
		return nil, err
	}
	if w.Pay, err = wechat.NewPay(creds, ep); err != nil {
		return nil, err
	}
	w.Credentials = creds
	w.Notifications = wechat.NewNotifications(creds)
	log.Info("wechat ready", "mode", cfg.Mode(), "appid", creds.AppID, "mchid", creds.MchID, "notify_url", ep.NotifyURL)
	if cfg.Mode() == config.ModeSandbox && !cfg.LaptopShaped() {
		log.Warn("!!! WECHAT SANDBOX MODE ON A NON-LAPTOP CONFIGURATION: payments are simulated and anyone can mark " +
			"their own order paid through /sandbox/pay. Set WEMART_WECHAT_MODE=live to take real money. !!!")
	}
	return w, nil
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
