package app

import (
	"strings"

	"wemart/server/config"
	"wemart/server/logistics"
	"wemart/server/wechat/sandbox"
)

// RiderNotifyPath is where the rider service posts its status callbacks.
const RiderNotifyPath = "/logistics/dada/notify"

// newCarrier is the same-city rider service: in sandbox mode the sandbox's
// (this process's own, or the shared one's), reached over HTTP like Dada
// with keys derived from the sandbox identity; in live mode Dada when
// WEMART_RIDER_* are set, and none (nil) otherwise.
func newCarrier(cfg config.Config, wx *WeChat, selfURL string) (logistics.Carrier, error) {
	dc := logistics.DadaConfig{CallbackURL: publicURL(cfg, selfURL) + RiderNotifyPath}
	switch {
	case cfg.Mode() == config.ModeLive && !cfg.Rider.On():
		return nil, nil
	case cfg.Mode() == config.ModeLive:
		r := cfg.Rider
		dc.BaseURL, dc.AppKey, dc.AppSecret, dc.SourceID = r.URL, r.AppKey, r.AppSecret, r.SourceID
	default:
		base := selfURL
		if wx.SandboxURL != nil {
			base = strings.TrimSuffix(wx.SandboxURL.String(), "/")
		}
		keys := sandbox.RiderKeysFor(wx.Credentials.AppID, wx.Credentials.APIv3Key)
		dc.BaseURL, dc.AppKey, dc.AppSecret, dc.SourceID = base+sandbox.RiderPrefix, keys.AppKey, keys.AppSecret, keys.SourceID
	}
	d, err := logistics.NewDada(dc)
	if err != nil {
		return nil, err
	}
	return d, nil
}
