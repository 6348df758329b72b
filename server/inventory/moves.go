package inventory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/stock"
	"wemart/ent/stockmovement"
	"wemart/server/errs"
	"wemart/server/indexer"
	"wemart/server/shelfver"
)

// Line is a quantity of one SKU that an order takes or gives back.
type Line struct {
	SkuID     int
	ProductID int // for the search index when availability flips
	Quantity  int64
}

// Shopper is the Actor for a shopper; System for wemart itself (expiry,
// payment notifications).
func Shopper(id int) Actor { return Actor{Type: stockmovement.ActorTypeShopper, ID: &id} }

// System is wemart acting on its own (an expiry, a payment notification).
var System = Actor{Type: stockmovement.ActorTypeSystem}

// move is one kind of order-driven stock change: how on_hand and reserved
// change by n units, and the condition the row must meet first.
type move struct {
	kind      stockmovement.Kind
	onHand    int64                        // multiplied by n
	reserved  int64                        // multiplied by n
	condition func(n int64) *sql.Predicate // nil: the row only has to exist
	short     errs.Code                    // the error when the condition fails
}

// availableAtLeast is "on_hand - reserved >= n".
func availableAtLeast(n int64) *sql.Predicate {
	return sql.P(func(b *sql.Builder) {
		b.Ident(stock.FieldOnHand).WriteString(" - ").Ident(stock.FieldReserved).WriteString(" >= ").Arg(n)
	})
}

// reservedAtLeast is "reserved >= n".
func reservedAtLeast(n int64) *sql.Predicate { return sql.GTE(stock.FieldReserved, n) }

var (
	// reserve promises units to an unpaid order: only units still available.
	reserve = move{stockmovement.KindReserve, 0, +1, availableAtLeast, errs.OutOfStock}
	// release gives an unpaid order's units back.
	release = move{stockmovement.KindRelease, 0, -1, reservedAtLeast, errs.Internal}
	// sell takes a paid order's reserved units out of on_hand.
	sell = move{stockmovement.KindSell, -1, -1, reservedAtLeast, errs.Internal}
	// sellAvailable sells units that were not reserved (a payment that arrived
	// after its order expired): only while they are still available.
	sellAvailable = move{stockmovement.KindSell, -1, 0, availableAtLeast, errs.OutOfStock}
	// restock puts refunded units that never left the store back on the shelf.
	restock = move{stockmovement.KindRestock, +1, 0, nil, errs.Internal}
)

// Reserve promises the lines' units at storeID to orderID inside tx: one
// conditional UPDATE per SKU (available >= n), SKUs in ascending id order so
// concurrent checkouts never deadlock, a ledger row for each. The first line
// short of stock fails the whole call with out_of_stock naming the SKU;
// the caller rolls the transaction back, so nothing stays reserved.
func (s *Service) Reserve(ctx context.Context, tx *ent.Tx, by Actor, storeID, orderID int, lines []Line) (err error) {
	defer errs.Op(&err, "inventory.Reserve")
	return s.apply(ctx, tx, by, storeID, orderID, lines, reserve, "order placed")
}

// Release gives an unpaid order's reservation back (cancelled or expired).
func (s *Service) Release(ctx context.Context, tx *ent.Tx, by Actor, storeID, orderID int, lines []Line, reason string) (err error) {
	defer errs.Op(&err, "inventory.Release")
	return s.apply(ctx, tx, by, storeID, orderID, lines, release, reason)
}

// Sell takes a paid order's reserved units out of on_hand.
func (s *Service) Sell(ctx context.Context, tx *ent.Tx, by Actor, storeID, orderID int, lines []Line) (err error) {
	defer errs.Op(&err, "inventory.Sell")
	return s.apply(ctx, tx, by, storeID, orderID, lines, sell, "order paid")
}

// SellAvailable sells units that were never (or are no longer) reserved, for
// a payment that arrived after its order was cancelled: out_of_stock when
// the store no longer has them.
func (s *Service) SellAvailable(ctx context.Context, tx *ent.Tx, by Actor, storeID, orderID int, lines []Line, reason string) (err error) {
	defer errs.Op(&err, "inventory.SellAvailable")
	return s.apply(ctx, tx, by, storeID, orderID, lines, sellAvailable, reason)
}

// Restock puts refunded units that never left the store back into on_hand.
func (s *Service) Restock(ctx context.Context, tx *ent.Tx, by Actor, storeID, orderID int, lines []Line, reason string) (err error) {
	defer errs.Op(&err, "inventory.Restock")
	return s.apply(ctx, tx, by, storeID, orderID, lines, restock, reason)
}

// apply runs m for every line, in SKU order, and writes the ledger rows in
// one batch.
func (s *Service) apply(ctx context.Context, tx *ent.Tx, by Actor, storeID, orderID int, lines []Line, m move, reason string) error {
	lines = slices.Clone(lines)
	slices.SortFunc(lines, func(a, b Line) int { return cmp.Compare(a.SkuID, b.SkuID) })
	client := tx.Client()
	now := time.Now().UTC()
	ledger := make([]*ent.StockMovementCreate, 0, len(lines))
	left := make(map[int]int64, len(lines)) // SKU → units available after the move
	flips := false                          // some SKU became available or unavailable
	for _, l := range lines {
		if l.Quantity <= 0 || l.Quantity > MaxUnits {
			return fmt.Errorf("inventory: quantity %d of SKU %d is out of range", l.Quantity, l.SkuID)
		}
		dOnHand, dReserved := m.onHand*l.Quantity, m.reserved*l.Quantity
		where := []*sql.Predicate{sql.EQ(stock.FieldStoreID, storeID), sql.EQ(stock.FieldSkuID, l.SkuID)}
		if m.condition != nil {
			where = append(where, m.condition(l.Quantity))
		}
		upd := sql.Dialect(s.dialect).Update(stock.Table).Set(stock.FieldUpdatedAt, now)
		if dOnHand != 0 {
			upd.Add(stock.FieldOnHand, dOnHand)
		}
		if dReserved != 0 {
			upd.Add(stock.FieldReserved, dReserved)
		}
		q, args := upd.Where(sql.And(where...)).Returning(stock.FieldOnHand, stock.FieldReserved).Query()
		onHand, reserved, found, err := returning(ctx, client, q, args)
		if err != nil {
			return fmt.Errorf("inventory: %s SKU %d at store %d: %w", m.kind, l.SkuID, storeID, err)
		}
		if !found {
			s.gate.forget(storeID, l.SkuID) // short: Admit reads it again
			return s.short(ctx, client, m, storeID, l)
		}
		left[l.SkuID] = onHand - reserved
		if flipped(onHand, reserved, dOnHand, dReserved) {
			flips = true
			if err := indexer.Enqueue(ctx, client, l.ProductID); err != nil {
				return err
			}
		}
		c := client.StockMovement.Create().
			SetStoreID(storeID).SetSkuID(l.SkuID).SetKind(m.kind).
			SetDeltaOnHand(dOnHand).SetDeltaReserved(dReserved).
			SetOnHandAfter(onHand).SetReservedAfter(reserved).
			SetReason(reason).SetActorType(by.Type).SetNillableActorID(by.ID).
			SetCreatedAt(now)
		if orderID != 0 {
			c.SetOrderID(orderID)
		}
		ledger = append(ledger, c)
	}
	// The store's shelf version after all its stock rows, never between
	// them (the lock order: stock rows, then this counter).
	if flips {
		if err := shelfver.BumpStore(ctx, client, storeID); err != nil {
			return err
		}
	}
	if err := client.StockMovement.CreateBulk(ledger...).Exec(ctx); err != nil {
		return err
	}
	// Once committed, the units left are what this process's admission
	// gate knows of the SKUs (exact then: the move held the rows).
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			err := next.Commit(ctx, tx)
			if err == nil {
				s.gate.moved(storeID, left, time.Now())
			}
			return err
		})
	})
	return nil
}

// returning runs an UPDATE ... RETURNING on_hand, reserved and reports the
// values, or found = false when no row met the condition.
func returning(ctx context.Context, client *ent.Client, q string, args []any) (onHand, reserved int64, found bool, err error) {
	rows, err := client.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, 0, false, err
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&onHand, &reserved); err != nil {
			return 0, 0, false, err
		}
		found = true
	}
	return onHand, reserved, found, rows.Err()
}

// short explains a line whose condition failed: out of stock (with what is
// left) for reserving and selling, an internal inconsistency otherwise.
func (s *Service) short(ctx context.Context, client *ent.Client, m move, storeID int, l Line) error {
	st, err := client.Stock.Query().Where(stock.StoreID(storeID), stock.SkuID(l.SkuID)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return err
	}
	var available int64
	if st != nil {
		available = st.OnHand - st.Reserved
	}
	if m.short == errs.OutOfStock {
		return OutOfStock(l, available)
	}
	return fmt.Errorf("inventory: cannot %s %d of SKU %d at store %d (stock row: %+v)", m.kind, l.Quantity, l.SkuID, storeID, st)
}

// Shared reads of stock rows: each bounded in time, and in SKUs (a caller
// asking for more reads alone).
const (
	sharedReadTimeout = 5 * time.Second
	sharedReadSKUs    = 256
)

// readAvailable reads on_hand - reserved of skus at storeID; a SKU the
// store has no stock row for is absent.
func (s *Service) readAvailable(ctx context.Context, storeID int, skus []int) (map[int]int64, error) {
	var rows []struct {
		SkuID    int   `json:"sku_id"`
		OnHand   int64 `json:"on_hand"`
		Reserved int64 `json:"reserved"`
	}
	if err := s.client.Stock.Query().Where(stock.StoreID(storeID), stock.SkuIDIn(skus...)).
		Select(stock.FieldSkuID, stock.FieldOnHand, stock.FieldReserved).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make(map[int]int64, len(rows))
	for _, r := range rows {
		out[r.SkuID] = r.OnHand - r.Reserved
	}
	return out, nil
}

// OutOfStock is the out_of_stock error for a line short of stock, with
// what is left (available).
func OutOfStock(l Line, available int64) error {
	return errs.E(errs.OutOfStock, "SKU %d: only %d left at this store, %d wanted", l.SkuID, max(available, 0), l.Quantity).
		With("sku_id", l.SkuID).With("available", max(available, 0)).With("requested", l.Quantity)
}
