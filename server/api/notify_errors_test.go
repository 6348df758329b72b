package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"wemart/server/payments"
	"wemart/server/storage/storagetest"
	"wemart/server/wechat"
	"wemart/server/wechat/wxpay"
)

// brokenBody is a request body whose read fails part way (a client gone,
// a connection reset): some JSON, then the error.
func brokenBody() io.Reader {
	return io.MultiReader(strings.NewReader(`{"name": "`), iotest.ErrReader(errors.New("read tcp: connection reset by peer")))
}

// hugeBody is a body over the 1 MiB limit, sent without a length.
func hugeBody() io.Reader {
	return io.MultiReader(strings.NewReader(`{"name": "`), strings.NewReader(strings.Repeat("x", 2<<20)), strings.NewReader(`"}`))
}

// post sends body to path on e and returns the status and the envelope's code.
func post(t *testing.T, e *echo.Echo, path string, body io.Reader) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("POST", path, body))
	var env struct {
		Error ErrorDetail `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
	}
	return rec.Code, string(env.Error.Code)
}

// TestFailedBodyReadIsNotTooLarge: a body whose read fails is a 400, for
// JSON endpoints and WeChat Pay notifications alike; only a body over the
// limit is a 413.
func TestFailedBodyReadIsNotTooLarge(t *testing.T) {
	var logs bytes.Buffer
	h := &notifyAPI{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(h.Log)
	e.Use(requestID, middleware.BodyLimit(BodyLimit))
	e.POST("/bind", func(c echo.Context) error {
		var v struct {
			Name string `json:"name"`
		}
		return bindJSON(c, &v)
	})
	e.POST("/wechat/pay/notify", h.payNotify)
	for _, path := range []string{"/bind", "/wechat/pay/notify"} {
		if status, code := post(t, e, path, brokenBody()); status != http.StatusBadRequest || code != "invalid_argument" {
			t.Errorf("%s, body read fails: %d %s, want 400 invalid_argument", path, status, code)
		}
		if status, code := post(t, e, path, hugeBody()); status != http.StatusRequestEntityTooLarge || code != "payload_too_large" {
			t.Errorf("%s, body over the limit: %d %s, want 413 payload_too_large", path, status, code)
		}
	}
	if !strings.Contains(logs.String(), "connection reset by peer") {
		t.Fatalf("the failed read of a notification must be logged:\n%s", logs.String())
	}
}

// TestNotificationNotRecordedLogsTheCause: when a verified notification
// cannot be recorded (here the payments table is gone), WeChat hears a 500
// and the log line carries the request id and the error behind it, named by
// the operations it came through.
func TestNotificationNotRecordedLogsTheCause(t *testing.T) {
	db := storagetest.New(t, "sqlite")
	if _, err := db.SQL.Exec("DROP TABLE payments"); err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	creds := wechat.Credentials{AppID: "wx-app", MchID: "1900000001", APIv3Key: strings.Repeat("k", 32),
		PlatformKeyID: "PUB_KEY_ID_TEST", PlatformKey: &key.PublicKey}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := &notifyAPI{Log: log, Notifications: wechat.NewNotifications(creds), Payments: payments.New(db.Client, log, payments.Hooks{})}
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(log)
	e.Use(requestID)
	e.POST("/wechat/pay/notify", h.payNotify)

	body, err := wxpay.NewNotification(creds.APIv3Key, "EV-1", wechat.EventPaid, "支付成功", "transaction", map[string]any{
		"appid": creds.AppID, "mchid": creds.MchID, "out_trade_no": "W1", "transaction_id": "4200", "trade_state": "SUCCESS",
		"success_time": "2026-11-21T10:00:00+08:00", "payer": map[string]string{"openid": "o1"}, "amount": map[string]any{"total": 100},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := wxpay.Signer{Key: key, Serial: creds.PlatformKeyID}.Headers(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequestWithContext(context.Background(), "POST", "/wechat/pay/notify", bytes.NewReader(body))
	req.Header = hdr
	req.Header.Set(echo.HeaderXRequestID, "notify-500")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "payments") {
		t.Fatalf("answer %d %s, want a 500 that names nothing internal", rec.Code, rec.Body)
	}
	line := logLine(t, logs.String(), "pay notification not recorded")
	for _, want := range []string{"request_id=notify-500", "payments.Paid: ", "no such table: payments"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %q: %s", want, line)
		}
	}
}

// logLine returns the log line with msg, failing the test if there is none.
func logLine(t *testing.T, logs, msg string) string {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `msg="`+msg+`"`) {
			return l
		}
	}
	t.Fatalf("no %q in the log:\n%s", msg, logs)
	return ""
}
