package members

import (
	"context"
	"fmt"
	"strconv"

	"entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/countersale"
	"wemart/ent/memberlevel"
	"wemart/ent/order"
	"wemart/ent/pointaccount"
	"wemart/ent/refund"
	"wemart/server/errs"
)

// AtCheckout is what a checkout needs of the shopper's membership: her
// level and the points she has available.
type AtCheckout struct {
	Level Level
	// Points is the available balance (what she may spend).
	Points int64
}

// The columns CheckoutStanding adds to each level row.
const (
	colPaid     = "x_paid_fen"
	colRefunded = "x_refunded_fen"
	colCounter  = "x_counter_fen"
	colPoints   = "x_points"
)

// CheckoutStanding reads the shopper's level and available points in one
// round trip: the levels, each row carrying her spend of the level window
// (the same sums as SpendFen) and her balance (as Balance). It reads
// through client: a checkout's transaction passes its own (tx.Client()),
// so that it never waits for a second pooled connection; nil is the pool.
func (s *Service) CheckoutStanding(ctx context.Context, client *ent.Client, shopperID int) (_ AtCheckout, err error) {
	defer errs.Op(&err, "members.CheckoutStanding")
	if client == nil {
		client = s.client
	}
	since := s.clock().Add(-s.rules.LevelWindow)
	rows, err := client.MemberLevel.Query().Order(ent.Asc(memberlevel.FieldMinSpendFen)).
		Modify(func(q *sql.Selector) {
			orders := sql.Table(order.Table)
			q.AppendSelectExprAs(sql.Select(sumOf(orders.C(order.FieldPayableFen))).From(orders).
				Where(sql.And(sql.EQ(orders.C(order.FieldShopperID), shopperID), sql.GTE(orders.C(order.FieldPaidAt), since))), colPaid)
			refunds, paid := sql.Table(refund.Table).As("r"), sql.Table(order.Table).As("o")
			q.AppendSelectExprAs(sql.Select(sumOf(refunds.C(refund.FieldAmountFen))).From(refunds).
				Join(paid).On(refunds.C(refund.FieldOrderID), paid.C(order.FieldID)).
				Where(sql.And(sql.EQ(refunds.C(refund.FieldStatus), refund.StatusSucceeded),
					sql.EQ(paid.C(order.FieldShopperID), shopperID), sql.GTE(paid.C(order.FieldPaidAt), since))), colRefunded)
			counter := sql.Table(countersale.Table)
			q.AppendSelectExprAs(sql.Select(sumOf(counter.C(countersale.FieldAmountFen))).From(counter).
				Where(sql.And(sql.EQ(counter.C(countersale.FieldShopperID), shopperID), sql.GTE(counter.C(countersale.FieldCreatedAt), since))), colCounter)
			accounts := sql.Table(pointaccount.Table)
			q.AppendSelectExprAs(sql.Select(sumOf(accounts.C(pointaccount.FieldAvailable))).From(accounts).
				Where(sql.EQ(accounts.C(pointaccount.FieldID), shopperID)), colPoints)
		}).All(ctx)
	if err != nil {
		return AtCheckout{}, err
	}
	if len(rows) == 0 {
		// No levels (they are seeded at start and never replaced by none):
		// no level's benefits, and the balance read on its own.
		avail, _, err := balance(ctx, client.PointAccount, shopperID)
		return AtCheckout{Points: avail}, err
	}
	var sums [4]int64
	for i, col := range []string{colPaid, colRefunded, colCounter, colPoints} {
		v, err := rows[0].Value(col)
		if err != nil {
			return AtCheckout{}, err
		}
		if sums[i], err = int64Of(v); err != nil {
			return AtCheckout{}, fmt.Errorf("%s: %w", col, err)
		}
	}
	levels := make([]Level, len(rows))
	for i, l := range rows {
		levels[i] = levelOf(l)
	}
	spend := max(0, sums[0]-sums[1]) + sums[2]
	return AtCheckout{Level: standingIn(levels, spend).Level, Points: sums[3]}, nil
}

// sumOf is the sum of a column as a BIGINT, 0 over no rows.
func sumOf(column string) string { return "CAST(COALESCE(SUM(" + column + "), 0) AS BIGINT)" }

// int64Of is an integer the driver scanned into an any.
func int64Of(v ent.Value) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case int32:
		return int64(n), nil
	case int:
		return int64(n), nil
	case float64:
		return int64(n), nil
	case []byte:
		return strconv.ParseInt(string(n), 10, 64)
	case string:
		return strconv.ParseInt(n, 10, 64)
	case nil:
		return 0, nil
	}
	return 0, fmt.Errorf("not an integer: %T %v", v, v)
}
