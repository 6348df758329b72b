// Package sandboxtest runs the WeChat sandbox for tests that need WeChat:
// one identity for the whole test binary (making its RSA keys is slow), the
// sandbox served over loopback HTTP as the real clients expect, and the QR
// codes it (or wemart) draws read back.
package sandboxtest

import (
	"bytes"
	"image"
	_ "image/jpeg" // WeChat draws mini program codes as JPEG
	_ "image/png"  // wemart serves codes as PNG
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"wemart/server/wechat/sandbox"
)

var (
	idOnce sync.Once
	idDir  string
	idErr  error
)

// Identity returns the sandbox identity every test of the binary shares, and
// the directory it is kept in (the client side reads its key files there).
func Identity(t testing.TB) (string, *sandbox.Identity) {
	t.Helper()
	idOnce.Do(func() {
		if idDir, idErr = os.MkdirTemp("", "wemart-sandboxtest"); idErr == nil {
			_, idErr = sandbox.LoadOrCreateIdentity(idDir)
		}
	})
	if idErr != nil {
		t.Fatal(idErr)
	}
	id, err := sandbox.LoadOrCreateIdentity(idDir)
	if err != nil {
		t.Fatal(err)
	}
	return idDir, id
}

// Serve runs a sandbox with opt (the shared Identity unless opt has one) on
// a loopback HTTP server, and returns it, the server's URL, and stop, which
// shuts both down as a process exit would (also done when the test ends).
func Serve(t testing.TB, opt sandbox.Options) (sb *sandbox.Sandbox, url string, stop func()) {
	t.Helper()
	if opt.Identity == nil {
		_, opt.Identity = Identity(t)
	}
	sb, err := sandbox.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	sb.Mount(e)
	srv := httptest.NewServer(e)
	stop = sync.OnceFunc(func() { srv.Close(); sb.Close() })
	t.Cleanup(stop)
	return sb, srv.URL, stop
}

// ReadQR returns the text of the QR code in a PNG or JPEG image.
func ReadQR(t testing.TB, img []byte) string {
	t.Helper()
	m, _, err := image.Decode(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("not an image: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(m)
	if err != nil {
		t.Fatal(err)
	}
	// The plain reading first; then harder, and as a code alone on its
	// image (ours are): without hints the reader now and then takes some
	// modules for a finder pattern and gives up on a sound code.
	var res *gozxing.Result
	for _, hints := range []map[gozxing.DecodeHintType]any{
		nil,
		{gozxing.DecodeHintType_TRY_HARDER: true},
		{gozxing.DecodeHintType_PURE_BARCODE: true},
	} {
		if res, err = qrcode.NewQRCodeReader().Decode(bmp, hints); err == nil {
			return res.GetText()
		}
	}
	t.Fatalf("no QR code in the image: %v", err)
	return ""
}
