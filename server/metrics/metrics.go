// Package metrics is what wemart tells Prometheus: HTTP requests by route and
// status, and the business signals an operator pages on (order transitions,
// refused payment notifications, WeChat calls, stock refused at checkout,
// sweeper and search outbox lag).
//
// A Metrics owns its own registry (never Prometheus's global default one), so
// two apps in one test binary, or one app built twice, never share or clash
// over counters. The counting methods are safe on a nil *Metrics and do nothing:
// services built without metrics (most unit tests) need no wiring.
//
// Label values are bounded by construction: routes are echo's templates (an
// unmatched path is one value), methods and outcomes are small fixed sets,
// so a client cannot grow the number of series by sending odd requests.
package metrics

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"wemart/ent"
	"wemart/server/version"
)

// Unmatched is the route label of every request no route matched (404s of
// unknown paths, whatever the path was).
const Unmatched = "unmatched"

// OtherMethod is the method label of any HTTP method outside the standard ones.
const OtherMethod = "OTHER"

// Options configure a Metrics.
type Options struct {
	// DB, when set, adds the gauges read from the database at scrape time
	// (sweeper lag, search outbox lag).
	DB *ent.Client
	// Now is the clock lag is measured by (time.Now when nil): the app's
	// clock, the same one orders expire by.
	Now func() time.Time
	// Log receives scrape errors (a database that did not answer in time).
	Log *slog.Logger
}

// Metrics holds one process's registry and its collectors.
type Metrics struct {
	reg     *prometheus.Registry
	handler http.Handler

	httpRequests        *prometheus.CounterVec
	httpDuration        *prometheus.HistogramVec
	orderTransitions    *prometheus.CounterVec
	notifyRejected      *prometheus.CounterVec
	wechatCalls         *prometheus.CounterVec
	wechatDuration      *prometheus.HistogramVec
	reservationsRefused prometheus.Counter
}

// New returns a Metrics with a fresh registry holding wemart's collectors,
// Go runtime and process metrics, and wemart_build_info.
func New(opt Options) *Metrics {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wemart_http_requests_total",
			Help: "HTTP requests answered, by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wemart_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, route template and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route", "status"}),
		orderTransitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wemart_order_transitions_total",
			Help: `Order status changes committed, by from and to status ("none" → pending_payment is an order placed).`,
		}, []string{"from", "to"}),
		notifyRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wemart_pay_notifications_rejected_total",
			Help: "WeChat Pay notifications refused (forged, stale, undecryptable, or not matching our payment), by reason.",
		}, []string{"reason"}),
		wechatCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wemart_wechat_calls_total",
			Help: "Calls to WeChat (mini program API and WeChat Pay), by API and outcome.",
		}, []string{"api", "outcome"}),
		wechatDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wemart_wechat_call_duration_seconds",
			Help:    "Time a call to WeChat took, by API and outcome.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"api", "outcome"}),
		reservationsRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wemart_stock_reservations_refused_total",
			Help: "Checkouts refused because a line was short of stock (out_of_stock).",
		}),
	}
	info := version.Get()
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "wemart_build_info",
		Help: "Always 1; the labels say which build is running.",
	}, []string{"version", "commit", "goversion"})
	buildInfo.WithLabelValues(info.Version, info.Commit, info.Go).Set(1)
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.orderTransitions, m.notifyRejected,
		m.wechatCalls, m.wechatDuration, m.reservationsRefused, buildInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if opt.DB != nil {
		m.reg.MustRegister(newDBCollector(opt.DB, opt.Now))
	}
	// A collector that fails (the database did not answer) is logged and
	// left out of that scrape; the rest is still served.
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(opt.Log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Timeout:       10 * time.Second,
	})
	return m
}

// Registry is the registry the collectors are in (tests and extra exporters
// gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in Prometheus's text format (or what the
// scraper's Accept header asks for). It does no access control: callers
// put it behind a token or on a private listener.
func (m *Metrics) Handler() http.Handler { return m.handler }

// Request counts an answered HTTP request. route is echo's route template
// (Unmatched for none); status is what was written.
func (m *Metrics) Request(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	method, code := methodLabel(method), strconv.Itoa(status)
	m.httpRequests.WithLabelValues(method, route, code).Inc()
	m.httpDuration.WithLabelValues(method, route, code).Observe(took.Seconds())
}

// methodLabel bounds the method label: a client can send any token as a method.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return OtherMethod
}

// OrderTransition counts an order status change; call it only once the
// change is committed. from is "" for an order just placed.
func (m *Metrics) OrderTransition(from, to string) {
	if m == nil {
		return
	}
	if from == "" {
		from = "none"
	}
	m.orderTransitions.WithLabelValues(from, to).Inc()
}

// NotificationRejected counts a refused payment or refund notification.
// reason is a word from a fixed set: wxpay's rejection kinds (signature,
// stale, malformed, decrypt, merchant), or unknown_trade (an out_trade_no or
// out_refund_no we never sent) and mismatch (amount, payer or state differ
// from our record).
func (m *Metrics) NotificationRejected(reason string) {
	if m == nil {
		return
	}
	m.notifyRejected.WithLabelValues(reason).Inc()
}

// ObserveWeChatCall records a call to WeChat: api is the operation
// ("prepay", "code2session"), outcome how it ended (see wechat.Outcome).
func (m *Metrics) ObserveWeChatCall(api, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	m.wechatCalls.WithLabelValues(api, outcome).Inc()
	m.wechatDuration.WithLabelValues(api, outcome).Observe(took.Seconds())
}

// ReservationRefused counts a checkout refused for want of stock.
func (m *Metrics) ReservationRefused() {
	if m == nil {
		return
	}
	m.reservationsRefused.Inc()
}
