package api_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"wemart/ent/order"
	"wemart/ent/orderevent"
	"wemart/ent/stockmovement"
	"wemart/server/apitest"
	"wemart/server/orders"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestRestartLosesNoExpiryAndNoReservation: orders placed by one process,
// which then stops, are expired (or found paid) by the next process on the
// same database: deadlines are columns, not timers.
func TestRestartLosesNoExpiryAndNoReservation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now())
		s := newShop(t, db, apitest.WithClock(clock))
		unpaid := s.mustOrder(s.milk, 3)
		paidQuietly := s.mustOrder(s.bread, 2)
		s.pay(paidQuietly.Payment.prepayID(), false) // its notification is lost with the process
		s.h.Close()

		clock.Advance(16 * time.Minute)
		s.h = apitest.New(t, db, apitest.WithClock(clock), apitest.DataDir(s.h.DataDir))
		s.wantLevel(s.milk, 10, 3) // the reservation survived the restart
		s.sweep()
		s.wantStatus(unpaid.Order.ID, order.StatusCancelled)
		s.wantStatus(paidQuietly.Order.ID, order.StatusPaid)
		s.wantLevel(s.milk, 10, 0)
		s.wantLevel(s.bread, 3, 0)
		s.ledgerReplays()
	})
}

// TestSweepersInManyProcesses: three processes sweep the same expired
// orders at once; each order is cancelled once, its stock released once.
// The other two use the first one's sandbox, as a fleet shares one
// (WEMART_SANDBOX_URL).
func TestSweepersInManyProcesses(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now())
		s := newShop(t, db, apitest.WithClock(clock))
		const n = orders.DefaultOpenOrders // one shopper's most unpaid orders
		s.setStock(s.bread, 100)
		for range n {
			s.mustOrder(s.milk, 1, s.bread, 1)
		}
		s.wantLevel(s.milk, 10, n)
		others := []*apitest.Harness{
			apitest.New(t, db, apitest.WithClock(clock), apitest.SharedSandbox(s.h.URL)),
			apitest.New(t, db, apitest.WithClock(clock), apitest.SharedSandbox(s.h.URL)),
		}
		clock.Advance(16 * time.Minute)
		var wg sync.WaitGroup
		for _, h := range append(others, s.h) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := h.App.Orders.Sweep(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		ctx := context.Background()
		if c := db.Client.Order.Query().Where(order.StatusEQ(order.StatusCancelled)).CountX(ctx); c != n {
			t.Fatalf("%d orders cancelled, want %d", c, n)
		}
		if c := db.Client.OrderEvent.Query().Where(orderevent.ToStatus("cancelled")).CountX(ctx); c != n {
			t.Fatalf("%d cancellations in the timelines, want %d", c, n)
		}
		if c := db.Client.StockMovement.Query().Where(stockmovement.KindEQ(stockmovement.KindRelease)).CountX(ctx); c != 2*n {
			t.Fatalf("%d releases in the ledger, want %d", c, 2*n)
		}
		s.wantLevel(s.milk, 10, 0)
		s.ledgerReplays()
	})
}

// TestTheSweeperRunsByItself: with the background sweeper on, an expired
// order is cancelled without anyone asking.
func TestTheSweeperRunsByItself(t *testing.T) {
	clock := apitest.NewClock(time.Now())
	s := newShop(t, storagetest.New(t, "sqlite"), apitest.WithClock(clock), apitest.Sweeper(20*time.Millisecond))
	a := s.mustOrder(s.milk, 2)
	clock.Advance(16 * time.Minute)
	s.eventuallyStatus(a.Order.ID, order.StatusCancelled)
	s.wantLevel(s.milk, 10, 0)
}
