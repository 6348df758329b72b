package orders

import (
	"context"
	"fmt"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/payment"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestWritePrepaysAtTheLimit: one shared write of sharedPrepays prepay_ids
// (padded with repeats, as the batch pads) stores each payment's own
// prepay_id and the earliest prepay's expiry, and leaves alone a payment
// that was paid meanwhile and one nobody asked for.
func TestWritePrepaysAtTheLimit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newService(t, db, Options{})
		shopper := db.Client.Shopper.Create().SetOpenid("o-prepays").SaveX(ctx)
		store := bareStore(ctx, db)
		pay := func(i int) *ent.Payment {
			o := bareOrder(ctx, db, shopper.ID, store.ID, fmt.Sprintf("P-%d", i), fmt.Sprintf("k%d", i), "h")
			return db.Client.Payment.Create().SetOrderID(o.ID).SetOutTradeNo(o.OrderNo).SetAmountFen(100).
				SetPayerOpenid("o-prepays").SaveX(ctx)
		}
		base := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		var asked []prepaid
		payments := map[int]string{}
		for i := range sharedPrepays - 3 {
			p := pay(i)
			id := fmt.Sprintf("wx-prepay-%d", i)
			payments[p.ID] = id
			// The earliest is not the first: the write takes the least.
			asked = append(asked, prepaid{payment: p.ID, prepay: id, at: base.Add(time.Duration(5-i%7) * time.Millisecond)})
		}
		paid := pay(1000)
		db.Client.Payment.UpdateOne(paid).SetStatus(payment.StatusPaid).ExecX(ctx)
		asked = append(asked, prepaid{payment: paid.ID, prepay: "wx-late", at: base})
		untouched := pay(1001)
		for len(asked) < sharedPrepays {
			asked = append(asked, asked[len(asked)-1])
		}
		got, err := s.writePrepays(ctx, struct{}{}, asked)
		if err != nil {
			t.Fatal(err)
		}
		wantExpiry := base.Add(-time.Millisecond).Add(prepayLife)
		for _, it := range asked {
			if e, ok := got[it]; !ok || !e.Equal(wantExpiry) {
				t.Fatalf("%+v answered %v %v, want %v", it, e, ok, wantExpiry)
			}
		}
		for id, prepay := range payments {
			p := db.Client.Payment.GetX(ctx, id)
			if p.PrepayID == nil || *p.PrepayID != prepay || p.PrepayExpiresAt == nil || !p.PrepayExpiresAt.Equal(wantExpiry) {
				t.Fatalf("payment %d: prepay %v expiring %v, want %s expiring %v", id, p.PrepayID, p.PrepayExpiresAt, prepay, wantExpiry)
			}
		}
		for _, p := range []*ent.Payment{paid, untouched} {
			if p = db.Client.Payment.GetX(ctx, p.ID); p.PrepayID != nil || p.PrepayExpiresAt != nil {
				t.Fatalf("payment %d (%s) got a prepay (%v) expiring %v", p.ID, p.Status, p.PrepayID != nil, p.PrepayExpiresAt)
			}
		}
	})
}
