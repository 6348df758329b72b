package inventory_test

import (
	"context"
	"errors"
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
func admitAsync(ctx context.Context, svc *inventory.Service, storeID int, lines ...inventory.Line) <-chan admitted {
	out := make(chan admitted, 1)
	go func() {
		a, err := svc.Admit(ctx, storeID, lines)
		out <- admitted{a, err}
	}()
	return out
}

// answer waits (at most 10 s) for what Admit answered.
func answer(t *testing.T, c <-chan admitted) admitted {
	t.Helper()
	select {
	case got := <-c:
		return got
	case <-time.After(10 * time.Second):
		t.Fatal("Admit did not answer in 10 s")
		return admitted{}
	}
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

// notAnswered fails if Admit answered already.
func notAnswered(t *testing.T, c <-chan admitted, why string) {
	t.Helper()
	select {
	case got := <-c:
		t.Fatalf("a checkout was answered (%v) %s", got.err, why)
	default:
	}
}

// reserve reserves lines at storeID in a transaction of its own.
func reserve(t *testing.T, db *storage.DB, svc *inventory.Service, storeID int, lines ...inventory.Line) {
	t.Helper()
	err := storage.WithTx(context.Background(), db.Client, func(tx *ent.Tx) error {
		return svc.Reserve(context.Background(), tx, inventory.Shopper(1), storeID, 0, lines)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// stocked is a Service (with rechecks too far off to matter unless a test
// sets them) and a SKU with onHand units at a store.
func stocked(t *testing.T, db *storage.DB, onHand int64) (svc *inventory.Service, storeID, skuID int) {
	t.Helper()
	svc = inventory.New(db)
	svc.SetAdmitTimes(time.Hour, time.Hour)
	storeID, skuID = fixture(t, db)
	if _, err := svc.Set(context.Background(), inventory.Staff(1), storeID, skuID, inventory.SetInput{OnHand: i64(onHand)}); err != nil {
		t.Fatal(err)
	}
	return svc, storeID, skuID
}

// TestAdmitWaitsForCheckoutsReserving: with units for one checkout, a
// second waits while the first is in its transaction; it is let in as
// soon as the first ends without reserving, and refused as soon as the
// last checkout reserving them ends (no recheck needed: they are an hour
// off here).
func TestAdmitWaitsForCheckoutsReserving(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc, storeID, skuID := stocked(t, db, 3)
		three, one := inventory.Line{SkuID: skuID, Quantity: 3}, inventory.Line{SkuID: skuID, Quantity: 1}

		first, err := svc.Admit(ctx, storeID, []inventory.Line{three})
		if err != nil {
			t.Fatal(err)
		}
		second := admitAsync(ctx, svc, storeID, one)
		waitWaiting(t, svc, 1)
		notAnswered(t, second, "while the units were being reserved")
		first.Done(false) // ended without reserving: the units are back
		got := answer(t, second)
		if got.err != nil {
			t.Fatalf("admit after the units came back: %v", got.err)
		}

		// The second reserves; a third (3 of the 2 left) waits, then is refused.
		third := admitAsync(ctx, svc, storeID, three)
		waitWaiting(t, svc, 1)
		reserve(t, db, svc, storeID, one)
		got.a.Done(true)
		if res := answer(t, third); !errs.Is(res.err, errs.OutOfStock) {
			t.Fatalf("admit of 3 with 2 left: %v, want out_of_stock", res.err)
		}
		// Nothing is counted any more: two units go in, twice over (the
		// gate only delays; the reservation decides). A second Done does
		// nothing.
		for range 2 {
			a, err := svc.Admit(ctx, storeID, []inventory.Line{{SkuID: skuID, Quantity: 2}})
			if err != nil {
				t.Fatal(err)
			}
			a.Done(false)
			a.Done(true)
		}
	})
}

// TestAdmitKeepsWaitingWhileUnitsAreReserved: a checkout that ends having
// reserved, while another still reserves, frees nothing: the waiting one
// goes on waiting, until the other gives its unit back.
func TestAdmitKeepsWaitingWhileUnitsAreReserved(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc, storeID, skuID := stocked(t, db, 2)
		one := inventory.Line{SkuID: skuID, Quantity: 1}
		a, err := svc.Admit(ctx, storeID, []inventory.Line{one})
		if err != nil {
			t.Fatal(err)
		}
		b, err := svc.Admit(ctx, storeID, []inventory.Line{one})
		if err != nil {
			t.Fatal(err)
		}
		waiting := admitAsync(ctx, svc, storeID, one)
		waitWaiting(t, svc, 1)
		reserve(t, db, svc, storeID, one)
		a.Done(true)
		time.Sleep(20 * time.Millisecond)
		notAnswered(t, waiting, "when a checkout that reserved ended while another still reserves")
		b.Done(false)
		if got := answer(t, waiting); got.err != nil {
			t.Fatalf("admit once the other checkout gave its unit back: %v", got.err)
		} else {
			got.a.Done(false)
		}
	})
}

// TestAdmitLines: lines of one SKU count together, lines of no units are
// left out, a SKU without a stock row is left to the transaction, and a
// checkout waits on whichever of its SKUs is short.
func TestAdmitLines(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc, storeID, skuID := stocked(t, db, 5)
		// 3 + 3 of one SKU with 5 available: short.
		_, err := svc.Admit(ctx, storeID, []inventory.Line{{SkuID: skuID, Quantity: 3}, {SkuID: skuID, Quantity: 3}})
		if !errs.Is(err, errs.OutOfStock) {
			t.Fatalf("two lines of 3 with 5 available: %v, want out_of_stock", err)
		}
		// 2 + 2 and a line of none, and a SKU with no stock row here.
		a, err := svc.Admit(ctx, storeID, []inventory.Line{{SkuID: skuID, Quantity: 2}, {SkuID: skuID + 1000, Quantity: 7},
			{SkuID: skuID, Quantity: 0}, {SkuID: skuID, Quantity: 2}})
		if err != nil {
			t.Fatalf("lines of 2 and 2 with 5 available: %v", err)
		}
		// 4 counted: one more unit goes in, two more wait.
		b, err := svc.Admit(ctx, storeID, []inventory.Line{{SkuID: skuID + 1000, Quantity: 1}, {SkuID: skuID, Quantity: 1}})
		if err != nil {
			t.Fatal(err)
		}
		c := admitAsync(ctx, svc, storeID, inventory.Line{SkuID: skuID + 1000, Quantity: 1}, inventory.Line{SkuID: skuID, Quantity: 2})
		waitWaiting(t, svc, 1)
		notAnswered(t, c, "with all 5 units being reserved")
		a.Done(false)
		if got := answer(t, c); got.err != nil {
			t.Fatal(got.err)
		} else {
			got.a.Done(false)
		}
		b.Done(false)
	})
}

// TestAdmitRechecksAndGivesUpWaiting: a waiting checkout reads again at
// each recheck (here it finds stock added meanwhile), gives up with its
// context, and goes to its transaction anyway once its patience is out.
func TestAdmitRechecksAndGivesUpWaiting(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc, storeID, skuID := stocked(t, db, 1)
		svc.SetAdmitTimes(20*time.Millisecond, time.Hour)
		one := inventory.Line{SkuID: skuID, Quantity: 1}
		held, err := svc.Admit(ctx, storeID, []inventory.Line{one})
		if err != nil {
			t.Fatal(err)
		}
		defer held.Done(false)

		// A cancelled wait returns the context's error.
		cctx, cancel := context.WithCancel(ctx)
		cancelled := admitAsync(cctx, svc, storeID, one)
		waitWaiting(t, svc, 1)
		cancel()
		if got := answer(t, cancelled); !errors.Is(got.err, context.Canceled) {
			t.Fatalf("a cancelled wait: %v, want context.Canceled", got.err)
		}
		waitWaiting(t, svc, 0)

		// Staff add a unit (as another process would): the next recheck sees it.
		rechecked := admitAsync(ctx, svc, storeID, one)
		waitWaiting(t, svc, 1)
		if _, err := svc.Set(ctx, inventory.Staff(1), storeID, skuID, inventory.SetInput{OnHand: i64(2)}); err != nil {
			t.Fatal(err)
		}
		got := answer(t, rechecked)
		if got.err != nil {
			t.Fatalf("after stock was added: %v", got.err)
		}
		defer got.a.Done(false)

		// Both units are being reserved; with no patience a third checkout
		// goes in all the same (the compare-and-set will decide).
		svc.SetAdmitTimes(20*time.Millisecond, 0)
		forced, err := svc.Admit(ctx, storeID, []inventory.Line{one})
		if err != nil {
			t.Fatalf("out of patience: %v", err)
		}
		forced.Done(false)
	})
}

// TestAdmitOnWhatItKnows: a SKU whose units the gate learnt within
// knownFor (from a fresh read, or exactly from a stock move this process
// committed, through the gate or not) is admitted on that without a
// read, less the units being reserved; anything else reads, and only a
// fresh read ever refuses. Another process's staff change the stock
// behind the gate's back, so each answer shows whether Admit read.
func TestAdmitOnWhatItKnows(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc, storeID, skuID := stocked(t, db, 10)
		svc.SetKnownFor(time.Hour) // nothing lapses here unless the test says so
		other := inventory.New(db) // another process: its staff's changes tell svc nothing
		set := func(s *inventory.Service, onHand int64) {
			t.Helper()
			if _, err := s.Set(ctx, inventory.Staff(1), storeID, skuID, inventory.SetInput{OnHand: i64(onHand)}); err != nil {
				t.Fatal(err)
			}
		}
		line := func(n int64) []inventory.Line { return []inventory.Line{{SkuID: skuID, Quantity: n}} }
		admits := func(n int64, why string) {
			t.Helper()
			a, err := svc.Admit(ctx, storeID, line(n))
			if err != nil {
				t.Fatalf("%s: admit of %d: %v", why, n, err)
			}
			a.Done(false)
		}
		refuses := func(n int64, why string) {
			t.Helper()
			if _, err := svc.Admit(ctx, storeID, line(n)); !errs.Is(err, errs.OutOfStock) {
				t.Fatalf("%s: admit of %d: %v, want out_of_stock", why, n, err)
			}
		}
		placed := func(n int64) { // a checkout through the gate that reserves
			t.Helper()
			a, err := svc.Admit(ctx, storeID, line(n))
			if err != nil {
				t.Fatal(err)
			}
			reserve(t, db, svc, storeID, line(n)...)
			a.Done(true)
		}

		placed(1)     // read 10; the commit left 9: known 9
		set(other, 3) // 2 available
		// A read would refuse 4 of 2; on the 9 it knows it admits (the
		// transaction's compare-and-set would refuse). Ending without
		// reserving, the checkout makes it forget.
		admits(4, "on the 9 the gate knows")
		refuses(4, "after a checkout that did not reserve") // reads: 2

		set(other, 20)                            // 19 available; known 2: a read, never a refusal on it
		placed(3)                                 // the commit left 16
		reserve(t, db, svc, storeID, line(15)...) // a cart's checkout (no gate): 1 left
		refuses(2, "after a committed move that left 1")

		// Lapsed, what it knows is read again.
		set(other, 19) // 0 available, 1 known
		svc.SetKnownFor(0)
		refuses(1, "once what it knows has lapsed")
		svc.SetKnownFor(time.Hour)

		// Its own staff taking units away make it forget.
		set(other, 25) // 6 available
		placed(3)      // 3 left
		set(svc, 23)   // 1 left
		refuses(2, "after this process's staff left 1")
	})
}
