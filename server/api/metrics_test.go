package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/metrics/metricstest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/wechat/sandbox"
)

// metricsToken is the WEMART_METRICS_TOKEN of these tests.
const metricsToken = "metrics-token-of-the-tests-0123456789"

// withMetricsToken serves /metrics on the main listener to metricsToken.
func withMetricsToken(cfg *config.Config, _ *app.Options) { cfg.MetricsToken = metricsToken }

// scrape reads /metrics through the router, as Prometheus would.
func scrape(t *testing.T, h *apitest.Harness) metricstest.Samples {
	t.Helper()
	res := h.Do("GET", "/metrics", metricsToken, nil).OK(http.StatusOK, nil)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("/metrics Content-Type %q", ct)
	}
	s, err := metricstest.Parse(res.Body)
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v\n%s", err, res.Body)
	}
	return s
}

// TestMetricsAreNotPublic: without WEMART_METRICS_TOKEN the main listener
// answers /metrics like an unknown path; with it, only its bearer gets in.
func TestMetricsAreNotPublic(t *testing.T) {
	db := storagetest.New(t, "sqlite")
	closed := apitest.New(t, db)
	unknown := closed.Do("GET", "/no-such-endpoint", "", nil).Fails(http.StatusNotFound, "not_found")
	for _, token := range []string{"", metricsToken, closed.AdminToken} {
		e := closed.Do("GET", "/metrics", token, nil).Fails(http.StatusNotFound, "not_found")
		if e.Error.Message != unknown.Error.Message {
			t.Fatalf("/metrics without a token configured says %q, an unknown path %q", e.Error.Message, unknown.Error.Message)
		}
	}
	closed.Close()

	h := apitest.New(t, db, withMetricsToken)
	for _, token := range []string{"", metricsToken[:len(metricsToken)-1] + "x", metricsToken + "x", "short", h.AdminToken} {
		h.Do("GET", "/metrics", token, nil).Fails(http.StatusUnauthorized, "unauthenticated")
	}
	s := scrape(t, h)
	if got := s.Get("wemart_http_requests_total", "method", "GET", "route", "/metrics", "status", "401"); got != 5 {
		t.Fatalf("refused scrapes counted %v, want 5", got)
	}
}

// TestMetricsCountWhatHappens scrapes through the real router before and
// after the events an operator pages on (an order placed and paid, one
// refused for stock, one WeChat Pay would not start, one expired by the
// sweeper, forged and unknown payment notifications) and checks that each
// counter moved by exactly what happened, on every engine.
func TestMetricsCountWhatHappens(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now().Truncate(time.Second))
		s := newShop(t, db, apitest.WithClock(clock), withMetricsToken)
		h := s.h
		openid := h.App.WeChat.Sandbox.OpenID("shopper-" + t.Name())
		before := scrape(t, h)

		paid := s.mustOrder(s.milk, 2)
		s.checkout(s.shopper.Token, map[string]any{"store_id": s.store.ID, "fulfilment": "pickup",
			"items": []map[string]int{{"sku_id": s.milk, "quantity": 20}}}).Fails(http.StatusConflict, "out_of_stock")
		forgedNotification(t, h, strangerKey(), paid.Order.OrderNo, openid, paid.Order.PayableFen).
			Fails(http.StatusUnauthorized, "unauthenticated")
		forgedNotification(t, h, h.App.WeChat.Sandbox.Identity().PlatformKey, "W_NOT_OURS_0001", openid, 100).
			Fails(http.StatusNotFound, "not_found")
		s.pay(paid.Payment.prepayID(), true)
		s.wantStatus(paid.Order.ID, "paid")

		h.App.WeChat.Sandbox.Fail(sandbox.OpPrepay, 1, http.StatusInternalServerError, "SYSTEM_ERROR")
		s.checkout(s.shopper.Token, map[string]any{"store_id": s.store.ID, "fulfilment": "pickup",
			"items": []map[string]int{{"sku_id": s.bread, "quantity": 1}}}).Fails(http.StatusServiceUnavailable, "unavailable")

		// An unpaid order 90 s past its expiry is the sweeper's lag, until it sweeps.
		late := s.mustOrder(s.bread, 1)
		clock.Advance(h.App.Config.OrderTTL + 90*time.Second) // the clock is on a whole second
		if lag := scrape(t, h).Get("wemart_sweeper_lag_seconds"); lag != 90 {
			t.Fatalf("sweeper lag %v s, want 90", lag)
		}
		s.sweep()
		s.wantStatus(late.Order.ID, "cancelled")

		h.Do("GET", "/no/such/page/12345", "", nil).Fails(http.StatusNotFound, "not_found")
		after := scrape(t, h)

		delta := func(name string, labels ...string) float64 {
			return after.Get(name, labels...) - before.Get(name, labels...)
		}
		checks := []struct {
			name   string
			labels []string
			want   float64
		}{
			{"wemart_order_transitions_total", []string{"from", "none", "to", "pending_payment"}, 3},
			{"wemart_order_transitions_total", []string{"from", "pending_payment", "to", "paid"}, 1},
			{"wemart_order_transitions_total", []string{"from", "pending_payment", "to", "cancelled"}, 2},
			{"wemart_stock_reservations_refused_total", nil, 1},
			{"wemart_pay_notifications_rejected_total", []string{"reason", "signature"}, 1},
			{"wemart_pay_notifications_rejected_total", []string{"reason", "unknown_trade"}, 1},
			{"wemart_wechat_calls_total", []string{"api", "pay_prepay", "outcome", "ok"}, 2},
			{"wemart_wechat_calls_total", []string{"api", "pay_prepay", "outcome", "wechat_busy"}, 1},
			{"wemart_wechat_call_duration_seconds_count", []string{"api", "pay_prepay", "outcome", "ok"}, 2},
			{"wemart_http_requests_total", []string{"method", "POST", "route", "/api/v1/orders", "status", "201"}, 2},
			{"wemart_http_requests_total", []string{"method", "POST", "route", "/api/v1/orders", "status", "409"}, 1},
			{"wemart_http_requests_total", []string{"method", "POST", "route", "/api/v1/orders", "status", "503"}, 1},
			{"wemart_http_requests_total", []string{"method", "POST", "route", "/wechat/pay/notify", "status", "200"}, 1},
			{"wemart_http_requests_total", []string{"method", "GET", "route", "/api/v1/orders/:id", "status", "200"}, 2},
			{"wemart_http_requests_total", []string{"method", "GET", "route", "unmatched", "status", "404"}, 1},
			{"wemart_sweeper_lag_seconds", nil, 0}, // swept
		}
		for _, c := range checks {
			if got := delta(c.name, c.labels...); got != c.want {
				t.Errorf("%s%v moved by %v, want %v", c.name, c.labels, got, c.want)
			}
		}
		if after.Get("wemart_wechat_calls_total", "api", "pay_query", "outcome", "ok") < 1 ||
			after.Get("wemart_wechat_calls_total", "api", "code2session", "outcome", "ok") < 1 {
			t.Error("the sweeper's query and the shopper's login are not counted as WeChat calls")
		}
		if !after.Has("wemart_search_outbox_pending") || !after.Has("wemart_search_outbox_lag_seconds") {
			t.Error("the search outbox gauges are missing")
		}

		// Route labels are templates or "unmatched", never a raw path.
		templates := map[string]bool{"unmatched": true}
		for _, r := range h.App.Echo.Routes() {
			templates[r.Path] = true
		}
		for _, route := range after.Labels("wemart_http_requests_total", "route") {
			if !templates[route] || strings.Contains(route, "12345") {
				t.Errorf("route label %q is not a route template", route)
			}
		}
	})
}
