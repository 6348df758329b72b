package orders

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/refund"
	"wemart/server/errs"
	"wemart/server/members"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestCheckoutReadsNoHistory: the read a checkout makes of the shopper
// (shopperLimits: her key, unpaid orders, orders of the last minute, the
// store, and her member standing) reaches her orders and refunds through
// an index bounded by what it counts, never by scanning every order she
// ever placed or every refund of the chain: a loyal shopper's checkout
// costs what a new one's does. Checked in each engine's plan of the very
// statement a checkout runs, on a chain with two years of history
// (PostgreSQL's planner after ANALYZE, as autovacuum leaves it; SQLite's
// without statistics, as a database that was never seeded is), and for
// what the read finds.
func TestCheckoutReadsNoHistory(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		m := members.New(db.Client, []byte("k"), func() time.Time { return now }, members.Rules{})
		if _, err := m.Levels(ctx); err != nil { // the default levels
			t.Fatal(err)
		}
		s := newService(t, db, Options{Benefits: Benefits{Members: m}})
		st := bareStore(ctx, db)
		loyal := db.Client.Shopper.Create().SetOpenid("o-loyal").SaveX(ctx)
		busy := db.Client.Shopper.Create().SetOpenid("o-busy").SaveX(ctx)
		// The loyal shopper: an order a day for two years, every tenth
		// refunded; another shopper with three times as many, all refunded.
		var want members.StandingColumns
		history := func(sh *ent.Shopper, n int, refundEvery int, tally bool) {
			for from := 0; from < n; from += 400 {
				rows := make([]*ent.OrderCreate, 0, 400)
				for i := from; i < min(n, from+400); i++ {
					at := now.Add(-time.Duration(i) * 24 * time.Hour / time.Duration(max(1, n/730)))
					rows = append(rows, db.Client.Order.Create().SetOrderNo(fmt.Sprintf("H%d-%d", sh.ID, i)).
						SetShopperID(sh.ID).SetStoreID(st.ID).SetFulfilment(order.FulfilmentPickup).SetStatus(order.StatusCompleted).
						SetGoodsFen(1000).SetPayableFen(1000).SetIdempotencyKey(fmt.Sprintf("h-%d", i)).SetRequestHash("h").
						SetExpiresAt(at).SetCreatedAt(at).SetUpdatedAt(at).SetPaidAt(at))
				}
				placed := db.Client.Order.CreateBulk(rows...).SaveX(ctx)
				var refunds []*ent.RefundCreate
				for i, o := range placed {
					if (from+i)%refundEvery != 0 {
						continue
					}
					refunds = append(refunds, db.Client.Refund.Create().SetOrderID(o.ID).SetOutRefundNo("R"+o.OrderNo).
						SetAmountFen(300).SetInitiator(refund.InitiatorShopper).SetStatus(refund.StatusSucceeded))
					if tally && !o.PaidAt.Before(now.Add(-365*24*time.Hour)) {
						want.RefundedFen += 300
					}
				}
				db.Client.Refund.CreateBulk(refunds...).ExecX(ctx)
				for _, o := range placed {
					if tally && !o.PaidAt.Before(now.Add(-365*24*time.Hour)) {
						want.PaidFen += o.PayableFen
					}
				}
			}
		}
		history(loyal, 730, 10, true)
		history(busy, 2190, 1, false)
		bareOrder(ctx, db, loyal.ID, st.ID, "OPEN-1", "open-key", "h") // unpaid, placed now
		// Unpaid orders of other shoppers (a sale going on): a chain's
		// unpaid orders are many, not a handful a planner would read all of.
		var unpaid []*ent.OrderCreate
		for i := range 300 {
			unpaid = append(unpaid, db.Client.Order.Create().SetOrderNo(fmt.Sprintf("U%d", i)).SetShopperID(busy.ID).SetStoreID(st.ID).
				SetFulfilment(order.FulfilmentPickup).SetGoodsFen(100).SetPayableFen(100).SetIdempotencyKey(fmt.Sprintf("u-%d", i)).
				SetRequestHash("h").SetExpiresAt(now.Add(time.Hour)))
		}
		db.Client.Order.CreateBulk(unpaid...).ExecX(ctx)
		if db.Dialect == "postgres" {
			if _, err := db.SQL.ExecContext(ctx, "ANALYZE"); err != nil {
				t.Fatal(err)
			}
		}

		since := now.Add(-time.Minute)
		query, args, err := s.limitsStatement(loyal.ID, st.ID, "open-key", since)
		if err != nil {
			t.Fatal(err)
		}
		plan := explain(t, ctx, db, query, args)
		t.Logf("plan:\n%s", plan)
		for _, bad := range []string{"SCAN orders", "SCAN o\n", "SCAN r\n", "SCAN refunds", "Seq Scan on orders", "Seq Scan on refunds",
			"AUTOMATIC"} {
			if strings.Contains(plan+"\n", bad) {
				t.Errorf("the checkout's read of the shopper %q; plan:\n%s\nquery: %s", bad, plan, query)
			}
		}
		// Every read is bounded by what it counts: the index's range names
		// the time (her orders of the last minute; those paid in the level
		// window, directly and for their refunds), the key or the status,
		// never the shopper alone with the rest filtered.
		ranges := map[string]int{ // SQLite's plan line: how many
			"order_shopper_id_idempotency_key (shopper_id=? AND idempotency_key=?)": 1,
			"order_shopper_id_status (shopper_id=? AND status=?)":                   1,
			"order_shopper_id_created_at (shopper_id=? AND created_at>?)":           1,
			"order_shopper_id_paid_at (shopper_id=? AND paid_at>?)":                 2,
			"refund_order_id (order_id=?)":                                          1,
		}
		count := func(s string) int { return strings.Count(plan, s) }
		if db.Dialect == "postgres" {
			// The index conditions, whatever the scan: one line each. Her
			// orders' ranges start with her (an index on status alone
			// would read every unpaid order of the chain); her refunds'
			// with the order.
			var conds []string
			for _, l := range strings.Split(plan, "\n") {
				if l = strings.TrimSpace(l); strings.HasPrefix(l, "Index Cond:") {
					conds = append(conds, l)
				}
			}
			ranges = map[string]int{"idempotency_key =": 1, "(status = ": 1, "created_at >": 1, "paid_at >=": 2, "order_id = o.id": 1}
			count = func(s string) int {
				n := 0
				for _, c := range conds {
					if strings.Contains(c, s) && (s == "order_id = o.id" || strings.Contains(c, "shopper_id = ")) {
						n++
					}
				}
				return n
			}
		}
		for r, want := range ranges {
			if got := count(r); got < want {
				t.Errorf("the plan reads %d index ranges %q, want %d:\n%s", got, r, want, plan)
			}
		}

		// And it reads what it should.
		var rows []limitsRow
		res, err := db.SQL.QueryContext(ctx, query, args...)
		if err != nil {
			t.Fatal(err)
		}
		if err := entsql.ScanSlice(res, &rows); err != nil {
			t.Fatal(err)
		}
		res.Close()
		if len(rows) != 1 {
			t.Fatalf("%d rows", len(rows))
		}
		r := rows[0]
		if r.Openid != "o-loyal" {
			t.Errorf("openid %q, want the shopper's", r.Openid)
		}
		version := db.Client.Store.GetX(ctx, st.ID).Version
		if r.Used != 1 || r.Open != 1 || r.Recent != 2 || r.Live == nil || *r.Live != version {
			t.Errorf("used %d, open %d, recent %d, live %v; want 1, 1, 2 (the unpaid order and today's), the store's version %d",
				r.Used, r.Open, r.Recent, r.Live, version)
		}
		if r.PaidFen != want.PaidFen || r.RefundedFen != want.RefundedFen || r.CounterFen != 0 || r.Points != 0 {
			t.Errorf("standing read %+v; want paid %d, refunded %d", r.StandingColumns, want.PaidFen, want.RefundedFen)
		}
		at, err := r.Standing()
		if err != nil {
			t.Fatal(err)
		}
		direct, err := m.Standing(ctx, loyal.ID) // the member page's separate reads
		if err != nil {
			t.Fatal(err)
		}
		err = storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
			_, _, err := s.shopperLimits(ctx, tx, busy.ID+loyal.ID+1, st.ID, math.MaxInt64, "k", now)
			return err
		})
		if !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("a checkout by a shopper who is not there: %v, want unauthenticated", err)
		}
		if _, err := m.CheckoutStanding(ctx, busy.ID+loyal.ID+1); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("the standing of a shopper who is not there: %v, want unauthenticated", err)
		}
		if at.Level != direct.Level || direct.SpendFen != want.PaidFen-want.RefundedFen {
			t.Errorf("checkout level %+v, member page %+v (spend %d); want the same level at spend %d",
				at.Level, direct.Level, direct.SpendFen, want.PaidFen-want.RefundedFen)
		}
	})
}

// explain is the engine's plan of query, one node a line.
func explain(t *testing.T, ctx context.Context, db *storage.DB, query string, args []any) string {
	t.Helper()
	prefix := "EXPLAIN QUERY PLAN "
	if db.Dialect == "postgres" {
		prefix = "EXPLAIN (COSTS OFF) "
	}
	rows, err := db.SQL.QueryContext(ctx, prefix+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, fmt.Sprint(vals[len(vals)-1])) // SQLite's detail, PostgreSQL's line
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestLimitsStatementIsTheRead: the statement a checkout runs, built once
// with stand-in values, is exactly limitsRead built for her own values,
// with and without members, the level window moving with the clock.
func TestLimitsStatementIsTheRead(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		now := time.Date(2026, 12, 3, 15, 4, 5, 6, time.UTC)
		m := members.New(db.Client, []byte("k"), func() time.Time { return now }, members.Rules{})
		for _, opt := range []Options{{Benefits: Benefits{Members: m}}, {}} {
			s := newService(t, db, opt)
			for _, c := range []struct {
				shopper, store int
				key            string
				since          time.Time
			}{{1, 2, "k-1", now.Add(-time.Minute)}, {42, 42, "", now}, {7, 9, "\x00wemart:limits:key2", now.Add(time.Hour)}} {
				now = now.Add(25 * time.Hour) // the window starts later each time
				query, args, err := s.limitsStatement(c.shopper, c.store, c.key, c.since)
				if err != nil {
					t.Fatal(err)
				}
				window := time.Time{}
				if opt.Benefits.Members != nil {
					window = m.WindowStart()
				}
				shoppers := entsql.Table("shoppers")
				q := entsql.Dialect(db.Dialect).Select().From(shoppers).Where(entsql.EQ(shoppers.C("id"), c.shopper))
				s.limitsRead(c.shopper, c.store, c.key, c.since, window)(q)
				wantQuery, wantArgs := q.Query()
				if query != wantQuery || fmt.Sprint(args) != fmt.Sprint(wantArgs) {
					t.Errorf("members %v, %+v:\nran   %s %v\nbuilt %s %v", opt.Benefits.Members != nil, c, query, args, wantQuery, wantArgs)
				}
			}
		}
	})
}
