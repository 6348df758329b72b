package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/searchoutbox"
)

// scrapeTimeout bounds the database queries of one scrape: a slow database
// must not hang Prometheus (it would rather see the gauges missing).
const scrapeTimeout = 2 * time.Second

// dbCollector reads the gauges that describe shared state from the database
// at scrape time, so every process reports the same, current figures
// whichever process is scraped, and nothing has to keep them up to date.
// Each gauge is one query on an index: orders (status, expires_at), and
// search_outbox (processed_at, id).
type dbCollector struct {
	client *ent.Client
	// now is the clock orders expire by (the app's); outbox rows are
	// stamped with the wall clock, so their age is measured by it.
	now func() time.Time

	sweeperLag    *prometheus.Desc
	outboxLag     *prometheus.Desc
	outboxPending *prometheus.Desc
}

func newDBCollector(client *ent.Client, now func() time.Time) *dbCollector {
	return &dbCollector{
		client: client,
		now:    now,
		sweeperLag: prometheus.NewDesc("wemart_sweeper_lag_seconds",
			"How far past its expires_at the oldest unpaid (pending_payment) order is; 0 when none is overdue. "+
				"Normally below WEMART_SWEEP_INTERVAL; grows when no sweeper runs or WeChat Pay cannot be reached.",
			nil, nil),
		outboxLag: prometheus.NewDesc("wemart_search_outbox_lag_seconds",
			"Age of the oldest search outbox row not yet applied to the index; 0 when the outbox is drained.",
			nil, nil),
		outboxPending: prometheus.NewDesc("wemart_search_outbox_pending",
			"Search outbox rows not yet applied to the index.",
			nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.sweeperLag
	ch <- c.outboxLag
	ch <- c.outboxPending
}

// Collect implements prometheus.Collector. A failed query is reported as an
// invalid metric: the handler logs it and serves everything else.
func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if lag, err := c.sweeperLagSeconds(ctx, c.now()); err != nil {
		ch <- prometheus.NewInvalidMetric(c.sweeperLag, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.sweeperLag, prometheus.GaugeValue, lag)
	}

	pending, err := c.client.SearchOutbox.Query().Where(searchoutbox.ProcessedAtIsNil()).Count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.outboxPending, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.outboxPending, prometheus.GaugeValue, float64(pending))
	}
	if lag, err := c.outboxLagSeconds(ctx, time.Now()); err != nil {
		ch <- prometheus.NewInvalidMetric(c.outboxLag, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.outboxLag, prometheus.GaugeValue, lag)
	}
}

// sweeperLagSeconds is how overdue the oldest unpaid order is.
func (c *dbCollector) sweeperLagSeconds(ctx context.Context, now time.Time) (float64, error) {
	oldest, err := c.client.Order.Query().
		Where(order.StatusEQ(order.StatusPendingPayment)).
		Order(ent.Asc(order.FieldExpiresAt)).Limit(1).
		Select(order.FieldExpiresAt).All(ctx)
	if err != nil || len(oldest) == 0 {
		return 0, err
	}
	return secondsSince(now, oldest[0].ExpiresAt), nil
}

// outboxLagSeconds is the age of the oldest unapplied outbox row (rows are
// applied in id order, so the lowest id is the oldest).
func (c *dbCollector) outboxLagSeconds(ctx context.Context, now time.Time) (float64, error) {
	oldest, err := c.client.SearchOutbox.Query().
		Where(searchoutbox.ProcessedAtIsNil()).
		Order(ent.Asc(searchoutbox.FieldID)).Limit(1).
		Select(searchoutbox.FieldCreatedAt).All(ctx)
	if err != nil || len(oldest) == 0 {
		return 0, err
	}
	return secondsSince(now, oldest[0].CreatedAt), nil
}

// secondsSince is now − t in seconds, never negative (clocks of several
// processes differ a little).
func secondsSince(now, t time.Time) float64 {
	return max(now.Sub(t).Seconds(), 0)
}
