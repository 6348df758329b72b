package qr

import (
	"bytes"
	"context"
	"testing"

	"wemart/server/errs"
	"wemart/server/wechat"
)

func TestScenes(t *testing.T) {
	good := map[string]Scene{
		"s=12":                    {StoreID: 12},
		"p=345&s=12":              {StoreID: 12, ProductID: 345},
		"s=12&p=345":              {StoreID: 12, ProductID: 345},
		"p%3D345%26s%3D12":        {StoreID: 12, ProductID: 345},
		"p=2147483647&s=99999999": {StoreID: 99999999, ProductID: 2147483647},
	}
	for raw, want := range good {
		got, err := ParseScene(raw)
		if err != nil || got != want {
			t.Errorf("ParseScene(%q) = %+v, %v; want %+v", raw, got, err, want)
		}
		if len(got.String()) > MaxSceneLen {
			t.Errorf("%+v renders longer than %d", got, MaxSceneLen)
		}
		if back, _ := ParseScene(got.String()); back != got {
			t.Errorf("%+v does not round-trip", got)
		}
	}
	for _, raw := range []string{"", "s=", "s=0", "s=-1", "s=012", "s=1&s=2", "p=3", "x=1", "s=1&q=2",
		"s=12&p=345&z=99999999999999999999", "s=abc", "s=1;drop", "%zz", "s=1 "} {
		if _, err := ParseScene(raw); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseScene(%q) accepted (%v)", raw, err)
		}
	}
}

// downWeChat is a WeChat that does not answer (the network is down).
type downWeChat struct{ wechat.MiniProgram }

func (downWeChat) WXACode(context.Context, wechat.WXACode) ([]byte, error) {
	return nil, &wechat.Error{Op: "getwxacodeunlimit", Err: context.DeadlineExceeded}
}

// refusingWeChat refuses the request itself (a bad page, say).
type refusingWeChat struct{ wechat.MiniProgram }

func (refusingWeChat) WXACode(context.Context, wechat.WXACode) ([]byte, error) {
	return nil, &wechat.Error{Op: "getwxacodeunlimit", Code: "41030", Message: "invalid page"}
}

func TestDrawFallsBackToAPlainCodeWhenWeChatIsDown(t *testing.T) {
	c := NewCodes(downWeChat{}, "https://shop.example.com/")
	png, kind, err := c.Draw(context.Background(), Scene{StoreID: 12}, Image{Width: 300})
	if err != nil || kind != KindPlain || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("Draw = %d bytes, %q, %v", len(png), kind, err)
	}
	if got := c.PlainURL(Scene{StoreID: 12, ProductID: 3}); got != "https://shop.example.com/qr?scene=p%3D3%26s%3D12" {
		t.Fatalf("plain URL %s", got)
	}
	// WeChat refusing is not an outage: no silent fallback, an error.
	if _, _, err := NewCodes(refusingWeChat{}, "https://x").Draw(context.Background(), Scene{StoreID: 1}, Image{Width: 300}); err == nil {
		t.Fatal("a refused code must not fall back silently")
	}
}
