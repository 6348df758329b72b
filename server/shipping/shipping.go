// Package shipping reports orders to WeChat's shipping-info service
// (小程序发货信息管理), without which WeChat Pay keeps a mini program's
// money frozen: the moment goods leave (an express parcel handed to its
// carrier, a rider picking them up, a pickup order handed over at the
// counter) an "upload_shipping" job is written in the same transaction as
// the order's move, and the jobs runner makes the call, retrying while
// WeChat is down or has not indexed the payment yet. A delivered express
// order gets WeChat's one confirm-receipt reminder ("confirm_receive").
// WeChat's trade_manage_* message pushes schedule a "reconcile_shipping"
// job that asks get_order and completes an order whose receipt WeChat
// reports confirmed, through the normal guarded transition.
//
// WeChat allows one re-upload per payment: a rider delivery that failed
// after pickup and was dispatched again is reported again (job key
// upload_shipping:<transaction_id>:2); beyond that nothing is sent, and the
// order's timeline says why.
package shipping

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"wemart/ent"
	"wemart/ent/job"
	"wemart/ent/order"
	"wemart/ent/orderitem"
	"wemart/ent/payment"
	"wemart/ent/shipment"
	"wemart/server/jobs"
	"wemart/server/orders"
	"wemart/server/wechat"
)

// Kinds of the jobs this package writes and runs.
const (
	KindUpload    = "upload_shipping"
	KindConfirm   = "confirm_receive"
	KindReconcile = "reconcile_shipping"
)

// Service enqueues and runs the shipping-info calls.
type Service struct {
	client *ent.Client
	jobs   *jobs.Runner
	mp     wechat.MiniProgram
	now    func() time.Time
	log    *slog.Logger
	// Orders completes orders WeChat reports received; set it once the
	// orders service exists (its hooks are this service's).
	Orders *orders.Service
}

// New returns a Service enqueueing on runner; register its handlers with
// Register.
func New(client *ent.Client, runner *jobs.Runner, mp wechat.MiniProgram, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{client: client, jobs: runner, mp: mp, now: now, log: log}
}

// Register sets the handlers of the service's job kinds on r (every
// process's runner; the service enqueues on its own).
func (s *Service) Register(r *jobs.Runner) {
	r.Handle(KindUpload, s.runUpload)
	r.Handle(KindConfirm, s.runConfirm)
	r.Handle(KindReconcile, s.runReconcile)
}

// OnMove is the orders.MoveHook that enqueues, in the move's transaction,
// the upload when goods leave (a delivery order becoming shipped from paid,
// a pickup order handed over) and the confirm-receipt reminder when an
// express order is delivered.
func (s *Service) OnMove(ctx context.Context, tx *ent.Tx, o *ent.Order, from order.Status, _ orders.Actor) error {
	switch {
	case o.Status == order.StatusShipped && from == order.StatusPaid && o.Fulfilment == order.FulfilmentDelivery,
		o.Status == order.StatusCompleted && o.Fulfilment == order.FulfilmentPickup &&
			(from == order.StatusPaid || from == order.StatusReadyForPickup):
		return s.enqueueUpload(ctx, tx, o)
	case o.Status == order.StatusDelivered && from == order.StatusShipped:
		return s.enqueueConfirm(ctx, tx, o)
	}
	return nil
}

// Upload is the payload of an upload_shipping job: what WeChat is told.
type Upload struct {
	OrderID       int                   `json:"order_id"`
	TransactionID string                `json:"transaction_id"`
	OpenID        string                `json:"openid"`
	LogisticsType int                   `json:"logistics_type"`
	Split         bool                  `json:"split,omitempty"`
	Items         []wechat.ShipmentItem `json:"items"`
	// ShipmentIDs are the shipments reported (their wechat_uploaded_at is
	// set once WeChat has them).
	ShipmentIDs []int `json:"shipment_ids,omitempty"`
}

// maxParcels is how many parcels one upload lists (WeChat's shipping_list
// limit).
const maxParcels = 10

// paidPayment is the WeChat Pay payment of o with its transaction id, or
// nil (an order not paid through WeChat Pay is not reported).
func paidPayment(ctx context.Context, c *ent.PaymentClient, orderID int) (*ent.Payment, error) {
	p, err := c.Query().Where(payment.OrderID(orderID), payment.StatusEQ(payment.StatusPaid), payment.TransactionIDNotNil()).
		Order(ent.Desc(payment.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return p, err
}

// uploadKey is the key of the n-th upload of a payment (1, or 2 for the
// one re-upload WeChat allows).
func uploadKey(transactionID string, n int) string {
	return fmt.Sprintf("%s:%s:%d", KindUpload, transactionID, n)
}

// enqueueUpload writes the upload of o's goods leaving, as the first
// upload of its payment or the one re-upload, in tx.
func (s *Service) enqueueUpload(ctx context.Context, tx *ent.Tx, o *ent.Order) error {
	p, err := paidPayment(ctx, tx.Payment, o.ID)
	if err != nil || p == nil {
		return err
	}
	n, err := tx.Job.Query().Where(job.KeyIn(uploadKey(*p.TransactionID, 1), uploadKey(*p.TransactionID, 2))).Count(ctx)
	if err != nil {
		return err
	}
	if n >= 2 {
		note := "shipped again, not reported to WeChat: it allows one re-upload of shipping info per payment, used already"
		s.log.Warn("shipping: no upload left", "order", o.OrderNo, "transaction_id", *p.TransactionID)
		return orders.Note(ctx, tx, o.ID, o.Status, orders.System, note)
	}
	up, err := buildUpload(ctx, tx, o, p)
	if err != nil {
		return err
	}
	return s.jobs.Enqueue(ctx, tx, jobs.Job{Kind: KindUpload, Key: uploadKey(*p.TransactionID, n+1), OrderID: &o.ID, Payload: up})
}

// buildUpload is what WeChat is told about o's goods leaving: a pickup
// order is handed over (type 4); a delivery order's express parcels (type
// 1, one entry each, split when several) or its rider (type 2), from its
// shipments as they are in tx.
func buildUpload(ctx context.Context, tx *ent.Tx, o *ent.Order, p *ent.Payment) (*Upload, error) {
	items, err := tx.OrderItem.Query().Where(orderitem.OrderID(o.ID)).Order(ent.Asc(orderitem.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	desc := ItemDesc(items)
	up := &Upload{OrderID: o.ID, TransactionID: *p.TransactionID, OpenID: p.PayerOpenid}
	if o.Fulfilment == order.FulfilmentPickup {
		up.LogisticsType = wechat.LogisticsPickup
		up.Items = []wechat.ShipmentItem{{Description: desc}}
		return up, nil
	}
	shipments, err := tx.Shipment.Query().Where(shipment.OrderID(o.ID)).Order(ent.Asc(shipment.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	var rider *ent.Shipment
	for _, sh := range shipments {
		switch {
		case sh.Kind == shipment.KindExpress && sh.Carrier != "" && sh.TrackingNo != "" && parcelLive(sh.Status):
			if len(up.Items) == maxParcels {
				continue
			}
			it := wechat.ShipmentItem{TrackingNo: sh.TrackingNo, ExpressCompany: sh.Carrier, Description: desc}
			if sh.Carrier == "SF" && o.Address != nil {
				it.ReceiverPhoneMasked = MaskPhone(o.Address.Phone)
			}
			up.Items = append(up.Items, it)
			up.ShipmentIDs = append(up.ShipmentIDs, sh.ID)
		case sh.Kind == shipment.KindRider && (sh.Status == shipment.StatusPickedUp || sh.Status == shipment.StatusDelivered):
			rider = sh // the latest
		}
	}
	switch {
	case len(up.Items) > 0:
		up.LogisticsType = wechat.LogisticsExpress
		up.Split = len(up.Items) > 1
	case rider != nil:
		up.LogisticsType = wechat.LogisticsSameCity
		up.Items = []wechat.ShipmentItem{{Description: desc}}
		up.ShipmentIDs = []int{rider.ID}
	default:
		// Shipped without a parcel or rider on record: the store's own
		// delivery, same-city as far as WeChat is concerned.
		up.LogisticsType = wechat.LogisticsSameCity
		up.Items = []wechat.ShipmentItem{{Description: desc}}
	}
	return up, nil
}

// parcelLive reports whether an express parcel in status st is on its way
// or arrived (not cancelled, failed or sent back).
func parcelLive(st shipment.Status) bool {
	switch st {
	case shipment.StatusCancelled, shipment.StatusFailed, shipment.StatusReturned, shipment.StatusRejected:
		return false
	}
	return true
}

// maxItemDesc is WeChat's limit on item_desc, in characters.
const maxItemDesc = 120

// ItemDesc is an order's item_desc: its lines as "title*quantity" joined
// by ";", cut to WeChat's 120 characters with "...".
func ItemDesc(items []*ent.OrderItem) string {
	parts := make([]string, 0, len(items))
	for _, it := range items {
		parts = append(parts, fmt.Sprintf("%s*%d", strings.TrimSpace(it.Title), it.Quantity))
	}
	desc := strings.Join(parts, ";")
	if desc == "" {
		desc = "商品"
	}
	if utf8.RuneCountInString(desc) <= maxItemDesc {
		return desc
	}
	return string([]rune(desc)[:maxItemDesc-3]) + "..."
}

// MaskPhone masks a phone number as WeChat wants a receiver's contact for
// SF Express: digits only, all but the first three and the last four
// masked ("138****1234"); the last four are never masked.
func MaskPhone(phone string) string {
	var d []rune
	for _, r := range phone {
		if unicode.IsDigit(r) {
			d = append(d, r)
		}
	}
	switch {
	case len(d) >= 11:
		d = d[len(d)-11:] // a +86 or 0086 prefix goes
		return string(d[:3]) + "****" + string(d[7:])
	case len(d) > 4:
		return strings.Repeat("*", len(d)-4) + string(d[len(d)-4:])
	}
	return string(d)
}

// Confirm is the payload of a confirm_receive job.
type Confirm struct {
	TransactionID string    `json:"transaction_id"`
	ReceivedAt    time.Time `json:"received_at"`
}

// enqueueConfirm writes the confirm-receipt reminder of a delivered
// express order (WeChat takes it for express only, once), in tx.
func (s *Service) enqueueConfirm(ctx context.Context, tx *ent.Tx, o *ent.Order) error {
	express, err := tx.Shipment.Query().Where(shipment.OrderID(o.ID), shipment.KindEQ(shipment.KindExpress)).Exist(ctx)
	if err != nil || !express {
		return err
	}
	p, err := paidPayment(ctx, tx.Payment, o.ID)
	if err != nil || p == nil {
		return err
	}
	return s.jobs.Enqueue(ctx, tx, jobs.Job{Kind: KindConfirm, Key: KindConfirm + ":" + *p.TransactionID, OrderID: &o.ID,
		Payload: Confirm{TransactionID: *p.TransactionID, ReceivedAt: s.now().UTC()}})
}
