package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"wemart/server/wechat"
	"wemart/server/wechat/sandbox"
)

// calls records what a metered client reports.
type calls struct {
	mu  sync.Mutex
	got []string
}

func (c *calls) ObserveWeChatCall(api, outcome string, took time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if took < 0 {
		outcome += " (negative duration)"
	}
	c.got = append(c.got, api+" "+outcome)
}

func (c *calls) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.got
	c.got = nil
	return out
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, wechat.OutcomeOK},
		{&wechat.Error{Op: "jscode2session", Err: errors.New("connection refused")}, wechat.OutcomeTransport},
		{&wechat.Error{Op: "jsapi prepay", Err: context.DeadlineExceeded}, wechat.OutcomeTransport},
		{&wechat.Error{Op: "jsapi prepay", Code: "SYSTEM_ERROR"}, wechat.OutcomeBusy},
		{&wechat.Error{Op: "jscode2session", Code: "-1"}, wechat.OutcomeBusy},
		{&wechat.Error{Op: "query", Status: 503}, wechat.OutcomeBusy},
		{&wechat.Error{Op: "jscode2session", Code: "40029"}, wechat.OutcomeRefused},
		{fmt.Errorf("close: %w", &wechat.Error{Op: "close", Code: "ORDER_CLOSED"}), wechat.OutcomeRefused},
		{&wechat.Error{Op: "query", Err: context.Canceled}, wechat.OutcomeCancelled},
		{errors.New("something else"), wechat.OutcomeError},
	}
	for _, tt := range tests {
		if got := wechat.Outcome(tt.err); got != tt.want {
			t.Errorf("Outcome(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestMeteredClients: the decorators report each call to WeChat by API and
// outcome, against the sandbox, and change nothing about the answers.
func TestMeteredClients(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	obs := &calls{}
	mp, pay := wechat.Metered(f.mp, f.pay, obs)

	s, err := mp.Code2Session(ctx, "metered")
	if err != nil || s.OpenID != f.sb.OpenID("metered") {
		t.Fatalf("code2session through the decorator: %+v %v", s, err)
	}
	_, err = mp.Code2Session(ctx, "")
	wantCode(t, err, "40029") // the error itself passes through
	if _, err := mp.PhoneNumber(ctx, "phone"); err != nil {
		t.Fatal(err)
	}
	in := wechat.Prepay{OutTradeNo: "W20261121700001", Description: "wemart", AmountFen: 100, OpenID: s.OpenID,
		Expires: time.Now().Add(15 * time.Minute)}
	id, err := pay.Prepay(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pay.Params(id); err != nil { // local signing: not a call to WeChat
		t.Fatal(err)
	}
	f.sb.Fail(sandbox.OpQuery, 1, http.StatusInternalServerError, "SYSTEM_ERROR")
	if _, err := pay.Query(ctx, in.OutTradeNo); !wechat.IsTemporary(err) {
		t.Fatalf("query during a fault: %v", err)
	}
	if err := pay.Close(ctx, in.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	want := []string{"code2session ok", "code2session wechat_refused", "phone_number ok", "pay_prepay ok",
		"pay_query wechat_busy", "pay_close ok"}
	if got := obs.take(); !slices.Equal(got, want) {
		t.Fatalf("observed %q, want %q", got, want)
	}

	// WeChat Pay not reachable at all.
	down, err := wechat.NewPay(f.creds, wechat.Endpoints{APIBase: "http://127.0.0.1:1/", MchBase: "http://127.0.0.1:1",
		MchPrefix: sandbox.MchPrefix, NotifyURL: "http://127.0.0.1:1/notify"})
	if err != nil {
		t.Fatal(err)
	}
	_, downPay := wechat.Metered(f.mp, down, obs)
	if _, err := downPay.QueryRefund(ctx, "R1"); err == nil {
		t.Fatal("a query to nowhere succeeded")
	}
	if got := obs.take(); !slices.Equal(got, []string{"pay_query_refund transport_error"}) {
		t.Fatalf("observed %q", got)
	}
}
