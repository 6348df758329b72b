package orders

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/orderitem"
	"wemart/ent/payment"
	"wemart/ent/product"
	"wemart/ent/refund"
	"wemart/server/errs"
	"wemart/server/indexer"
	"wemart/server/inventory"
	"wemart/server/wechat"
)

// PaymentParams are what the mini program passes to wx.requestPayment.
type PaymentParams = wechat.PaymentParams

// prepayLife is how long wemart reuses a prepay_id: WeChat keeps one for two
// hours; a margin keeps a shopper from starting a payment on one about to lapse.
const prepayLife = 2*time.Hour - 5*time.Minute

// Pay returns fresh wx.requestPayment parameters for the shopper's unpaid
// order (the mini program asks again when the shopper retries paying).
func (s *Service) Pay(ctx context.Context, shopperID, orderID int) (_ *ent.Order, _ *PaymentParams, err error) {
	defer errs.Op(&err, "orders.Pay")
	o, err := s.own(ctx, shopperID, orderID)
	if err != nil {
		return nil, nil, err
	}
	if o.Status != order.StatusPendingPayment {
		return nil, nil, errs.E(errs.Conflict, "order %d is %s, not waiting for payment", o.ID, o.Status).With("status", o.Status)
	}
	if !s.now().Before(o.ExpiresAt) {
		return nil, nil, errs.E(errs.Conflict, "order %d expired unpaid at %s", o.ID, o.ExpiresAt.UTC().Format(time.RFC3339)).
			With("status", o.Status)
	}
	params, err := s.prepay(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	if o, err = s.load(ctx, o.ID); err != nil {
		return nil, nil, err
	}
	return o, params, nil
}

// prepay makes sure the order has a live WeChat Pay JSAPI prepay (the same
// one for as long as it lasts: WeChat answers a repeated prepay for the same
// out_trade_no and amount with the same prepay_id) and signs the
// wx.requestPayment parameters for it.
func (s *Service) prepay(ctx context.Context, o *ent.Order) (*PaymentParams, error) {
	p, err := s.payment(ctx, o)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if p.PrepayID == nil || p.PrepayExpiresAt == nil || !now.Before(*p.PrepayExpiresAt) {
		items, storeName, err := s.describe(ctx, o)
		if err != nil {
			return nil, err
		}
		id, err := s.pay.Prepay(ctx, wechat.Prepay{
			OutTradeNo: o.OrderNo, Description: description(storeName, items), AmountFen: o.PayableFen,
			OpenID: p.PayerOpenid, Expires: o.ExpiresAt,
		})
		if err != nil {
			return nil, s.prepayFailed(ctx, o, err)
		}
		item := prepaid{payment: p.ID, prepay: id, at: now}
		stored, err := s.prepays.Get(ctx, struct{}{}, []prepaid{item})
		if err != nil {
			return nil, err
		}
		expires := stored[item]
		p.PrepayID, p.PrepayExpiresAt = &id, &expires
	}
	params, err := s.pay.Params(*p.PrepayID)
	if err != nil {
		return nil, err
	}
	return &params, nil
}

// sharedPrepays caps the payments one shared prepay write stores.
const sharedPrepays = 64

// prepaid is a prepay_id WeChat Pay gave for a payment at a time.
type prepaid struct {
	payment int
	prepay  string
	at      time.Time
}

// writePrepays stores the prepay_ids of the payments of items still
// pending, in one UPDATE: the checkouts that get their prepay_id while
// another's write is in flight share the next (storage.Batch), so under
// load a checkout seldom pays a transaction of its own (on PostgreSQL a
// round trip and a flush of the log) for it. All get the expiry of the
// earliest prepay among them (a few milliseconds early for the others:
// prepayLife keeps a margin of minutes), which is what it answers for
// each. A payment paid or closed meanwhile keeps what it has, as a
// single write's condition would. The write is shared for better and
// worse: one payment row locked by a transaction (on PostgreSQL) holds
// up the others of the write, at most the batch's timeout, and a write
// that fails fails them all (each checkout then gives its order up, as
// when its own write failed).
func (s *Service) writePrepays(ctx context.Context, _ struct{}, items []prepaid) (map[prepaid]time.Time, error) {
	earliest := items[0].at
	ids := make([]any, len(items))
	for i, it := range items {
		ids[i] = it.payment
		if it.at.Before(earliest) {
			earliest = it.at
		}
	}
	expires := earliest.Add(prepayLife).UTC()
	q, args := sql.Dialect(s.db.Dialect).Update(payment.Table).
		Set(payment.FieldUpdatedAt, payment.UpdateDefaultUpdatedAt()).
		Set(payment.FieldPrepayID, sql.ExprFunc(func(b *sql.Builder) {
			b.WriteString("CASE ").Ident(payment.FieldID)
			for _, it := range items {
				b.WriteString(" WHEN ").Arg(it.payment).WriteString(" THEN ").Arg(it.prepay)
			}
			b.WriteString(" END")
		})).
		Set(payment.FieldPrepayExpiresAt, expires).
		Where(sql.And(sql.In(payment.FieldID, ids...), sql.EQ(payment.FieldStatus, payment.StatusPending))).
		Query()
	if _, err := s.client.ExecContext(ctx, q, args...); err != nil {
		return nil, fmt.Errorf("store prepay_ids: %w", err)
	}
	out := make(map[prepaid]time.Time, len(items))
	for _, it := range items {
		out[it] = expires
	}
	return out, nil
}

// describe returns what the order's payment description is made of, from
// the order's loaded edges when it has them.
func (s *Service) describe(ctx context.Context, o *ent.Order) ([]*ent.OrderItem, string, error) {
	items, st := o.Edges.Items, o.Edges.Store
	var err error
	if items == nil {
		if items, err = s.client.OrderItem.Query().Where(orderitem.OrderID(o.ID)).Order(ent.Asc(orderitem.FieldID)).All(ctx); err != nil {
			return nil, "", err
		}
	}
	if st == nil {
		if st, err = s.client.Store.Get(ctx, o.StoreID); err != nil {
			return nil, "", err
		}
	}
	return items, st.Name, nil
}

// prepayFailed explains a failed prepay. WeChat saying the order is paid
// means a payment we have not heard of: it is recorded now.
func (s *Service) prepayFailed(ctx context.Context, o *ent.Order, err error) error {
	switch wechat.CodeOf(err) {
	case "ORDERPAID":
		if _, rerr := s.query(ctx, o); rerr != nil {
			s.log.Error("order paid at WeChat but not recorded", "order", o.OrderNo, "error", rerr)
		}
		return errs.E(errs.Conflict, "order %d is already paid", o.ID)
	case "ORDER_CLOSED":
		return errs.E(errs.Conflict, "WeChat Pay closed order %d; it can no longer be paid", o.ID)
	}
	if wechat.IsTemporary(err) {
		return errs.Wrap(err, errs.Unavailable, "WeChat Pay is not answering, so the payment could not start; please try again in a moment")
	}
	return errs.Wrap(err, errs.Unavailable, "WeChat Pay refused to start the payment (%s); please try again later", wechat.CodeOf(err))
}

// query asks WeChat Pay for the order's transaction; when it is paid (the
// notification may be late or lost), the payment is recorded exactly as a
// notification would record it.
func (s *Service) query(ctx context.Context, o *ent.Order) (wechat.Transaction, error) {
	t, err := s.pay.Query(ctx, o.OrderNo)
	if err != nil {
		return t, err
	}
	if t.TradeState == wechat.TradeSuccess || t.TradeState == wechat.TradeRefund {
		t.TradeState = wechat.TradeSuccess // refunded since: it was paid all the same
		if err := s.payments.Paid(ctx, t); err != nil {
			return t, err
		}
	}
	return t, nil
}

// description is the WeChat Pay order description: the store and what was
// bought, at most 127 bytes.
func description(storeName string, items []*ent.OrderItem) string {
	d := storeName
	if len(items) > 0 {
		d += "-" + items[0].Title
		if len(items) > 1 {
			d += fmt.Sprintf("等%d件", len(items))
		}
	}
	return truncateBytes(d, 127)
}

func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return strings.TrimSpace(s)
}

// onPaid is what a payment means for its order, run inside the transaction
// that records the payment (payments.Hooks.Paid), so both commit or neither.
// An unpaid order becomes paid and its reserved units leave on_hand. A
// payment for an order already cancelled (it expired, or the shopper gave
// up, while the money was on its way) is never dropped: if the store still
// has the units the order is paid after all; otherwise the money goes back
// automatically and the timeline says why.
func (s *Service) onPaid(ctx context.Context, tx *ent.Tx, p *ent.Payment) error {
	o, err := tx.Order.Query().Where(order.ID(p.OrderID)).WithItems().Only(ctx)
	if err != nil {
		return err
	}
	paidAt := s.now().UTC()
	if p.PaidAt != nil {
		paidAt = *p.PaidAt
	}
	note := "paid, WeChat Pay transaction " + deref(p.TransactionID)
	setPaid := func(u *ent.OrderUpdate) { u.SetPaidAt(paidAt) }
	switch o.Status {
	case order.StatusPendingPayment:
		return s.transitionThen(ctx, tx, o, order.StatusPaid, WeChat, note, setPaid, func() error {
			if err := s.inv.Sell(ctx, tx, inventory.System, o.StoreID, o.ID, lines(o.Edges.Items)); err != nil {
				return err
			}
			return countSales(ctx, tx, o.Edges.Items)
		})
	case order.StatusCancelled:
		sold, err := s.sellAgain(ctx, tx, o)
		if err != nil {
			return err
		}
		if sold {
			// Stock (sold above), products, then the hooks' points and coupons.
			return s.transitionThen(ctx, tx, o, order.StatusPaid, WeChat,
				note+"; it arrived after the order was cancelled and the stock was still there", setPaid,
				func() error { return countSales(ctx, tx, o.Edges.Items) })
		}
		reason := "paid after the order was cancelled, and the stock is gone: refunded in full automatically"
		if err := s.transition(ctx, tx, o, order.StatusRefunding, WeChat, note+"; "+reason, setPaid); err != nil {
			return err
		}
		r, err := tx.Refund.Create().SetOrderID(o.ID).SetOutRefundNo(o.OrderNo + "R1").
			SetAmountFen(p.AmountFen).SetReason(reason).SetInitiator(refund.InitiatorSystem).
			SetStatus(refund.StatusProcessing).Save(ctx)
		if err != nil {
			return err
		}
		s.afterCommit(tx, func(ctx context.Context) { s.submitRefund(ctx, r.ID) })
		return nil
	}
	// A payment is recorded once (payments compares and sets), and only an
	// unpaid or cancelled order waits for one: anything else needs a person.
	s.log.Error("payment recorded for an order that was not waiting for one", "order", o.OrderNo, "status", o.Status,
		"transaction_id", deref(p.TransactionID))
	return nil
}

// sellAgain takes a cancelled order's units from available stock, all or
// none (a savepoint undoes a partial sale).
func (s *Service) sellAgain(ctx context.Context, tx *ent.Tx, o *ent.Order) (bool, error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT sell_again"); err != nil {
		return false, err
	}
	err := s.inv.SellAvailable(ctx, tx, inventory.System, o.StoreID, o.ID, lines(o.Edges.Items),
		"paid after cancellation")
	if errs.Is(err, errs.OutOfStock) {
		_, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT sell_again")
		return false, rerr
	}
	if err != nil {
		return false, err
	}
	_, err = tx.ExecContext(ctx, "RELEASE SAVEPOINT sell_again")
	return true, err
}

// afterCommit runs fn in the background once tx commits.
func (s *Service) afterCommit(tx *ent.Tx, fn func(ctx context.Context)) {
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			err := next.Commit(ctx, tx)
			if err == nil {
				s.run(fn)
			}
			return err
		})
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// countSales adds a paid order's units to its products' sales (what
// search sorts by), and queues the products for reindexing.
func countSales(ctx context.Context, tx *ent.Tx, items []*ent.OrderItem) error {
	units := map[int]int64{}
	for _, it := range items {
		units[it.ProductID] += int64(it.Quantity)
	}
	return addSales(ctx, tx, units)
}

// addSales adds units (negative: refunded) to each product's sales, in
// product id order (a fixed lock order, like stock), and queues them for
// reindexing.
func addSales(ctx context.Context, tx *ent.Tx, units map[int]int64) error {
	ids := make([]int, 0, len(units))
	for id, n := range units {
		if n != 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := tx.Product.Update().Where(product.ID(id)).AddSales(units[id]).Exec(ctx); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return indexer.Enqueue(ctx, tx.Client(), ids...)
}
