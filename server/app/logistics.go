package app

import (
	"log/slog"

	"wemart/server/config"
	"wemart/server/logistics"
	"wemart/server/wechat/sandbox"
)

// TrackNotifyPath is where Kuaidi100 pushes parcel updates on this server.
const TrackNotifyPath = "/logistics/kuaidi100/notify"

// newTracking is the parcel tracking provider: Kuaidi100 with the live
// account in live mode (nil, and said so, without one), the sandbox's
// imitation of Kuaidi100 with its made-up account in sandbox mode.
func newTracking(cfg config.Config, log *slog.Logger, w *WeChat, selfURL string) logistics.Provider {
	k := cfg.Kuaidi100
	kc := logistics.Kuaidi100Config{BaseURL: logistics.Kuaidi100LiveURL, Customer: k.Customer, Key: k.Key, Salt: k.Salt}
	switch {
	case cfg.Mode() == config.ModeLive && !k.On():
		log.Warn("parcel tracking is off: WEMART_KUAIDI100_CUSTOMER, _KEY and _SALT are not set; " +
			"express orders still ship, but no parcel is tracked and none becomes delivered by itself")
		return nil
	case cfg.Mode() == config.ModeLive:
	case w.SandboxURL != nil:
		kc = SandboxKuaidi100(w.sandboxIdentity, w.SandboxURL.String())
	default:
		kc = SandboxKuaidi100(w.Sandbox.Identity().Public(), selfURL)
	}
	log.Info("parcel tracking ready", "provider", "kuaidi100", "base", kc.BaseURL, "notify_url", publicURL(cfg, selfURL)+TrackNotifyPath)
	return logistics.NewKuaidi100(kc)
}

// sandboxKuaidi100 is the sandbox's Kuaidi100 at base, with its made-up
// account (and a salt of wemart's, derived from it).
func SandboxKuaidi100(pub sandbox.PublicIdentity, base string) logistics.Kuaidi100Config {
	return logistics.Kuaidi100Config{BaseURL: base + sandbox.Kuaidi100Prefix, Customer: pub.Kuaidi100Customer,
		Key: pub.Kuaidi100Key, Salt: logistics.Kuaidi100Sign("wemart salt ", pub.Kuaidi100Key)[:16]}
}
