package shipping

import (
	"context"
	"errors"
	"fmt"
	"time"

	"wemart/ent"
	"wemart/ent/job"
	"wemart/ent/order"
	"wemart/ent/payment"
	"wemart/ent/shipment"
	"wemart/server/errs"
	"wemart/server/jobs"
	"wemart/server/storage"
	"wemart/server/wechat"
)

// retryDelays space out the attempts of a call WeChat could not take yet
// (not indexed, busy, down): a short first wait, then backing off.
var retryDelays = []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 15 * time.Minute}

// retry is err with the next attempt after the job's attempts so far.
func (s *Service) retry(j *ent.Job, err error) error {
	d := retryDelays[min(max(j.Attempts, 1), len(retryDelays))-1]
	return jobs.RetryAt(s.now().Add(d), err)
}

// transient reports whether a failed shipping-info call may succeed later:
// no answer, WeChat busy (-1, 10060012, 10060019), or the payment not
// indexed yet (10060001, normal right after payment).
func transient(err error) bool {
	switch wechat.CodeOf(err) {
	case "", "-1", "10060001", "10060012", "10060019":
		return true
	}
	return wechat.IsTemporary(err)
}

// shippedAtWeChat reports whether get_order's order_state means WeChat
// has the payment shipped, or further along (2 shipped, 3 receipt
// confirmed, 4 done, 6 awaiting settlement).
func shippedAtWeChat(state int) bool { return state == 2 || state == 3 || state == 4 || state == 6 }

// runUpload makes an upload_shipping call.
func (s *Service) runUpload(ctx context.Context, j *ent.Job) error {
	var up Upload
	if err := jobs.Decode(j, &up); err != nil {
		return err
	}
	err := s.mp.UploadShipping(ctx, wechat.Shipment{TransactionID: up.TransactionID, OpenID: up.OpenID,
		LogisticsType: up.LogisticsType, Split: up.Split, Items: up.Items, At: s.now()})
	switch code := wechat.CodeOf(err); {
	case err == nil:
		return s.uploaded(ctx, up)
	case transient(err):
		return s.retry(j, err)
	case code == "10060002" || code == "10060003" || code == "10060004":
		// Already shipped, re-upload used, not shippable: what does
		// WeChat have?
		o, gerr := s.mp.ShippingOrder(ctx, up.TransactionID)
		switch {
		case gerr != nil && transient(gerr):
			return s.retry(j, gerr)
		case gerr != nil:
			return jobs.Permanent(fmt.Errorf("%w; get_order: %v", err, gerr))
		case shippedAtWeChat(o.State):
			s.log.Info("shipping: WeChat had the payment shipped already", "transaction_id", up.TransactionID, "state", o.State)
			return s.uploaded(ctx, up)
		}
		return jobs.Permanent(fmt.Errorf("%w (get_order: order_state %d)", err, o.State))
	}
	return jobs.Permanent(err)
}

// uploaded notes on the reported shipments that WeChat has them.
func (s *Service) uploaded(ctx context.Context, up Upload) error {
	if len(up.ShipmentIDs) == 0 {
		return nil
	}
	return s.client.Shipment.Update().Where(shipment.IDIn(up.ShipmentIDs...), shipment.WechatUploadedAtIsNil()).
		SetWechatUploadedAt(s.now().UTC()).Exec(ctx)
}

// runConfirm makes the notify_confirm_receive call of a delivered express
// order.
func (s *Service) runConfirm(ctx context.Context, j *ent.Job) error {
	var c Confirm
	if err := jobs.Decode(j, &c); err != nil {
		return err
	}
	err := s.mp.ConfirmReceive(ctx, c.TransactionID, c.ReceivedAt)
	switch code := wechat.CodeOf(err); {
	case err == nil, code == "10060030": // 10060030: reminded already
		return nil
	case transient(err), code == "10060028": // 10060028: not shipped yet (the upload is still due)
		return s.retry(j, err)
	}
	return jobs.Permanent(err)
}

// Reconcile is the payload of a reconcile_shipping job.
type Reconcile struct {
	TransactionID string `json:"transaction_id"`
	Event         string `json:"event"`
}

// runReconcile asks get_order about a payment WeChat pushed an event for:
// receipt confirmed (3) or done (4) completes our shipped or delivered
// order; waiting to ship (1) while its goods left puts its upload back on
// the queue if it never went through.
func (s *Service) runReconcile(ctx context.Context, j *ent.Job) error {
	var r Reconcile
	if err := jobs.Decode(j, &r); err != nil {
		return err
	}
	p, err := s.client.Payment.Query().Where(payment.TransactionID(r.TransactionID)).WithOrder().Only(ctx)
	if ent.IsNotFound(err) {
		return nil // not ours
	}
	if err != nil {
		return err
	}
	wo, err := s.mp.ShippingOrder(ctx, r.TransactionID)
	switch {
	case err != nil && transient(err):
		return s.retry(j, err)
	case err != nil:
		return jobs.Permanent(err)
	}
	o := p.Edges.Order
	switch {
	case (wo.State == 3 || wo.State == 4) && o.Fulfilment == order.FulfilmentDelivery &&
		(o.Status == order.StatusShipped || o.Status == order.StatusDelivered):
		_, err := s.Orders.CompleteConfirmedByWeChat(ctx, o.ID)
		if errs.Is(err, errs.Conflict) {
			return nil // it moved meanwhile (the shopper confirmed, a refund began)
		}
		return err
	case wo.State == 1 && goodsLeft(o):
		return s.requeueUpload(ctx, o, p)
	}
	return nil
}

// goodsLeft reports whether o's goods have left the store: a delivery
// order shipped, delivered or completed; a pickup order completed.
func goodsLeft(o *ent.Order) bool {
	switch o.Status {
	case order.StatusShipped, order.StatusDelivered, order.StatusCompleted:
		return true
	}
	return false
}

// requeueUpload makes sure an order WeChat still has waiting to ship gets
// uploaded: nothing when an upload of its payment went through or is still
// due; a failed one is due again; none at all is written now.
func (s *Service) requeueUpload(ctx context.Context, o *ent.Order, p *ent.Payment) error {
	keys := []string{uploadKey(*p.TransactionID, 1), uploadKey(*p.TransactionID, 2)}
	return storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		last, err := tx.Job.Query().Where(job.KeyIn(keys...)).Order(ent.Desc(job.FieldID)).First(ctx)
		switch {
		case ent.IsNotFound(err):
			up, err := buildUpload(ctx, tx, o, p)
			if err != nil {
				return err
			}
			s.log.Warn("shipping: WeChat has an order of ours waiting to ship; uploading", "order", o.OrderNo)
			return s.jobs.Enqueue(ctx, tx, jobs.Job{Kind: KindUpload, Key: keys[0], OrderID: &o.ID, Payload: up})
		case err != nil:
			return err
		case last.State == job.StateFailed:
			s.log.Warn("shipping: WeChat has an order of ours waiting to ship; its failed upload is due again",
				"order", o.OrderNo, "error", last.LastError)
			return tx.Job.Update().Where(job.ID(last.ID), job.StateEQ(job.StateFailed)).
				SetState(job.StatePending).SetAttempts(0).SetNextAt(s.now().UTC()).ClearDoneAt().ClearLeaseUntil().Exec(ctx)
		}
		return nil
	})
}

// reconcileEvents are the message push events that schedule a get_order.
var reconcileEvents = map[string]bool{
	"trade_manage_order_settlement":  true,
	"trade_manage_remind_shipping":   true,
	"trade_manage_remind_access_api": true,
}

// ErrIgnored is the answer of Pushed to an event it has nothing to do with.
var ErrIgnored = errors.New("shipping: event ignored")

// Pushed takes a message push of WeChat's shipping-info service (only
// enqueueing: nothing is asked of WeChat here). A trade_manage_* event
// about a payment of ours schedules a reconcile_shipping job, keyed by the
// payment, the event and its time so WeChat's repeats collapse into one;
// anything else is ErrIgnored.
func (s *Service) Pushed(ctx context.Context, event, transactionID string, at int64) error {
	if !reconcileEvents[event] || transactionID == "" || len(transactionID) > 64 {
		return ErrIgnored
	}
	p, err := s.client.Payment.Query().Where(payment.TransactionID(transactionID)).Only(ctx)
	if ent.IsNotFound(err) {
		return ErrIgnored // not a payment of ours
	}
	if err != nil {
		return err
	}
	if at <= 0 {
		at = s.now().Truncate(time.Minute).Unix()
	}
	key := fmt.Sprintf("%s:%s:%s:%d", KindReconcile, transactionID, event[len("trade_manage_"):], at)
	return storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		return s.jobs.Enqueue(ctx, tx, jobs.Job{Kind: KindReconcile, Key: key, OrderID: &p.OrderID,
			Payload: Reconcile{TransactionID: transactionID, Event: event}})
	})
}
