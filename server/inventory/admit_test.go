package inventory_test

import (
	"context"
	"testing"
	"time"

	"wemart/ent"
	"wemart/server/errs"
	"wemart/server/inventory"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// admitted is what a checkout's Admit answered.
type admitted struct {
	a   *inventory.Admission
	err error
}

// admitAsync runs Admit in a goroutine.
func admitAsync(ctx context.Context, svc *inventory.Service, storeID int, lines []inventory.Line) <-chan admitted {
	out := make(chan admitted, 1)
	go func() {
		a, err := svc.Admit(ctx, storeID, lines)
		out <- admitted{a, err}
	}()
	return out
}

// waitWaiting waits until n checkouts wait in Admit.
func waitWaiting(t *testing.T, svc *inventory.Service, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); svc.Waiting() != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d checkouts wait in Admit, want %d", svc.Waiting(), n)
		}
	}
}

// reserve reserves lines at storeID in a transaction of its own.
func reserve(t *testing.T, db *storage.DB, svc *inventory.Service, storeID int, lines []inventory.Line) {
	t.Helper()
	err := storage.WithTx(context.Background(), db.Client, func(tx *ent.Tx) error {
		return svc.Reserve(context.Background(), tx, inventory.Shopper(1), storeID, 0, lines)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAdmitWaitsForCheckoutsReserving: with units for one checkout, a
// second waits while the first is in its transaction; it is refused once
// the first reserved them, and admitted when the first ended without.
func TestAdmitWaitsForCheckoutsReserving(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := inventory.New(db)
		storeID, skuID := fixture(t, db)
		if _, err := svc.Set(ctx, inventory.Staff(1), storeID, skuID, inventory.SetInput{OnHand: i64(3)}); err != nil {
			t.Fatal(err)
		}
		three := []inventory.Line{{SkuID: skuID, Quantity: 3}}
		one := []inventory.Line{{SkuID: skuID, Quantity: 1}}

		first, err := svc.Admit(ctx, storeID, three)
		if err != nil {
			t.Fatal(err)
		}
		second := admitAsync(ctx, svc, storeID, one)
		waitWaiting(t, svc, 1)
		select {
		case got := <-second:
			t.Fatalf("a checkout was answered (%v) while the units were being reserved", got.err)
		default:
		}
		// The first ends without reserving: the second goes in.
		first.Done(false)
		got := <-second
		if got.err != nil {
			t.Fatalf("admit after the units came back: %v", got.err)
		}

		// The second reserves; a third waits, then is refused.
		third := admitAsync(ctx, svc, storeID, three)
		waitWaiting(t, svc, 1)
		reserve(t, db, svc, storeID, one)
		got.a.Done(true)
		if res := <-third; !errs.Is(res.err, errs.OutOfStock) {
			t.Fatalf("admit of 3 with 2 left: %v, want out_of_stock", res.err)
		}
		// Nothing is counted any more: two units go in at once, twice
		// over (the gate only delays; the reservation decides).
		for range 2 {
			a, err := svc.Admit(ctx, storeID, []inventory.Line{{SkuID: skuID, Quantity: 2}})
			if err != nil {
				t.Fatal(err)
			}
			a.Done(false)
			a.Done(true) // a second Done does nothing
		}
	})
}

// TestAdmitCountsWhatTheReadLeaves: checkouts go in at once while the
// units read cover them all, and a checkout of a SKU with no stock row is
// left to its transaction; a waiting checkout gives up with its context.
func TestAdmitCountsWhatTheReadLeaves(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := inventory.New(db)
		storeID, skuID := fixture(t, db)
		if _, err := svc.Set(ctx, inventory.Staff(1), storeID, skuID, inventory.SetInput{OnHand: i64(5)}); err != nil {
			t.Fatal(err)
		}
		var held []*inventory.Admission
		for _, q := range []int64{2, 3} {
			a, err := svc.Admit(ctx, storeID, []inventory.Line{{SkuID: skuID, Quantity: q}})
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, a)
		}
		// No stock row for SKU skuID+1000: not counted, not refused here.
		if a, err := svc.Admit(ctx, storeID, []inventory.Line{{SkuID: skuID + 1000, Quantity: 7}}); err != nil {
			t.Fatalf("a SKU without a stock row: %v", err)
		} else {
			a.Done(false)
		}
		cctx, cancel := context.WithCancel(ctx)
		waiting := admitAsync(cctx, svc, storeID, []inventory.Line{{SkuID: skuID, Quantity: 1}})
		waitWaiting(t, svc, 1)
		cancel()
		if got := <-waiting; got.err == nil {
			t.Fatal("a cancelled wait was admitted while all 5 units were being reserved")
		}
		waitWaiting(t, svc, 0)
		for _, a := range held {
			a.Done(false)
		}
		a, err := svc.Admit(ctx, storeID, []inventory.Line{{SkuID: skuID, Quantity: 5}})
		if err != nil {
			t.Fatalf("all 5 units back: %v", err)
		}
		a.Done(false)
	})
}
