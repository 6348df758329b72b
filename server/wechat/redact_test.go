package wechat_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"wemart/server/wechat"
	"wemart/server/wechat/sandbox"
)

// TestTransportErrorsCarryNoSecrets: when WeChat drops the connection, Go's
// transport error names the request URL, whose query string holds the
// AppSecret, the access token and the shopper's login code. None of them may
// reach the error (which the API logs on a 5xx).
func TestTransportErrorsCarryNoSecrets(t *testing.T) {
	dir, id := identity(t)
	sb, err := sandbox.New(sandbox.Options{Identity: id, TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	sb.Mount(e)
	// Tokens are handed out; every other call has its connection dropped.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "token") {
			e.ServeHTTP(w, r)
			return
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(func() { srv.Close(); sb.Close() })
	mp, pay, creds := clientsAt(t, dir, id, srv.URL, srv.URL+"/notify")
	ctx := context.Background()
	const loginCode = "login-code-0123456789"
	_, loginErr := mp.Code2Session(ctx, loginCode)
	_, phoneErr := mp.PhoneNumber(ctx, "phone-code-0123456789")
	_, queryErr := pay.Query(ctx, "WM-ORDER-1")
	for name, err := range map[string]error{"jscode2session": loginErr, "getuserphonenumber": phoneErr, "pay query": queryErr} {
		if err == nil {
			t.Fatalf("%s: no error through a dropped connection", name)
		}
		msg := err.Error()
		for _, secret := range []string{creds.AppSecret, loginCode, "phone-code-0123456789", "access_token=", "secret=", "js_code="} {
			if strings.Contains(msg, secret) {
				t.Errorf("%s: the error leaks %q: %s", name, secret, msg)
			}
		}
		if !strings.Contains(msg, srv.URL) {
			t.Errorf("%s: the error should still say where it failed: %s", name, msg)
		}
		if !wechat.IsTemporary(err) {
			t.Errorf("%s: a dropped connection is temporary: %v", name, err)
		}
	}
	// The cause is still there for callers that look for it.
	var ne net.Error
	srv.Close()
	_, dialErr := mp.Code2Session(ctx, loginCode)
	if !errors.As(dialErr, &ne) {
		t.Errorf("a refused connection should unwrap to a net.Error: %#v", dialErr)
	}
	if strings.Contains(dialErr.Error(), creds.AppSecret) {
		t.Errorf("the error leaks the secret: %v", dialErr)
	}
}
