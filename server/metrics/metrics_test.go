package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"wemart/ent/order"
	"wemart/schema/types"
	"wemart/server/metrics"
	"wemart/server/metrics/metricstest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// scrape serves m's handler once and parses the answer.
func scrape(t *testing.T, m *metrics.Metrics) (metricstest.Samples, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	s, err := metricstest.Parse(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("scrape is not Prometheus text: %v", err)
	}
	return s, rec.Header().Get("Content-Type")
}

func TestNilMetricsCountNothing(t *testing.T) {
	var m *metrics.Metrics
	// Services built without metrics call these; none may panic.
	m.Request("GET", "/x", 200, time.Millisecond)
	m.OrderTransition("paid", "completed")
	m.NotificationRejected("signature")
	m.ObserveWeChatCall("pay_prepay", "ok", time.Millisecond)
	m.ReservationRefused()
}

func TestCountersAndLabels(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.Request("GET", "/api/v1/stores/:id", 200, 3*time.Millisecond)
	m.Request("GET", "/api/v1/stores/:id", 200, 5*time.Millisecond)
	m.Request("BREW", metrics.Unmatched, 404, time.Millisecond)
	m.OrderTransition("", "pending_payment")
	m.OrderTransition("pending_payment", "paid")
	m.NotificationRejected("stale")
	m.ObserveWeChatCall("pay_prepay", "wechat_busy", 20*time.Millisecond)
	m.ReservationRefused()
	m.ReservationRefused()

	s, ctype := scrape(t, m)
	if !strings.HasPrefix(ctype, "text/plain") {
		t.Fatalf("Content-Type %q, want Prometheus text", ctype)
	}
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"wemart_http_requests_total", []string{"method", "GET", "route", "/api/v1/stores/:id", "status", "200"}, 2},
		{"wemart_http_request_duration_seconds_count", []string{"method", "GET", "route", "/api/v1/stores/:id", "status", "200"}, 2},
		// A made-up method is one label value, whatever it was.
		{"wemart_http_requests_total", []string{"method", "OTHER", "route", "unmatched", "status", "404"}, 1},
		{"wemart_order_transitions_total", []string{"from", "none", "to", "pending_payment"}, 1},
		{"wemart_order_transitions_total", []string{"from", "pending_payment", "to", "paid"}, 1},
		{"wemart_pay_notifications_rejected_total", []string{"reason", "stale"}, 1},
		{"wemart_wechat_calls_total", []string{"api", "pay_prepay", "outcome", "wechat_busy"}, 1},
		{"wemart_wechat_call_duration_seconds_count", []string{"api", "pay_prepay", "outcome", "wechat_busy"}, 1},
		{"wemart_stock_reservations_refused_total", nil, 2},
	}
	for _, c := range checks {
		if got := s.Get(c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if d := s.Get("wemart_http_request_duration_seconds_sum", "method", "GET", "route", "/api/v1/stores/:id", "status", "200"); d != 0.008 {
		t.Errorf("duration sum %v, want 0.008 (seconds)", d)
	}
	if got := s.Labels("wemart_build_info", "version"); len(got) != 1 || got[0] == "" {
		t.Errorf("wemart_build_info versions %v", got)
	}
	if !s.Has("go_goroutines") || !s.Has("process_start_time_seconds") {
		t.Error("the Go runtime and process collectors are missing")
	}
	// No database given: no database gauges.
	if s.Has("wemart_sweeper_lag_seconds") {
		t.Error("sweeper lag reported without a database")
	}
}

func TestRegistriesAreIndependent(t *testing.T) {
	a, b := metrics.New(metrics.Options{}), metrics.New(metrics.Options{})
	a.ReservationRefused()
	sb, _ := scrape(t, b)
	if got := sb.Get("wemart_stock_reservations_refused_total"); got != 0 {
		t.Fatalf("a count in one Metrics shows in another: %v", got)
	}
}

// TestDatabaseGauges: sweeper lag and search outbox lag are read from the
// database at scrape time, on every engine.
func TestDatabaseGauges(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		m := metrics.New(metrics.Options{DB: db.Client, Now: func() time.Time { return now }})

		s, _ := scrape(t, m)
		for _, g := range []string{"wemart_sweeper_lag_seconds", "wemart_search_outbox_lag_seconds", "wemart_search_outbox_pending"} {
			if !s.Has(g) || s.Get(g) != 0 {
				t.Fatalf("empty database: %s = %v (present %v), want 0", g, s.Get(g), s.Has(g))
			}
		}

		sh := db.Client.Shopper.Create().SetOpenid("o-lag").SaveX(ctx)
		st := db.Client.Store.Create().SetName("店").SetLat(31).SetLng(121).SetH3R5(1).SetH3R7(1).SetH3R8(1).
			SetOpeningHours([]types.OpeningPeriod{}).SaveX(ctx)
		place := func(no string, expires time.Time, status order.Status) {
			db.Client.Order.Create().SetOrderNo(no).SetShopperID(sh.ID).SetStoreID(st.ID).SetFulfilment("pickup").
				SetGoodsFen(100).SetPayableFen(100).SetIdempotencyKey("k-" + no).SetRequestHash("h").
				SetStatus(status).SetExpiresAt(expires).ExecX(ctx)
		}
		place("W1", now.Add(5*time.Minute), order.StatusPendingPayment) // not due yet
		s, _ = scrape(t, m)
		if got := s.Get("wemart_sweeper_lag_seconds"); got != 0 {
			t.Fatalf("an order not yet due: lag %v, want 0", got)
		}
		place("W2", now.Add(-90*time.Second), order.StatusPendingPayment) // 90 s overdue
		place("W3", now.Add(-time.Hour), order.StatusCancelled)           // swept: not lag
		place("W4", now.Add(-30*time.Second), order.StatusPendingPayment)
		s, _ = scrape(t, m)
		if got := s.Get("wemart_sweeper_lag_seconds"); got != 90 {
			t.Fatalf("lag %v, want 90 (the oldest overdue unpaid order)", got)
		}

		// Outbox rows are stamped by the wall clock; these were written an hour ago.
		hourAgo := time.Now().Add(-time.Hour)
		for _, id := range []int{1, 2, 3} {
			db.Client.SearchOutbox.Create().SetProductID(id).SetCreatedAt(hourAgo).ExecX(ctx)
		}
		db.Client.SearchOutbox.Create().SetProductID(4).SetCreatedAt(hourAgo.Add(-time.Hour)).SetProcessedAt(hourAgo).ExecX(ctx)
		s, _ = scrape(t, m)
		if got := s.Get("wemart_search_outbox_pending"); got != 3 {
			t.Fatalf("outbox pending %v, want 3 (the processed row does not count)", got)
		}
		if got := s.Get("wemart_search_outbox_lag_seconds"); got < 3600 || got > 3600+600 {
			t.Fatalf("outbox lag %v, want the age of the oldest unprocessed row (an hour)", got)
		}
	})
}

// TestScrapeSurvivesADatabaseFailure: with the database gone, a scrape
// still serves everything else (and leaves the database gauges out).
func TestScrapeSurvivesADatabaseFailure(t *testing.T) {
	db := storagetest.New(t, "sqlite")
	m := metrics.New(metrics.Options{DB: db.Client})
	m.ReservationRefused()
	db.Close()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape with the database down: %d %s", rec.Code, body)
	}
	s, err := metricstest.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if s.Get("wemart_stock_reservations_refused_total") != 1 || s.Has("wemart_sweeper_lag_seconds") {
		t.Fatalf("want the counters and no database gauges:\n%s", body)
	}
}
