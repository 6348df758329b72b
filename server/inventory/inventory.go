// Package inventory keeps per-store stock of each SKU: on_hand (units in the
// store), reserved (promised to orders) and available = on_hand - reserved.
// Every change is a conditional UPDATE (compare-and-set, never
// read-modify-write) plus a ledger row (StockMovement) in the same
// transaction, so the ledger always replays to the stock. This package is
// the one writer of stock and its ledger: a seed opens stock through Open.
// Before its transaction a checkout passes Admit: a shared fresh read that
// refuses what is already short, and a per-process gate that keeps a rush
// of checkouts from running transactions the compare-and-set would refuse.
package inventory

import (
	"context"
	"time"

	"entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/predicate"
	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/ent/stock"
	"wemart/ent/stockmovement"
	"wemart/ent/store"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/indexer"
	"wemart/server/shelfver"
	"wemart/server/storage"
)

// MaxUnits bounds any stock quantity or change.
const MaxUnits = 1_000_000_000

// casRetries bounds how often a compare-and-set is retried when another
// transaction changed the row between our read and our write.
const casRetries = 20

// Service manages stock.
type Service struct {
	client  *ent.Client
	dialect string
	// available shares Admit's reads among concurrent checkouts of a store.
	available *storage.Batch[int, int, int64]
	// gate counts the units this process's admitted checkouts are reserving.
	gate gate
}

// New returns a Service on db.
func New(db *storage.DB) *Service {
	s := &Service{client: db.Client, dialect: db.Dialect, gate: gate{recheck: defaultRecheck, patience: defaultPatience, knownFor: defaultKnownFor}}
	s.available = storage.NewBatch(sharedReadTimeout, sharedReadSKUs, s.readAvailable)
	return s
}

// Actor is who caused a stock change, for the ledger.
type Actor struct {
	Type stockmovement.ActorType
	ID   *int
}

// Staff is the Actor for a staff member.
func Staff(id int) Actor { return Actor{Type: stockmovement.ActorTypeStaff, ID: &id} }

// Level is one SKU's stock at one store.
type Level struct {
	StoreID           int
	SkuID             int
	OnHand            int64
	Reserved          int64
	Available         int64
	LowStockThreshold int64
	// PriceFen is the store's own price of the SKU; nil: the chain price applies.
	PriceFen  *int64
	UpdatedAt time.Time
}

func levelOf(st *ent.Stock) Level {
	return Level{
		StoreID: st.StoreID, SkuID: st.SkuID, OnHand: st.OnHand, Reserved: st.Reserved,
		Available: st.OnHand - st.Reserved, LowStockThreshold: st.LowStockThreshold, PriceFen: st.PriceFen, UpdatedAt: st.UpdatedAt,
	}
}

// Get returns the stock of skuID at storeID; a SKU the store never stocked has
// zero of everything.
func (s *Service) Get(ctx context.Context, storeID, skuID int) (_ Level, err error) {
	defer errs.Op(&err, "inventory.Get")
	if err := checkRefs(ctx, s.client, storeID, skuID); err != nil {
		return Level{}, err
	}
	st, err := s.client.Stock.Query().Where(stock.StoreID(storeID), stock.SkuID(skuID)).Only(ctx)
	if ent.IsNotFound(err) {
		return Level{StoreID: storeID, SkuID: skuID, LowStockThreshold: defaultThreshold}, nil
	}
	if err != nil {
		return Level{}, err
	}
	return levelOf(st), nil
}

// defaultThreshold mirrors the schema default of low_stock_threshold.
const defaultThreshold = 5

// SetInput is a stock count: the new on_hand, optionally a new low-stock
// threshold, and why.
type SetInput struct {
	OnHand            *int64 `json:"on_hand"`
	LowStockThreshold *int64 `json:"low_stock_threshold"`
	Reason            string `json:"reason"`
}

// Set records that skuID at storeID has in.OnHand units. Units reserved for
// orders are part of on_hand, so on_hand may not go below reserved.
func (s *Service) Set(ctx context.Context, by Actor, storeID, skuID int, in SetInput) (_ Level, err error) {
	defer errs.Op(&err, "inventory.Set")
	defer s.gate.forget(storeID, skuID) // units may have gone: Admit reads them again
	var c check.Checker
	if in.OnHand == nil {
		c.Fail("on_hand", "is required")
	} else {
		c.Int("on_hand", *in.OnHand, 0, MaxUnits)
	}
	if in.LowStockThreshold != nil {
		c.Int("low_stock_threshold", *in.LowStockThreshold, 0, MaxUnits)
	}
	c.Text("reason", in.Reason, false, 200)
	if err := c.Err(); err != nil {
		return Level{}, err
	}
	reason := in.Reason
	if reason == "" {
		reason = "stock count"
	}
	var out Level
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		cur, err := row(ctx, tx.Client(), storeID, skuID)
		if err != nil {
			return err
		}
		for range casRetries {
			if cur.Reserved > *in.OnHand {
				return errs.E(errs.Conflict, "on_hand cannot go below the %d units reserved for orders", cur.Reserved).
					With("reserved", cur.Reserved)
			}
			upd := tx.Stock.Update().
				Where(stock.ID(cur.ID), stock.OnHand(cur.OnHand), stock.ReservedLTE(*in.OnHand)).
				SetOnHand(*in.OnHand)
			if in.LowStockThreshold != nil {
				upd.SetLowStockThreshold(*in.LowStockThreshold)
			}
			n, err := upd.Save(ctx)
			if err != nil {
				return err
			}
			if n == 1 {
				after, err := tx.Stock.Get(ctx, cur.ID)
				if err != nil {
					return err
				}
				out = levelOf(after)
				return record(ctx, tx, by, after, stockmovement.KindSet, after.OnHand-cur.OnHand, 0, reason)
			}
			if cur, err = tx.Stock.Get(ctx, cur.ID); err != nil {
				return err
			}
		}
		return errs.E(errs.Conflict, "stock of SKU %d at store %d is changing too fast; try again", skuID, storeID)
	})
	return out, err
}

// AdjustInput is a change of on_hand by Delta units (a delivery, breakage,
// a found box), with a required reason.
type AdjustInput struct {
	Delta  *int64 `json:"delta"`
	Reason string `json:"reason"`
}

// Adjust adds in.Delta (which may be negative) to on_hand. It may not take
// on_hand below zero or below the units reserved for orders.
func (s *Service) Adjust(ctx context.Context, by Actor, storeID, skuID int, in AdjustInput) (_ Level, err error) {
	defer errs.Op(&err, "inventory.Adjust")
	defer s.gate.forget(storeID, skuID) // units may have gone: Admit reads them again
	var c check.Checker
	switch {
	case in.Delta == nil:
		c.Fail("delta", "is required")
	case *in.Delta == 0:
		c.Fail("delta", "must not be zero")
	default:
		c.Int("delta", *in.Delta, -MaxUnits, MaxUnits)
	}
	c.Text("reason", in.Reason, true, 200)
	if err := c.Err(); err != nil {
		return Level{}, err
	}
	d := *in.Delta
	var out Level
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		cur, err := row(ctx, tx.Client(), storeID, skuID)
		if err != nil {
			return err
		}
		n, err := tx.Stock.Update().
			Where(stock.ID(cur.ID), onHandPlusAtLeastReserved(d)).
			AddOnHand(d).Save(ctx)
		if err != nil {
			return err
		}
		// The row is ours until commit now (or, on a miss, this re-read shows why).
		after, err := tx.Stock.Get(ctx, cur.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.Conflict, "on_hand %d%+d would fall below the %d units reserved for orders",
				after.OnHand, d, after.Reserved).With("on_hand", after.OnHand).With("reserved", after.Reserved)
		}
		out = levelOf(after)
		return record(ctx, tx, by, after, stockmovement.KindAdjust, d, 0, in.Reason)
	})
	return out, err
}

// onHandPlusAtLeastReserved is "on_hand + d >= reserved": the adjusted stock
// still covers every reservation (and so is not negative).
func onHandPlusAtLeastReserved(d int64) predicate.Stock {
	return func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) {
			b.Ident(stock.FieldOnHand).WriteString(" + ").Arg(d).WriteString(" >= ").Ident(stock.FieldReserved)
		}))
	}
}

// row returns the stock row of (storeID, skuID), creating an empty one if the
// store never stocked the SKU. Both must exist and not be deleted.
func row(ctx context.Context, client *ent.Client, storeID, skuID int) (*ent.Stock, error) {
	if err := checkRefs(ctx, client, storeID, skuID); err != nil {
		return nil, err
	}
	// ON CONFLICT DO NOTHING: two first-time counts of the same SKU both succeed.
	err := client.Stock.Create().SetStoreID(storeID).SetSkuID(skuID).
		OnConflictColumns(stock.FieldStoreID, stock.FieldSkuID).DoNothing().Exec(ctx)
	if err != nil && !storage.Skipped(err) {
		return nil, err
	}
	return client.Stock.Query().Where(stock.StoreID(storeID), stock.SkuID(skuID)).Only(ctx)
}

func checkRefs(ctx context.Context, client *ent.Client, storeID, skuID int) error {
	ok, err := client.Store.Query().Where(store.ID(storeID), store.DeletedAtIsNil()).Exist(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.NotFound, "no store %d", storeID)
	}
	ok, err = client.Sku.Query().Where(sku.ID(skuID), sku.DeletedAtIsNil(),
		sku.HasProductWith(product.DeletedAtIsNil())).Exist(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.NotFound, "no SKU %d", skuID)
	}
	return nil
}

// record writes the ledger row of a change whose result is after, and, when
// the change made the SKU available or unavailable at the store, tells the
// search index (availability at a store is a search filter) and moves the
// store's shelf version.
func record(ctx context.Context, tx *ent.Tx, by Actor, after *ent.Stock, kind stockmovement.Kind, dOnHand, dReserved int64, reason string) error {
	if flipped(after.OnHand, after.Reserved, dOnHand, dReserved) {
		k, err := tx.Sku.Get(ctx, after.SkuID)
		if err != nil {
			return err
		}
		if err := indexer.Enqueue(ctx, tx.Client(), k.ProductID); err != nil {
			return err
		}
		if err := shelfver.BumpStore(ctx, tx.Client(), after.StoreID); err != nil {
			return err
		}
	}
	return tx.StockMovement.Create().
		SetStoreID(after.StoreID).SetSkuID(after.SkuID).SetKind(kind).
		SetDeltaOnHand(dOnHand).SetDeltaReserved(dReserved).
		SetOnHandAfter(after.OnHand).SetReservedAfter(after.Reserved).
		SetReason(reason).SetActorType(by.Type).SetNillableActorID(by.ID).
		Exec(ctx)
}

// flipped reports whether a change by dOnHand/dReserved that left a row at
// onHand/reserved made the SKU available or unavailable at its store
// (availability at a store is a search filter, so the index must hear).
func flipped(onHand, reserved, dOnHand, dReserved int64) bool {
	before := (onHand - dOnHand) - (reserved - dReserved)
	return (before > 0) != (onHand-reserved > 0)
}
