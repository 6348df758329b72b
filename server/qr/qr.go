// Package qr is wemart's in-store QR codes: the scene strings a code carries
// (which store, which product), the mini program code WeChat draws for a
// scene, and a plain QR code drawn locally when WeChat cannot be asked.
//
// Scenes are at most 32 characters (WeChat's limit for getwxacodeunlimit):
// "s=12" opens store 12; "p=345&s=12" opens product 345 in store 12.
package qr

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg" // WeChat draws mini program codes as JPEG
	"image/png"
	"net/url"
	"strconv"
	"strings"

	"github.com/skip2/go-qrcode"

	"wemart/server/errs"
	"wemart/server/wechat"
)

// MaxSceneLen is WeChat's limit on a scene.
const MaxSceneLen = 32

// Scene is what an in-store code points at.
type Scene struct {
	StoreID   int
	ProductID int // 0: the store itself
}

// String renders the scene as the code carries it.
func (s Scene) String() string {
	if s.ProductID != 0 {
		return "p=" + strconv.Itoa(s.ProductID) + "&s=" + strconv.Itoa(s.StoreID)
	}
	return "s=" + strconv.Itoa(s.StoreID)
}

// Page is the mini program page a scene opens.
func (s Scene) Page() string {
	if s.ProductID != 0 {
		return "pages/product/product"
	}
	return "pages/store/store"
}

// ParseScene reads a scene, also in its URL-encoded form (the mini program
// receives options.scene encoded). Keys may come in any order; anything else
// is invalid.
func ParseScene(raw string) (Scene, error) {
	bad := errs.InvalidField("scene", "must be s=<store id> or p=<product id>&s=<store id>, at most %d characters", MaxSceneLen)
	if strings.Contains(raw, "%") {
		dec, err := url.QueryUnescape(raw)
		if err != nil {
			return Scene{}, bad
		}
		raw = dec
	}
	if raw == "" || len(raw) > MaxSceneLen {
		return Scene{}, bad
	}
	var s Scene
	seen := map[string]bool{}
	for _, part := range strings.Split(raw, "&") {
		k, v, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n <= 0 || seen[k] || v != strconv.Itoa(n) {
			return Scene{}, bad
		}
		seen[k] = true
		switch k {
		case "s":
			s.StoreID = n
		case "p":
			s.ProductID = n
		default:
			return Scene{}, bad
		}
	}
	if s.StoreID == 0 {
		return Scene{}, bad
	}
	return s, nil
}

// Kinds of code image.
const (
	// KindWXACode is WeChat's round mini program code (getwxacodeunlimit).
	KindWXACode = "wxacode"
	// KindPlain is an ordinary QR code of a URL the mini program is
	// configured to open ("scan ordinary QR codes to open the mini program").
	KindPlain = "plain"
)

// Codes draws code images.
type Codes struct {
	mp wechat.MiniProgram
	// base is the public origin plain codes link to (<base>/qr?scene=...).
	base string
}

// NewCodes returns the code drawer; base is the public URL of the server.
func NewCodes(mp wechat.MiniProgram, base string) *Codes {
	return &Codes{mp: mp, base: strings.TrimSuffix(base, "/")}
}

// PlainURL is the URL a plain code for s encodes.
func (c *Codes) PlainURL(s Scene) string { return c.base + "/qr?scene=" + url.QueryEscape(s.String()) }

// Image options.
type Image struct {
	Kind  string
	Width int
	// Env is the mini program version a wxacode opens: release, trial or develop.
	Env string
}

// Draw returns the PNG of the code for s and the kind actually drawn: a
// mini program code unless plain was asked for, or WeChat could not be
// reached (then a plain code: a printed code beats an error at the counter).
func (c *Codes) Draw(ctx context.Context, s Scene, img Image) ([]byte, string, error) {
	if img.Kind != KindPlain {
		code, err := c.mp.WXACode(ctx, wechat.WXACode{Scene: s.String(), Page: s.Page(), CheckPage: img.Env == "" || img.Env == "release",
			Env: img.Env, Width: img.Width})
		if err == nil {
			png, err := toPNG(code)
			if err != nil {
				return nil, "", errs.Wrap(err, errs.Internal, "WeChat's mini program code is not an image we can read")
			}
			return png, KindWXACode, nil
		}
		if !wechat.IsTemporary(err) {
			return nil, "", errs.Wrap(err, errs.Internal, "WeChat refused to draw the mini program code")
		}
	}
	png, err := qrcode.Encode(c.PlainURL(s), qrcode.Medium, img.Width)
	if err != nil {
		return nil, "", err
	}
	return png, KindPlain, nil
}

// toPNG re-encodes a mini program code as PNG: WeChat answers JPEG, and
// the code is served as a .png for printing (lossless, and what the staff
// endpoint has always said it serves). A PNG passes through unchanged.
func toPNG(img []byte) ([]byte, error) {
	if bytes.HasPrefix(img, []byte("\x89PNG\r\n\x1a\n")) {
		return img, nil
	}
	m, _, err := image.Decode(bytes.NewReader(img))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
