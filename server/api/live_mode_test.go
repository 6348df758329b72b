package api_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/storage/storagetest"
)

// live configures the harness for live WeChat: made-up credentials and
// keys (nothing calls WeChat in this test).
func live(t *testing.T) apitest.Options {
	t.Helper()
	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	mch, platform := filepath.Join(dir, "apiclient_key.pem"), filepath.Join(dir, "platform.pem")
	// A built preview is there to serve: live mode must still not serve it.
	preview := filepath.Join(dir, "preview", "index.html")
	if err := os.MkdirAll(filepath.Dir(preview), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		mch:      pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		platform: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
		preview:  []byte("<!DOCTYPE html><title>preview</title>"),
	} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return func(cfg *config.Config, _ *app.Options) {
		cfg.WeChatMode = config.ModeLive
		cfg.PublicURL = "https://shop.example.com"
		cfg.PreviewDir = filepath.Dir(preview)
		cfg.WeChat = config.WeChat{AppID: "wx0000000000000001", AppSecret: "secret", MchID: "1900000001",
			MchCertSerial: "SERIAL", MchKeyFile: mch, APIv3Key: "0123456789abcdef0123456789abcdef",
			PlatformKeyFile: platform, PlatformKeyID: "PUB_KEY_ID_0001"}
	}
}

// TestLiveModeServesNoSandbox: with live WeChat no /sandbox/ route exists
// (the cashier would let anyone mark an order paid), not even the sandbox's
// document, nor the mini program's preview at /shop/ (it pays through the
// sandbox); the API's own document is still served.
func TestLiveModeServesNoSandbox(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"), live(t))
	if h.App.WeChat.Sandbox != nil || h.App.WeChat.SandboxURL != nil {
		t.Fatal("live mode runs or forwards to a sandbox")
	}
	var ready struct{ WeChat string }
	h.Do("GET", "/readyz", "", nil).OK(http.StatusOK, &ready)
	if ready.WeChat != "live" {
		t.Fatalf("readyz says wechat %q", ready.WeChat)
	}
	for _, r := range h.App.Echo.Routes() {
		if strings.HasPrefix(r.Path, "/sandbox") {
			t.Errorf("live mode has the route %s %s", r.Method, r.Path)
		}
	}
	for _, req := range []struct{ method, path string }{
		{"GET", "/sandbox/openapi.yaml"}, {"POST", "/sandbox/pay"}, {"GET", "/sandbox/records"},
		{"GET", "/sandbox/identity"}, {"POST", "/sandbox/faults"}, {"POST", "/sandbox/subscribe/grants"},
		{"GET", "/sandbox/api/cgi-bin/token"}, {"POST", "/sandbox/mch/v3/pay/transactions/jsapi"},
		// The mini program's preview pays through the sandbox cashier: not served live.
		{"GET", "/shop/"}, {"GET", "/shop/index.html"}, {"GET", "/"},
	} {
		// Straight to the router: the harness would hold the answer to the
		// sandbox's document, which has no 404 for routes that exist there.
		rec := httptest.NewRecorder()
		h.App.Echo.ServeHTTP(rec, httptest.NewRequest(req.method, req.path, nil))
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"not_found"`) {
			t.Errorf("%s %s in live mode: %d %s", req.method, req.path, rec.Code, rec.Body)
		}
	}
	h.Do("GET", "/openapi.yaml", "", nil).OK(http.StatusOK, nil)
}
