package orders

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/server/metrics"
	"wemart/server/metrics/metricstest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestTransitionsAreCountedOnceCommitted: a move counts when its
// transaction commits, and a move rolled back never happened.
func TestTransitionsAreCountedOnceCommitted(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		m := metrics.New(metrics.Options{})
		s := newService(t, db, Options{Metrics: m})
		counted := func() float64 {
			rec := httptest.NewRecorder()
			m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			samples, err := metricstest.Parse(rec.Body.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			return samples.Get("wemart_order_transitions_total", "from", "pending_payment", "to", "cancelled")
		}

		sh := db.Client.Shopper.Create().SetOpenid("o-count").SaveX(ctx)
		o := bareOrder(ctx, db, sh.ID, bareStore(ctx, db).ID, "W-COUNT", "k", "h")

		cancel := func(tx *ent.Tx) error {
			fresh, err := tx.Order.Get(ctx, o.ID)
			if err != nil {
				return err
			}
			return s.transition(ctx, tx, fresh, order.StatusCancelled, System, "test", nil)
		}
		boom := errors.New("something later in the transaction failed")
		if err := storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
			if err := cancel(tx); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("rolled back transaction: %v", err)
		}
		if got := counted(); got != 0 {
			t.Fatalf("a rolled back move counted %v", got)
		}
		if db.Client.Order.GetX(ctx, o.ID).Status != order.StatusPendingPayment {
			t.Fatal("the rollback did not undo the move")
		}
		if err := storage.WithTx(ctx, db.Client, cancel); err != nil {
			t.Fatal(err)
		}
		if got := counted(); got != 1 {
			t.Fatalf("a committed move counted %v, want 1", got)
		}
		// The same move again is a conflict and counts nothing.
		if err := storage.WithTx(ctx, db.Client, cancel); err == nil {
			t.Fatal("cancelling a cancelled order succeeded")
		}
		if got := counted(); got != 1 {
			t.Fatalf("a refused move counted: %v", got)
		}
	})
}
