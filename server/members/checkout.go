package members

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"wemart/ent/countersale"
	"wemart/ent/memberlevel"
	"wemart/ent/order"
	"wemart/ent/pointaccount"
	"wemart/ent/refund"
	"wemart/ent/shopper"
	"wemart/server/errs"
	"wemart/server/storage"
)

// AtCheckout is what a checkout needs of the shopper's membership: her
// level and the points she has available.
type AtCheckout struct {
	Level Level
	// Points is the available balance (what she may spend).
	Points int64
}

// StandingColumns are the columns AppendStanding adds to a statement: the
// shopper's spend of the level window (the same sums as SpendFen), her
// available points (as Balance) and every level. A checkout embeds it in
// the struct it scans its own read into, so that her standing costs no
// statement of its own.
type StandingColumns struct {
	PaidFen     int64 `json:"x_paid_fen"`
	RefundedFen int64 `json:"x_refunded_fen"`
	CounterFen  int64 `json:"x_counter_fen"`
	Points      int64 `json:"x_points"`
	// Levels is a JSON array of [id, name, min_spend_fen, percent_off,
	// free_delivery (0 or 1)] arrays, in no particular order.
	Levels []byte `json:"x_levels"`
}

// WindowStart is when the level window that counts now began.
func (s *Service) WindowStart() time.Time { return s.clock().Add(-s.rules.LevelWindow) }

// AppendStanding adds StandingColumns for shopperID to q, a statement of
// one row (its dialect picks the JSON functions), for the level window
// that began at since (WindowStart). Each sum reads the shopper's rows of
// the window through an index on (shopper, time): its cost follows what
// she did in the window, never her whole history. Her points are read by
// her account's key, and the levels (a few rows) all.
func (s *Service) AppendStanding(q *sql.Selector, shopperID int, since time.Time) {
	orders := sql.Table(order.Table)
	q.AppendSelectExprAs(sql.Select(sumOf(orders.C(order.FieldPayableFen))).From(orders).
		Where(sql.And(sql.EQ(orders.C(order.FieldShopperID), shopperID), sql.GTE(orders.C(order.FieldPaidAt), since))), "x_paid_fen")
	// Her refunds are found from her orders of the window, one index probe
	// an order (a correlated subquery, which both engines run so), never
	// by reading every succeeded refund of the chain.
	refunds, paid := sql.Table(refund.Table).As("r"), sql.Table(order.Table).As("o")
	// (The status is tested in the sum, not the WHERE: SQLite would
	// otherwise pick the index on status.)
	succeeded := sql.Select(fmt.Sprintf("CAST(COALESCE(SUM(CASE WHEN %s = '%s' THEN %s END), 0) AS BIGINT)",
		refunds.C(refund.FieldStatus), refund.StatusSucceeded, refunds.C(refund.FieldAmountFen)))
	refunded := succeeded.From(refunds).Where(sql.ColumnsEQ(refunds.C(refund.FieldOrderID), paid.C(order.FieldID)))
	q.AppendSelectExprAs(sql.Select().AppendSelectExpr(sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString("CAST(COALESCE(SUM((").Join(refunded).WriteString(")), 0) AS BIGINT)")
	})).From(paid).
		Where(sql.And(sql.EQ(paid.C(order.FieldShopperID), shopperID), sql.GTE(paid.C(order.FieldPaidAt), since))), "x_refunded_fen")
	counter := sql.Table(countersale.Table)
	q.AppendSelectExprAs(sql.Select(sumOf(counter.C(countersale.FieldAmountFen))).From(counter).
		Where(sql.And(sql.EQ(counter.C(countersale.FieldShopperID), shopperID), sql.GTE(counter.C(countersale.FieldCreatedAt), since))), "x_counter_fen")
	accounts := sql.Table(pointaccount.Table)
	q.AppendSelectExprAs(sql.Select(sumOf(accounts.C(pointaccount.FieldAvailable))).From(accounts).
		Where(sql.EQ(accounts.C(pointaccount.FieldID), shopperID)), "x_points")
	levels := sql.Table(memberlevel.Table)
	row := fmt.Sprintf("%s, %s, %s, %s, CASE WHEN %s THEN 1 ELSE 0 END", levels.C(memberlevel.FieldID), levels.C(memberlevel.FieldName),
		levels.C(memberlevel.FieldMinSpendFen), levels.C(memberlevel.FieldPercentOff), levels.C(memberlevel.FieldFreeDelivery))
	agg := "json_group_array(json_array(" + row + "))"
	if q.Dialect() == dialect.Postgres {
		agg = "json_agg(json_build_array(" + row + "))"
	}
	q.AppendSelectExprAs(sql.Select(agg).From(levels), "x_levels")
}

// Standing is the checkout standing StandingColumns read. With no levels
// (they are seeded at start and never replaced by none) she has no
// level's benefits.
func (c StandingColumns) Standing() (AtCheckout, error) {
	var rows [][]json.RawMessage
	if len(c.Levels) > 0 {
		if err := json.Unmarshal(c.Levels, &rows); err != nil {
			return AtCheckout{}, fmt.Errorf("members: the levels read: %w", err)
		}
	}
	levels := make([]Level, 0, len(rows))
	for _, r := range rows {
		var l Level
		var free int
		if len(r) != 5 {
			return AtCheckout{}, fmt.Errorf("members: a level read as %d values", len(r))
		}
		for i, dst := range []any{&l.ID, &l.Name, &l.MinSpendFen, &l.PercentOff, &free} {
			if err := json.Unmarshal(r[i], dst); err != nil {
				return AtCheckout{}, fmt.Errorf("members: a level read: %w", err)
			}
		}
		l.FreeDelivery = free != 0
		levels = append(levels, l)
	}
	slices.SortFunc(levels, func(a, b Level) int { return cmp.Compare(a.MinSpendFen, b.MinSpendFen) })
	spend := max(0, c.PaidFen-c.RefundedFen) + c.CounterFen
	return AtCheckout{Level: standingIn(levels, spend).Level, Points: c.Points}, nil
}

// CheckoutStanding reads the shopper's level and available points in one
// statement, as a quote shows them (a checkout folds AppendStanding into
// its own read, inside its transaction). A shopper who is not there is
// storage.ShopperGone.
func (s *Service) CheckoutStanding(ctx context.Context, shopperID int) (_ AtCheckout, err error) {
	defer errs.Op(&err, "members.CheckoutStanding")
	var rows []StandingColumns
	// The shopper's own row: one row, whatever else the tables hold.
	err = s.client.Shopper.Query().Where(shopper.ID(shopperID)).Modify(func(q *sql.Selector) {
		q.Select()
		s.AppendStanding(q, shopperID, s.WindowStart())
	}).Scan(ctx, &rows)
	if err != nil {
		return AtCheckout{}, err
	}
	if len(rows) == 0 {
		return AtCheckout{}, storage.ShopperGone()
	}
	return rows[0].Standing()
}

// sumOf is the sum of a column as a BIGINT, 0 over no rows.
func sumOf(column string) string { return "CAST(COALESCE(SUM(" + column + "), 0) AS BIGINT)" }
