// Package orders is wemart's money path: checkout (prices read from the
// database, stock reserved by compare-and-set, a WeChat Pay JSAPI prepay),
// the order lifecycle as compare-and-set transitions that each leave a
// timeline entry, what WeChat Pay's payment and refund outcomes mean for an
// order (hooked into package payments), refunds reviewed by staff, and the
// sweeper that expires unpaid orders and reconciles with WeChat Pay.
//
// Nothing here lives only in memory: an order's deadline is a column, every
// background step is a guarded UPDATE, so any number of processes can run
// the sweeper at once and a restart loses no timer and no reservation.
package orders

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/orderevent"
	"wemart/server/inventory"
	"wemart/server/jobs"
	"wemart/server/logistics"
	"wemart/server/metrics"
	"wemart/server/payments"
	"wemart/server/storage"
	"wemart/server/stores"
	"wemart/server/wechat"
)

// Options configure a Service.
type Options struct {
	// TTL is how long an unpaid order holds its stock (WEMART_ORDER_TTL).
	TTL time.Duration
	// Now is the clock orders are placed and expired by (time.Now if nil).
	Now func() time.Time
	Log *slog.Logger
	// Limits per shopper (zero: the defaults).
	Limits Limits
	// Metrics counts committed transitions and checkouts refused for stock
	// (nil: none).
	Metrics *metrics.Metrics
	// AutoReceiveAfter is how long after shipping, and again after delivery,
	// an order nobody confirms completes by itself (WEMART_AUTO_RECEIVE_AFTER;
	// zero: DefaultAutoReceiveAfter).
	AutoReceiveAfter time.Duration
	// OnMove are called inside the transaction of every status change, after
	// the order's row has changed (o.Status is the new status): what must
	// happen because of it (a WeChat shipping upload, a subscribe message) is
	// enqueued there, so it commits or rolls back with the change. An error
	// rolls the change back.
	OnMove []MoveHook
	// Jobs is the outbox calls to outside services are enqueued in (nil:
	// none are made).
	Jobs *jobs.Runner
	// Tracking is the parcel tracking provider (nil: parcels ship without
	// tracking); TrackCallbackURL is where it pushes updates.
	Tracking         logistics.Provider
	TrackCallbackURL string
	// Carrier is the same-city rider service deliveries are dispatched to
	// (nil: none is configured, and dispatching answers unavailable).
	Carrier logistics.Carrier
	// Benefits price orders with the shopper's level, coupons and points
	// (zero: none).
	Benefits Benefits
}

// MoveHook is told of an order's move from a status to o.Status, in tx.
type MoveHook func(ctx context.Context, tx *ent.Tx, o *ent.Order, from order.Status, by Actor) error

// Limits bound what one shopper may hold or start: stock is reserved from
// checkout until payment or expiry, so without them one shopper could keep
// a store's shelf reserved for the order TTL, again and again.
type Limits struct {
	// OpenOrders is how many unpaid orders a shopper may hold at once
	// (WEMART_SHOPPER_OPEN_ORDERS).
	OpenOrders int
	// CheckoutsPerMinute is how many orders a shopper may place a minute
	// (WEMART_SHOPPER_CHECKOUTS_PER_MINUTE); a repeated request with the same
	// Idempotency-Key is not a new one.
	CheckoutsPerMinute int
}

// Default shopper limits.
const (
	DefaultOpenOrders         = 5
	DefaultCheckoutsPerMinute = 10
)

// Service places orders and moves them through their lifecycle.
type Service struct {
	db       *storage.DB
	client   *ent.Client
	inv      *inventory.Service
	stores   *stores.Service
	pay      wechat.Pay
	payments *payments.Service
	log      *slog.Logger
	metrics  *metrics.Metrics
	now      func() time.Time
	ttl      time.Duration
	limits   Limits
	// limitsStmt is the statement of limitsRead, built on first use.
	limitsStmt  func() (storage.Template, error)
	onMove      []MoveHook
	autoReceive time.Duration
	carrier     logistics.Carrier
	benefits    Benefits

	jobs          *jobs.Runner
	tracking      logistics.Provider
	trackCallback string

	// keys shares byKey's reads among concurrent failed checkouts.
	keys *storage.Batch[struct{}, shopperKey, keyed]
	// prepays shares the writes of new prepay_ids among concurrent
	// checkouts (see writePrepays).
	prepays *storage.Batch[struct{}, prepaid, time.Time]

	// background holds work started after a commit (a refund submitted to
	// WeChat Pay); Close waits for it.
	background sync.WaitGroup
	closing    chan struct{}
	closeOnce  sync.Once
}

// New returns a Service. It records WeChat Pay outcomes through its own
// payments.Service (see Payments), whose hooks are this package's.
func New(db *storage.DB, inv *inventory.Service, st *stores.Service, pay wechat.Pay, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.TTL <= 0 {
		opt.TTL = 15 * time.Minute
	}
	if opt.AutoReceiveAfter <= 0 {
		opt.AutoReceiveAfter = DefaultAutoReceiveAfter
	}
	if opt.Limits.OpenOrders <= 0 {
		opt.Limits.OpenOrders = DefaultOpenOrders
	}
	if opt.Limits.CheckoutsPerMinute <= 0 {
		opt.Limits.CheckoutsPerMinute = DefaultCheckoutsPerMinute
	}
	s := &Service{
		db: db, client: db.Client, inv: inv, stores: st, pay: pay,
		log: opt.Log, metrics: opt.Metrics, now: opt.Now, ttl: opt.TTL, limits: opt.Limits, onMove: opt.OnMove,
		autoReceive: opt.AutoReceiveAfter, carrier: opt.Carrier, benefits: opt.Benefits,
		jobs: opt.Jobs, tracking: opt.Tracking, trackCallback: opt.TrackCallbackURL,
		closing: make(chan struct{}),
	}
	s.keys = storage.NewBatch(sharedReadTimeout, sharedReadKeys, s.readKeys)
	s.prepays = storage.NewBatch(sharedReadTimeout, sharedPrepays, s.writePrepays)
	s.limitsStmt = sync.OnceValues(s.buildLimits)
	s.payments = payments.New(db.Client, opt.Log, payments.Hooks{Paid: s.onPaid, Refunded: s.onRefunded, RefundFailed: s.onRefundFailed})
	return s
}

// Payments is the service that records WeChat Pay notifications and query
// results; what they mean for orders runs inside its transactions.
func (s *Service) Payments() *payments.Service { return s.payments }

// Close stops background work and waits for it.
func (s *Service) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.background.Wait()
}

// Actor is who moved an order, for its timeline.
type Actor struct {
	Type orderevent.ActorType
	ID   *int
}

// ShopperActor is the shopper with id.
func ShopperActor(id int) Actor { return Actor{Type: orderevent.ActorTypeShopper, ID: &id} }

// StaffActor is the staff member with id.
func StaffActor(id int) Actor { return Actor{Type: orderevent.ActorTypeStaff, ID: &id} }

// System is wemart itself (expiry, automatic refunds); WeChat is WeChat Pay
// (a payment or refund notification, or a query's answer).
var (
	System = Actor{Type: orderevent.ActorTypeSystem}
	WeChat = Actor{Type: orderevent.ActorTypeWechat}
)

// stockActor is the ledger's view of an order actor.
func (a Actor) stockActor() inventory.Actor {
	switch a.Type {
	case orderevent.ActorTypeShopper:
		return inventory.Shopper(*a.ID)
	case orderevent.ActorTypeStaff:
		return inventory.Staff(*a.ID)
	}
	return inventory.System
}

// lines are an order's items as stock lines.
func lines(items []*ent.OrderItem) []inventory.Line {
	out := make([]inventory.Line, 0, len(items))
	for _, it := range items {
		out = append(out, inventory.Line{SkuID: it.SkuID, ProductID: it.ProductID, Quantity: int64(it.Quantity)})
	}
	return out
}

// handedOver reports whether an order in status st has left the store (its
// units are with the shopper or a courier), so a refund cannot restock them.
func handedOver(st order.Status) bool {
	switch st {
	case order.StatusShipped, order.StatusDelivered, order.StatusCompleted:
		return true
	}
	return false
}

// run starts fn in the background with a bounded context, unless the
// service is closing.
func (s *Service) run(fn func(ctx context.Context)) {
	select {
	case <-s.closing:
		return
	default:
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		fn(ctx)
	}()
}
