package wechat_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"wemart/server/wechat"
	"wemart/server/wechat/wxpay"
)

// The times WeChat Pay reports: RFC 3339 when set, absent before success.
const (
	goodTime = "2026-11-21T10:00:00+08:00"
	badTime  = "2026-11-21 10:00:00" // not RFC 3339
)

// signedAnswers plays WeChat Pay answering every call with body, signed by
// the platform key as WeChat Pay signs its answers.
func signedAnswers(t *testing.T, body string) wechat.Pay {
	t.Helper()
	dir, id := identity(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hdr, err := wxpay.Signer{Key: id.PlatformKey, Serial: id.PlatformKeyID}.Headers([]byte(body))
		if err != nil {
			t.Error(err)
		}
		for k := range hdr {
			w.Header().Set(k, hdr.Get(k))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	_, pay, _ := clientsAt(t, dir, id, srv.URL, srv.URL+"/notify")
	return pay
}

// TestQueriedTimesMustParse: a success_time in a query or refund answer
// that is not RFC 3339 fails the call (MALFORMED_ANSWER, temporary: the
// outcome is unknown) instead of reading as "no time"; an absent one is zero,
// a good one is read.
func TestQueriedTimesMustParse(t *testing.T) {
	ctx := context.Background()
	c := creds(t)
	for _, tt := range []struct{ successTime, code string }{{badTime, "MALFORMED_ANSWER"}, {goodTime, ""}, {"", ""}} {
		pay := signedAnswers(t, `{"appid":"`+c.AppID+`","mchid":"`+c.MchID+`","out_trade_no":"W1",`+
			`"transaction_id":"4200","trade_state":"SUCCESS","success_time":"`+tt.successTime+`",`+
			`"payer":{"openid":"o1"},"amount":{"total":100,"currency":"CNY"}}`)
		tx, err := pay.Query(ctx, "W1")
		wantCode(t, err, tt.code)
		if err == nil && !sameTime(tx.SuccessTime, tt.successTime) {
			t.Fatalf("success_time %q read as %v", tt.successTime, tx.SuccessTime)
		}

		pay = signedAnswers(t, `{"refund_id":"5000","out_refund_no":"RF1","transaction_id":"4200","out_trade_no":"W1",`+
			`"status":"SUCCESS","success_time":"`+tt.successTime+`","amount":{"total":100,"refund":100,"currency":"CNY"}}`)
		r, err := pay.QueryRefund(ctx, "RF1")
		wantCode(t, err, tt.code)
		if err == nil && !sameTime(r.SuccessTime, tt.successTime) {
			t.Fatalf("refund success_time %q read as %v", tt.successTime, r.SuccessTime)
		}
		// The answer to a refund WeChat took: unreadable means "outcome
		// unknown", which callers must retry, never read as a refusal (a
		// refund marked failed could be asked for, and paid, twice).
		r, err = pay.Refund(ctx, wechat.RefundRequest{OutTradeNo: "W1", OutRefundNo: "RF1", RefundFen: 100, TotalFen: 100})
		wantCode(t, err, tt.code)
		if err != nil && !wechat.IsTemporary(err) {
			t.Fatalf("an unreadable refund answer is not temporary: %v", err)
		}
		if err == nil && !sameTime(r.SuccessTime, tt.successTime) {
			t.Fatalf("created refund success_time %q read as %v", tt.successTime, r.SuccessTime)
		}
	}
}

// TestNotifiedTimesMustParse: a signed notification whose success_time is
// not RFC 3339 is malformed, refused like any other malformed one (400), for
// payments and refunds alike; a good one is read.
func TestNotifiedTimesMustParse(t *testing.T) {
	_, id := identity(t)
	c := creds(t)
	n := wechat.NewNotifications(c)
	resources := map[string]map[string]any{
		"transaction": {"appid": c.AppID, "mchid": c.MchID, "out_trade_no": "W1", "transaction_id": "4200",
			"trade_state": "SUCCESS", "payer": map[string]string{"openid": "o1"}, "amount": map[string]any{"total": 100}},
		"refund": {"mchid": c.MchID, "out_trade_no": "W1", "transaction_id": "4200", "out_refund_no": "RF1",
			"refund_id": "5000", "refund_status": "SUCCESS", "amount": map[string]any{"total": 100, "refund": 100}},
	}
	events := map[string]string{"transaction": wechat.EventPaid, "refund": wechat.EventRefundSuccess}
	for kind, resource := range resources {
		for _, at := range []string{badTime, goodTime} {
			resource["success_time"] = at
			body, err := wxpay.NewNotification(c.APIv3Key, "EV-1", events[kind], "通知", kind, resource, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			hdr, err := wxpay.Signer{Key: id.PlatformKey, Serial: id.PlatformKeyID}.Headers(body)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := n.Open(hdr, body)
			if at == badTime {
				r, ok := wxpay.IsRejection(err)
				if !ok || r.Status != http.StatusBadRequest || r.Kind != wxpay.RejectMalformed {
					t.Fatalf("%s notified at %q: %v", kind, at, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s notified at %q: %v", kind, at, err)
			}
			got := time.Time{}
			if ev.Payment != nil {
				got = ev.Payment.SuccessTime
			} else if ev.Refund != nil {
				got = ev.Refund.SuccessTime
			}
			if !sameTime(got, at) {
				t.Fatalf("%s notified at %q read as %v", kind, at, got)
			}
		}
	}
}

// creds are the sandbox identity's credentials, as the clients use them.
func creds(t *testing.T) wechat.Credentials {
	t.Helper()
	dir, id := identity(t)
	_, _, c := clientsAt(t, dir, id, "http://127.0.0.1:1", "http://127.0.0.1:1/notify")
	return c
}

// sameTime reports whether t is the RFC 3339 time s (zero for "").
func sameTime(t time.Time, s string) bool {
	if s == "" {
		return t.IsZero()
	}
	want, err := time.Parse(time.RFC3339, s)
	return err == nil && t.Equal(want)
}
