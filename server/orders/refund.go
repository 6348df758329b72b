package orders

import (
	"context"
	"fmt"
	"slices"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/orderevent"
	"wemart/ent/orderitem"
	"wemart/ent/payment"
	"wemart/ent/refund"
	"wemart/ent/shipment"
	"wemart/schema/types"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/inventory"
	"wemart/server/pricing"
	"wemart/server/storage"
	"wemart/server/wechat"
)

// RefundLineInput asks for some units of one order line back.
type RefundLineInput struct {
	OrderItemID int `json:"order_item_id"`
	Quantity    int `json:"quantity"`
}

// RefundInput is a shopper's refund request: why, and optionally which
// lines (all that is not refunded yet when left out).
type RefundInput struct {
	Reason string            `json:"reason"`
	Items  []RefundLineInput `json:"items"`
}

// validate checks a refund request's fields.
func (in RefundInput) validate() error {
	var c check.Checker
	c.Text("reason", in.Reason, true, 200)
	if in.Items != nil && (len(in.Items) == 0 || len(in.Items) > MaxLines) {
		c.Fail("items", "must hold 1 to %d lines (or be left out to refund everything)", MaxLines)
	}
	for i, l := range in.Items {
		if l.OrderItemID <= 0 {
			c.Fail(fmt.Sprintf("items[%d].order_item_id", i), "is required")
		}
		if l.Quantity < 1 || l.Quantity > MaxLineQuantity {
			c.Fail(fmt.Sprintf("items[%d].quantity", i), "must be between 1 and %d", MaxLineQuantity)
		}
	}
	return c.Err()
}

// RequestRefund asks for money back on a paid order: the order becomes
// refunding until staff approve (WeChat Pay refunds it) or reject (it goes
// back to where it was).
func (s *Service) RequestRefund(ctx context.Context, shopperID, orderID int, in RefundInput) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.RequestRefund")
	if err := in.validate(); err != nil {
		return nil, err
	}
	if _, err := s.own(ctx, shopperID, orderID); err != nil {
		return nil, err
	}
	if _, err := s.openRefund(ctx, orderID, ShopperActor(shopperID), in); err != nil {
		return nil, err
	}
	return s.load(ctx, orderID)
}

// StaffRefund refunds an order on staff's own initiative (a complaint at the
// counter, a refund WeChat refused before, a late payment for a cancelled
// order): no review, WeChat Pay is asked at once.
func (s *Service) StaffRefund(ctx context.Context, by Actor, orderID int, in RefundInput) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.StaffRefund")
	if err := in.validate(); err != nil {
		return nil, err
	}
	id, err := s.openRefund(ctx, orderID, by, in)
	if err != nil {
		return nil, err
	}
	s.submitRefund(ctx, id)
	return s.load(ctx, orderID)
}

// openRefund moves a paid order to refunding and records the refund: for a
// shopper, waiting for review; for staff, approved. The money must have
// been paid: the order is paid or further along, or it was cancelled and
// its payment arrived anyway.
func (s *Service) openRefund(ctx context.Context, orderID int, by Actor, in RefundInput) (int, error) {
	var id int
	err := storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		full, err := tx.Order.Query().Where(order.ID(orderID)).WithItems().WithRefunds().WithPayments().Only(ctx)
		if ent.IsNotFound(err) {
			return errs.E(errs.NotFound, "no order %d", orderID)
		}
		if err != nil {
			return err
		}
		paid := false
		for _, p := range full.Edges.Payments {
			paid = paid || p.Status == payment.StatusPaid
		}
		if !Allowed(full.Status, order.StatusRefunding) || !paid {
			return errs.E(errs.Conflict, "order %d is %s; only a paid order can be refunded", orderID, full.Status).
				With("status", full.Status)
		}
		// A rider on the way to the store would pick up goods the refund
		// puts back on the shelf: staff call the rider off first.
		coming, err := tx.Shipment.Query().Where(shipment.OrderID(orderID), shipment.KindEQ(shipment.KindRider),
			shipment.StatusIn(shipment.StatusRequested, shipment.StatusAccepted, shipment.StatusArrived)).Exist(ctx)
		if err != nil {
			return err
		}
		if coming {
			return errs.E(errs.Conflict, "order %d has a rider on the way to the store; call the rider off first (POST /admin/v1/orders/%d/dispatch/cancel)", orderID, orderID).
				With("status", full.Status)
		}
		covered, amount, err := refundLines(full, in.Items)
		if err != nil {
			return err
		}
		create := tx.Refund.Create().SetOrderID(orderID).
			SetOutRefundNo(fmt.Sprintf("%sR%d", full.OrderNo, len(full.Edges.Refunds)+1)).
			SetAmountFen(amount).SetReason(in.Reason).SetLines(covered)
		note := "refund requested: " + in.Reason
		if by.Type == orderevent.ActorTypeShopper {
			create.SetInitiator(refund.InitiatorShopper)
		} else {
			create.SetInitiator(refund.InitiatorStaff).SetStatus(refund.StatusProcessing).SetNillableReviewedBy(by.ID)
			note = fmt.Sprintf("refund of ¥%s by staff: %s", yuan(amount), in.Reason)
		}
		if err := s.transition(ctx, tx, full, order.StatusRefunding, by, note, nil); err != nil {
			return err
		}
		r, err := create.Save(ctx)
		if err != nil {
			return err
		}
		id = r.ID
		return nil
	})
	return id, err
}

// refundLines works out which units a refund covers and how much money
// that is: what the units were paid (their price less their share of the
// line's discounts, pricing.RefundShare), or, when it covers everything not
// refunded yet, all the money not refunded yet (delivery fee included).
func refundLines(o *ent.Order, want []RefundLineInput) ([]types.RefundLine, int64, error) {
	var refunded int64
	for _, r := range o.Edges.Refunds {
		if r.Status != refund.StatusRejected && r.Status != refund.StatusFailed {
			refunded += r.AmountFen
		}
	}
	open := map[int]int{} // order item → units not refunded yet
	byID := map[int]*ent.OrderItem{}
	for _, it := range o.Edges.Items {
		open[it.ID] = it.Quantity - it.RefundedQuantity
		byID[it.ID] = it
	}
	if want == nil {
		for _, it := range o.Edges.Items {
			if q := open[it.ID]; q > 0 {
				want = append(want, RefundLineInput{OrderItemID: it.ID, Quantity: q})
			}
		}
	}
	var covered []types.RefundLine
	var amount int64
	take := map[int]int{}
	for i, l := range want {
		it := byID[l.OrderItemID]
		if it == nil {
			return nil, 0, errs.InvalidField(fmt.Sprintf("items[%d].order_item_id", i), "order %d has no line %d", o.ID, l.OrderItemID)
		}
		before := it.RefundedQuantity + take[l.OrderItemID]
		take[l.OrderItemID] += l.Quantity
		if take[l.OrderItemID] > open[l.OrderItemID] {
			return nil, 0, errs.InvalidField(fmt.Sprintf("items[%d].quantity", i), "line %d has only %d units left to refund", l.OrderItemID, open[l.OrderItemID])
		}
		covered = append(covered, types.RefundLine{OrderItemID: l.OrderItemID, Quantity: l.Quantity})
		amount += paidFor(it, before, l.Quantity)
	}
	all := true
	for id, q := range open {
		if take[id] != q {
			all = false
		}
	}
	if !all && amount >= o.PayableFen-refunded {
		// These units carry all the money left: what else is open cost
		// nothing (a coupon took its lines to 0 fen). They go with it, or
		// nothing could refund them and the order would never end.
		for id, q := range open {
			if extra := q - take[id]; extra > 0 {
				covered = append(covered, types.RefundLine{OrderItemID: id, Quantity: extra})
			}
		}
		slices.SortFunc(covered, func(a, b types.RefundLine) int { return a.OrderItemID - b.OrderItemID })
		all = true
	}
	if all {
		amount = o.PayableFen - refunded
	}
	amount = min(amount, o.PayableFen-refunded)
	if amount <= 0 {
		return nil, 0, errs.E(errs.Conflict, "order %d has nothing left to refund", o.ID)
	}
	return covered, amount, nil
}

// ApproveRefund approves the order's requested refund and asks WeChat Pay
// to pay it back. The refund notification finishes it (onRefunded). If
// WeChat cannot be reached now, the sweeper asks again.
func (s *Service) ApproveRefund(ctx context.Context, by Actor, orderID int, note string) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.ApproveRefund")
	var c check.Checker
	c.Text("note", note, false, 200)
	if err := c.Err(); err != nil {
		return nil, err
	}
	var id int
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		r, err := s.requested(ctx, tx, orderID)
		if err != nil {
			return err
		}
		n, err := tx.Refund.Update().Where(refund.ID(r.ID), refund.StatusEQ(refund.StatusRequested)).
			SetStatus(refund.StatusProcessing).SetNillableReviewedBy(by.ID).SetReviewNote(note).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.Conflict, "the refund of order %d was reviewed meanwhile", orderID)
		}
		id = r.ID
		_, err = event(ctx, tx, orderID, ptr(order.StatusRefunding), order.StatusRefunding, by,
			fmt.Sprintf("refund of ¥%s approved%s", yuan(r.AmountFen), suffix(note)))
		return err
	})
	if err != nil {
		return nil, err
	}
	s.submitRefund(ctx, id)
	return s.load(ctx, orderID)
}

// RejectRefund rejects the order's requested refund: the order goes back to
// the status it had before.
func (s *Service) RejectRefund(ctx context.Context, by Actor, orderID int, note string) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.RejectRefund")
	var c check.Checker
	c.Text("note", note, true, 200)
	if err := c.Err(); err != nil {
		return nil, err
	}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		r, err := s.requested(ctx, tx, orderID)
		if err != nil {
			return err
		}
		n, err := tx.Refund.Update().Where(refund.ID(r.ID), refund.StatusEQ(refund.StatusRequested)).
			SetStatus(refund.StatusRejected).SetNillableReviewedBy(by.ID).SetReviewNote(note).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.Conflict, "the refund of order %d was reviewed meanwhile", orderID)
		}
		o, err := tx.Order.Get(ctx, orderID)
		if err != nil {
			return err
		}
		back, err := statusBefore(ctx, tx, orderID, order.StatusRefunding)
		if err != nil {
			return err
		}
		return s.transition(ctx, tx, o, back, by, "refund rejected: "+note, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.load(ctx, orderID)
}

// requested is the order's refund waiting for review.
func (s *Service) requested(ctx context.Context, tx *ent.Tx, orderID int) (*ent.Refund, error) {
	o, err := tx.Order.Get(ctx, orderID)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no order %d", orderID)
	}
	if err != nil {
		return nil, err
	}
	if o.Status != order.StatusRefunding {
		return nil, errs.E(errs.Conflict, "order %d is %s, with no refund waiting for review", orderID, o.Status).With("status", o.Status)
	}
	r, err := tx.Refund.Query().Where(refund.OrderID(o.ID), refund.StatusEQ(refund.StatusRequested)).
		Order(ent.Desc(refund.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.Conflict, "order %d has no refund waiting for review", orderID).With("status", o.Status)
	}
	return r, err
}

// submitRefund asks WeChat Pay to pay back an approved refund. It is safe
// to repeat (WeChat keys refunds by out_refund_no). A temporary failure
// (WeChat unreachable or busy, or the merchant account short of balance)
// leaves it to the sweeper; a refusal fails the refund and returns the
// order to where it was, so the shopper or staff can ask again.
func (s *Service) submitRefund(ctx context.Context, refundID int) {
	r, err := s.client.Refund.Query().Where(refund.ID(refundID)).WithOrder().Only(ctx)
	if err != nil {
		s.log.Error("refund: loading", "refund", refundID, "error", err)
		return
	}
	if r.Status != refund.StatusProcessing || r.RefundID != nil {
		return
	}
	o := r.Edges.Order
	res, err := s.pay.Refund(ctx, wechat.RefundRequest{
		OutTradeNo: o.OrderNo, OutRefundNo: r.OutRefundNo, RefundFen: r.AmountFen, TotalFen: o.PayableFen,
		Reason: truncateBytes(r.Reason, 80),
	})
	switch {
	case wechat.IsTemporary(err) || wechat.CodeOf(err) == "NOT_ENOUGH":
		s.log.Warn("refund: WeChat Pay cannot take it now; the sweeper will retry", "refund", r.OutRefundNo, "error", err)
		if uerr := s.client.Refund.Update().Where(refund.ID(r.ID), refund.StatusEQ(refund.StatusProcessing)).
			SetUpdatedAt(s.now().UTC()).Exec(ctx); uerr != nil {
			s.log.Error("refund: noting the retry", "refund", r.OutRefundNo, "error", uerr)
		}
		return
	case err != nil:
		s.log.Error("refund: WeChat Pay refused it", "refund", r.OutRefundNo, "error", err)
		if ferr := storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
			n, err := tx.Refund.Update().Where(refund.ID(r.ID), refund.StatusEQ(refund.StatusProcessing), refund.RefundIDIsNil()).
				SetStatus(refund.StatusFailed).SetReviewNote(clip("WeChat Pay refused: "+err.Error(), 200)).Save(ctx)
			if err != nil || n == 0 {
				return err
			}
			failed, err := tx.Refund.Get(ctx, r.ID)
			if err != nil {
				return err
			}
			return s.onRefundFailed(ctx, tx, failed)
		}); ferr != nil {
			s.log.Error("refund: recording the refusal", "refund", r.OutRefundNo, "error", ferr)
		}
		return
	}
	if err := s.client.Refund.Update().Where(refund.ID(r.ID), refund.RefundIDIsNil()).
		SetRefundID(res.RefundID).Exec(ctx); err != nil {
		s.log.Error("refund: recording WeChat's refund id", "refund", r.OutRefundNo, "error", err)
	}
	if res.Status == wechat.RefundSuccess {
		if err := s.payments.Refunded(ctx, res); err != nil {
			s.log.Error("refund: recording success", "refund", r.OutRefundNo, "error", err)
		}
	}
}

// onRefundFailed returns an order whose refund failed at WeChat Pay to the
// status it had before, with the reason on its timeline: nothing is stuck in
// refunding, and the refund can be asked for again (by the shopper, or by
// staff, who can also refund a cancelled order's late payment).
func (s *Service) onRefundFailed(ctx context.Context, tx *ent.Tx, r *ent.Refund) error {
	o, err := tx.Order.Get(ctx, r.OrderID)
	if err != nil {
		return err
	}
	if o.Status != order.StatusRefunding {
		return nil
	}
	before, err := statusBefore(ctx, tx, o.ID, order.StatusRefunding)
	if err != nil {
		return err
	}
	return s.transition(ctx, tx, o, before, WeChat,
		fmt.Sprintf("refund of ¥%s failed (%s); it can be asked for again", yuan(r.AmountFen), r.ReviewNote), nil)
}

// onRefunded is what a refund that went through means for its order, run
// inside the transaction that records it: the lines count as refunded, units
// that never left the store go back on the shelf, and the order is refunded
// (everything) or back where it was (some lines).
func (s *Service) onRefunded(ctx context.Context, tx *ent.Tx, r *ent.Refund) error {
	o, err := tx.Order.Query().Where(order.ID(r.OrderID)).WithItems().Only(ctx)
	if err != nil {
		return err
	}
	if o.Status != order.StatusRefunding {
		s.log.Error("refund succeeded for an order that is not refunding", "order", o.OrderNo, "status", o.Status)
		return nil
	}
	before, err := statusBefore(ctx, tx, o.ID, order.StatusRefunding)
	if err != nil {
		return err
	}
	covered := r.Lines
	if len(covered) == 0 { // the whole order (an automatic refund)
		for _, it := range o.Edges.Items {
			if q := it.Quantity - it.RefundedQuantity; q > 0 {
				covered = append(covered, types.RefundLine{OrderItemID: it.ID, Quantity: q})
			}
		}
	}
	var back []inventory.Line
	var goods int64           // what the refunded units were paid
	unsold := map[int]int64{} // product → units no longer sold
	for _, l := range covered {
		idx := slices.IndexFunc(o.Edges.Items, func(it *ent.OrderItem) bool { return it.ID == l.OrderItemID })
		if idx < 0 {
			return fmt.Errorf("refund %s covers line %d, not of order %s", r.OutRefundNo, l.OrderItemID, o.OrderNo)
		}
		it := o.Edges.Items[idx]
		goods += paidFor(it, it.RefundedQuantity, l.Quantity)
		n, err := tx.OrderItem.Update().
			Where(orderitem.ID(it.ID), orderitem.RefundedQuantityLTE(it.Quantity-l.Quantity)).
			AddRefundedQuantity(l.Quantity).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("refund %s: line %d would be refunded beyond its quantity", r.OutRefundNo, it.ID)
		}
		it.RefundedQuantity += l.Quantity
		back = append(back, inventory.Line{SkuID: it.SkuID, ProductID: it.ProductID, Quantity: int64(l.Quantity)})
		unsold[it.ProductID] -= int64(l.Quantity)
	}
	// Units of a paid order are out of on_hand but still in the store until
	// it is picked up or shipped: a refund puts them back. A cancelled
	// order's late payment never took any.
	if before != order.StatusCancelled && !handedOver(before) {
		if err := s.inv.Restock(ctx, tx, inventory.System, o.StoreID, o.ID, back, "refunded "+r.OutRefundNo); err != nil {
			return err
		}
	}
	// A cancelled order's late payment never counted as sales (it was
	// refunded, not sold); anything else refunded stops counting. Products
	// after stock, the order a payment takes them in: the other order
	// deadlocks against a payment of the same goods.
	if before != order.StatusCancelled {
		if err := addSales(ctx, tx, unsold); err != nil {
			return err
		}
	}
	// Points earned on what was refunded go back (a cancelled order's late
	// payment earned none).
	if m := s.benefits.Members; m != nil && before != order.StatusCancelled {
		if err := m.Refunded(ctx, tx, o, r.ID, min(goods, r.AmountFen)); err != nil {
			return err
		}
	}
	all := true
	for _, it := range o.Edges.Items {
		if it.RefundedQuantity < it.Quantity {
			all = false
		}
	}
	note := fmt.Sprintf("refund of ¥%s paid back, WeChat refund %s", yuan(r.AmountFen), deref(r.RefundID))
	if all || before == order.StatusCancelled {
		return s.transition(ctx, tx, o, order.StatusRefunded, WeChat, note, nil)
	}
	return s.transition(ctx, tx, o, before, WeChat, note+" (part of the order)", nil)
}

// paidFor is what k units of line it were paid when before units of it
// were refunded already: their price less their share of the discounts.
func paidFor(it *ent.OrderItem, before, k int) int64 {
	return it.PriceFen*int64(k) - pricing.RefundShare(it.DiscountFen, it.Quantity, before, k)
}

func ptr[T any](v T) *T { return &v }

func suffix(note string) string {
	if note == "" {
		return ""
	}
	return ": " + note
}
