package orders

import (
	"context"
	"errors"
	"testing"
	"time"

	"wemart/ent"
	"wemart/schema/types"
	"wemart/server/errs"
	"wemart/server/inventory"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestFailedCheckoutLetsTheNextIn: of a SKU's 2 units, one is being
// reserved (by a checkout admitted and not yet ended); two checkouts come
// for the other, both held at the shopper lock: one is admitted to its
// transaction, the other waits at inventory.Admit. The first fails in its
// transaction (the total is not the one shown), which gives its unit back
// at once: the second goes in and fails the same way, long before a
// recheck (an hour off here) would have let it.
func TestFailedCheckoutLetsTheNextIn(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newService(t, db, Options{})
		s.inv.SetAdmitTimes(time.Hour, time.Hour)
		allDay := make([]types.OpeningPeriod, 7)
		for d := range allDay {
			allDay[d] = types.OpeningPeriod{Weekday: d + 1, Open: "00:00", Close: "24:00"}
		}
		store := bareStore(ctx, db)
		store = store.Update().SetOpeningHours(allDay).SaveX(ctx)
		p := db.Client.Product.Create().SetTitle("限量").SaveX(ctx)
		k := db.Client.Sku.Create().SetProduct(p).SetName("1").SetPriceFen(100).SaveX(ctx)
		two := int64(2)
		if _, err := s.inv.Set(ctx, inventory.Staff(1), store.ID, k.ID, inventory.SetInput{OnHand: &two}); err != nil {
			t.Fatal(err)
		}
		reserving, err := s.inv.Admit(ctx, store.ID, []inventory.Line{{SkuID: k.ID, Quantity: 1}})
		if err != nil {
			t.Fatal(err)
		}
		defer reserving.Done(false)
		a := db.Client.Shopper.Create().SetOpenid("o-gate-a").SaveX(ctx)
		b := db.Client.Shopper.Create().SetOpenid("o-gate-b").SaveX(ctx)

		// Hold both shoppers' locks (on SQLite, the database's write lock).
		locked, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			held <- storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
				for _, id := range []int{a.ID, b.ID} {
					if err := storage.LockShopper(ctx, tx, id); err != nil {
						return err
					}
				}
				close(locked)
				<-release
				return nil
			})
		}()
		<-locked
		wrong := int64(1) // the unit costs 100
		answers := make(chan error, 2)
		for _, shopper := range []int{a.ID, b.ID} {
			go func() {
				_, err := s.Create(ctx, shopper, "gate", CreateInput{StoreID: store.ID, Fulfilment: "pickup",
					Items: []LineInput{{SkuID: k.ID, Quantity: 1}}, ExpectedPayableFen: &wrong})
				answers <- err
			}()
		}
		for deadline := time.Now().Add(10 * time.Second); s.inv.Waiting() != 1; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d checkouts wait at the gate, want 1 (the other admitted and held)", s.inv.Waiting())
			}
		}
		close(release)
		if err := <-held; err != nil {
			t.Fatal(err)
		}
		for range 2 {
			select {
			case err := <-answers:
				var e *errs.Error
				if !errors.As(err, &e) || e.Code != errs.Conflict || e.Details["reason"] != "price_changed" {
					t.Fatalf("checkout answered %v, want the price_changed conflict", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("a checkout still waits at the gate after the other failed in its transaction")
			}
		}
	})
}
