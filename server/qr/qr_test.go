package qr

import (
	"bytes"
	"context"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/skip2/go-qrcode"

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

// jpegWeChat draws codes as WeChat does: JPEG.
type jpegWeChat struct{ wechat.MiniProgram }

func (jpegWeChat) WXACode(_ context.Context, req wechat.WXACode) ([]byte, error) {
	q, err := qrcode.New("wxacode:"+req.Page+"?scene="+req.Scene, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = jpeg.Encode(&buf, q.Image(req.Width), nil)
	return buf.Bytes(), err
}

// TestWeChatsJPEGIsServedAsPNG: getwxacodeunlimit answers a JPEG; the code
// staff download (qrcode.png) is a PNG of the same picture.
func TestWeChatsJPEGIsServedAsPNG(t *testing.T) {
	img, kind, err := NewCodes(jpegWeChat{}, "https://x").Draw(context.Background(), Scene{StoreID: 7}, Image{Width: 300})
	if err != nil || kind != KindWXACode || !bytes.HasPrefix(img, []byte("\x89PNG")) {
		t.Fatalf("Draw = %d bytes (% x), %q, %v", len(img), img[:min(len(img), 4)], kind, err)
	}
	m, err := png.Decode(bytes.NewReader(img))
	if err != nil || m.Bounds().Dx() != 300 {
		t.Fatalf("not a 300px PNG: %v", err)
	}
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
