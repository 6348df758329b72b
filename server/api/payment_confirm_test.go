package api_test

import (
	"testing"
	"time"

	"wemart/ent/order"
	"wemart/server/apitest"
	"wemart/server/orders"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestReadConfirmsPayment: a shopper paid in the cashier but WeChat's
// notification never came. The next read of the order asks WeChat Pay and
// answers paid (stock leaves on_hand as for a notification); an order whose
// payment was never started is answered as stored.
func TestReadConfirmsPayment(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		a := s.mustOrder(s.milk, 2)
		unpaid := s.mustOrder(s.bread, 1)
		s.pay(a.Payment.prepayID(), false) // paid at WeChat, never notified
		o := s.wantStatus(a.Order.ID, order.StatusPaid)
		if o.PickupCode == nil || *o.PickupCode == "" {
			t.Fatalf("paid on read without a pickup code: %+v", o)
		}
		s.wantLevel(s.milk, 8, 0)
		s.wantStatus(unpaid.Order.ID, order.StatusPendingPayment)
	})
}

// TestReadConfirmsAtMostEveryFewSeconds: reads of one order ask WeChat Pay
// at most once per orders.ConfirmEvery, so a mini program polling the order
// cannot turn into a flood of queries.
func TestReadConfirmsAtMostEveryFewSeconds(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now())
		s := newShop(t, db, apitest.WithClock(clock))
		a := s.mustOrder(s.milk, 1)
		s.wantStatus(a.Order.ID, order.StatusPendingPayment) // asks: not paid yet
		s.pay(a.Payment.prepayID(), false)
		s.wantStatus(a.Order.ID, order.StatusPendingPayment) // too soon to ask again
		clock.Advance(orders.ConfirmEvery)
		s.wantStatus(a.Order.ID, order.StatusPaid)
	})
}
