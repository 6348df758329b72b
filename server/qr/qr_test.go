package qr

import (
	"bytes"
	"context"
	"image/png"
	"testing"

	"wemart/server/errs"
	"wemart/server/wechat"
	"wemart/server/wechat/sandbox"
	"wemart/server/wechat/sandbox/sandboxtest"
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

// weChat serves a WeChat sandbox whose released mini program has pages, and
// returns it and the real mini program client pointed at it.
func weChat(t *testing.T, pages ...string) (*sandbox.Sandbox, wechat.MiniProgram) {
	t.Helper()
	sb, url, _ := sandboxtest.Serve(t, sandbox.Options{Pages: pages})
	id := sb.Identity()
	mp, err := wechat.NewMiniProgram(wechat.Credentials{AppID: id.AppID, AppSecret: id.AppSecret},
		wechat.Endpoints{APIBase: url + sandbox.APIPrefix + "/"})
	if err != nil {
		t.Fatal(err)
	}
	return sb, mp
}

// readPNG decodes the QR code in a PNG of width px.
func readPNG(t *testing.T, img []byte, width int) string {
	t.Helper()
	if m, err := png.Decode(bytes.NewReader(img)); err != nil || m.Bounds().Dx() != width {
		t.Fatalf("not a %dpx PNG: %v", width, err)
	}
	return sandboxtest.ReadQR(t, img)
}

// TestWeChatsJPEGIsServedAsPNG: getwxacodeunlimit answers a JPEG; the code
// staff download (qrcode.png) is a PNG of the same picture.
func TestWeChatsJPEGIsServedAsPNG(t *testing.T) {
	_, mp := weChat(t, "pages/store/store")
	img, kind, err := NewCodes(mp, "https://x").Draw(context.Background(), Scene{StoreID: 7}, Image{Width: 300})
	if err != nil || kind != KindWXACode || !bytes.HasPrefix(img, []byte("\x89PNG")) {
		t.Fatalf("Draw = %d bytes (% x), %q, %v", len(img), img[:min(len(img), 4)], kind, err)
	}
	if got, want := readPNG(t, img, 300), sandbox.WXACodeContent("pages/store/store", "s=7"); got != want {
		t.Fatalf("the code encodes %q, want %q", got, want)
	}
}

// TestDrawFallsBackToAPlainCodeWhenWeChatIsDown: WeChat busy (errcode -1,
// injected into the sandbox) gets a plain QR code of the landing URL
// instead; WeChat refusing the code (a page not released yet) is an error.
func TestDrawFallsBackToAPlainCodeWhenWeChatIsDown(t *testing.T) {
	sb, mp := weChat(t, "pages/store/store")
	c := NewCodes(mp, "https://shop.example.com/")
	ctx := context.Background()
	sb.Fail(sandbox.OpWXACode, 1, 0, "-1")
	img, kind, err := c.Draw(ctx, Scene{StoreID: 12, ProductID: 3}, Image{Width: 300})
	if err != nil || kind != KindPlain {
		t.Fatalf("Draw while WeChat is busy = %d bytes, %q, %v", len(img), kind, err)
	}
	if got := readPNG(t, img, 300); got != "https://shop.example.com/qr?scene=p%3D3%26s%3D12" {
		t.Fatalf("the plain code encodes %q", got)
	}
	// WeChat back: its code again.
	if img, kind, err = c.Draw(ctx, Scene{StoreID: 12}, Image{Width: 300}); err != nil || kind != KindWXACode {
		t.Fatalf("Draw after the fault = %q, %v", kind, err)
	}
	if got := readPNG(t, img, 300); got != sandbox.WXACodeContent("pages/store/store", "s=12") {
		t.Fatalf("the code encodes %q", got)
	}
	// WeChat refusing is not an outage: no silent fallback, an error.
	if _, kind, err := c.Draw(ctx, Scene{StoreID: 12, ProductID: 3}, Image{Width: 300}); wechat.CodeOf(err) != "41030" {
		t.Fatalf("a code for an unreleased page: %q, %v; want WeChat's 41030", kind, err)
	}
}
