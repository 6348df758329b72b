package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"wemart/ent/order"
	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/wechat/sandbox"
)

// TestLockOrder: on PostgreSQL two transactions that take the same rows in
// opposite orders deadlock, and one of them answers a shopper with 503
// (the chaos run found a checkout killed so: a refund held a stock row and
// waited for a point account that a payment held, which waited for the
// checkout's stock row). Every transaction that writes several of these
// kinds of rows must take them in one order: stock rows, then the store's
// shelf version (a counter), then products, then the chain's shelf
// version, then the shopper's benefits (point accounts, coupons). Triggers record
// the order each transaction wrote them in while the order journeys that
// touch them all run: checkout with a coupon and points, cancel, payment,
// hand-over, partial and full refunds, expiry and a late payment.
func TestLockOrder(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		if db.Dialect != dialect.Postgres {
			t.Skip("row locks are taken per row on PostgreSQL only; SQLite has one writer")
		}
		ctx := context.Background()
		audit(t, db, "stocks", "counters", "products", "point_accounts", "coupons")

		clock := apitest.NewClock(time.Now())
		s := newShop(t, db, apitest.WithClock(clock))
		sb := s.h.App.WeChat.Sandbox
		tok := s.shopper.Token
		// Points to spend: an order paid and handed over (¥38.70: 38 points).
		a := s.mustOrder(s.milk, 3)
		s.pay(a.Payment.prepayID(), true)
		s.handOver(s.wantStatus(a.Order.ID, order.StatusPaid))
		five := s.template(map[string]any{"name": "满10减5", "discount_fen": 500, "min_spend_fen": 1000,
			"total": 10, "per_shopper": 3, "valid_days": 7})
		withBenefits := func(c int) map[string]any {
			return map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "items": lines(s.milk, 1, s.bread, 1),
				"coupon_id": c, "points": 10}
		}
		// One loaf left: each order below takes the last one and gives it
		// back, so the store's availability flips in each transaction.
		s.setStock(s.bread, 1)
		// Checkout with a coupon and points, then cancelled: both come back.
		c := s.claim(tok, five)
		var b checkoutAnswer
		s.checkout(tok, withBenefits(c)).OK(http.StatusCreated, &b)
		s.h.Do("POST", apitest.Path("/api/v1/orders/%d/cancel", b.Order.ID), tok, nil).OK(http.StatusOK, nil)
		// Paid (coupon used, points earned), refunded in part, then in full.
		s.checkout(tok, withBenefits(c)).OK(http.StatusCreated, &b)
		s.pay(b.Payment.prepayID(), true)
		s.wantStatus(b.Order.ID, order.StatusPaid)
		s.staffRefund(b.Order.ID, []map[string]int{{"order_item_id": b.Order.Items[lineOf(b.Order, s.milk)].ID, "quantity": 1}},
			order.StatusPaid)
		s.staffRefund(b.Order.ID, nil, order.StatusRefunded)
		// Expired while WeChat Pay could not close it, then paid after all.
		s.checkout(tok, withBenefits(c)).OK(http.StatusCreated, &b)
		clock.Advance(past)
		sb.Fail(sandbox.OpQuery, 1, 500, "SYSTEM_ERROR")
		sb.Fail(sandbox.OpClose, 2, 500, "SYSTEM_ERROR")
		s.sweep()
		s.wantStatus(b.Order.ID, order.StatusCancelled)
		s.pay(b.Payment.prepayID(), true)
		s.wantStatus(b.Order.ID, order.StatusPaid)

		rows, err := db.SQL.QueryContext(ctx, `SELECT tx, string_agg(tbl, ' ' ORDER BY seq) FROM lock_audit GROUP BY tx`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		// The store's shelf version comes after its stock rows; the chain's
		// (written by catalogue changes, after their products) after
		// products. Other counters are not in these transactions.
		rankOf := func(tbl string) (int, bool) {
			r, ok := map[string]int{"stocks": 0, "products": 2, "counters:shelves": 3, "point_accounts": 4, "coupons": 4}[tbl]
			if strings.HasPrefix(tbl, "counters:shelves:") {
				return 1, true
			}
			return r, ok
		}
		mixed, flips := 0, 0
		for rows.Next() {
			var tx int64
			var seq string
			if err := rows.Scan(&tx, &seq); err != nil {
				t.Fatal(err)
			}
			kinds := map[int]bool{}
			last, lastTbl := -1, ""
			for _, tbl := range strings.Fields(seq) {
				r, ok := rankOf(tbl)
				if !ok {
					continue
				}
				kinds[r] = true
				if r < last {
					t.Errorf("transaction %d wrote %s after %s: %s", tx, tbl, lastTbl, seq)
				}
				last, lastTbl = r, tbl
			}
			if kinds[0] && kinds[4] {
				mixed++
			}
			if kinds[0] && kinds[1] {
				flips++
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		// Checkouts, cancel, expiry, payments and refunds: each wrote stock
		// and benefits, or the journeys above did not run as meant.
		if mixed < 7 || flips < 6 {
			t.Errorf("%d transactions wrote both stock and benefits (want at least 7), %d stock and the shelf version (want at least 6)",
				mixed, flips)
		}
	})
}

// audit records, per transaction, the order rows of tables were written in
// (lock_audit: tx, seq, tbl).
func audit(t *testing.T, db *storage.DB, tables ...string) {
	t.Helper()
	stmts := []string{
		`CREATE TABLE lock_audit (seq bigserial PRIMARY KEY, tx bigint NOT NULL, tbl text NOT NULL)`,
		`CREATE FUNCTION lock_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN INSERT INTO lock_audit (tx, tbl) VALUES (txid_current(), TG_TABLE_NAME); RETURN NULL; END $$`,
		// A counter is recorded with its key: counters:<id>.
		`CREATE FUNCTION lock_audit_counter() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN INSERT INTO lock_audit (tx, tbl) VALUES (txid_current(), 'counters:' || NEW.id); RETURN NULL; END $$`,
	}
	for _, tbl := range tables {
		fn := "lock_audit"
		if tbl == "counters" {
			fn = "lock_audit_counter"
		}
		stmts = append(stmts, fmt.Sprintf(`CREATE TRIGGER lock_audit AFTER INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION %s()`, tbl, fn))
	}
	for _, q := range stmts {
		if _, err := db.SQL.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
