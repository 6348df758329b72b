// Package cart keeps shoppers' carts: one per shopper and store (a shopper
// shopping in two stores has two carts). A cart line remembers the price the
// shopper last saw; reading the cart prices every line afresh and flags the
// lines that changed price or can no longer be bought as they stand.
package cart

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/cartitem"
	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/ent/stock"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/media"
	"wemart/server/prices"
	"wemart/server/storage"
	"wemart/server/stores"
)

// Limits of a cart.
const (
	MaxLines    = 100
	MaxQuantity = check.MaxLineQuantity
)

// Problems a cart line can have (Line.Problem).
const (
	ProblemRemoved     = "removed"       // the SKU or product was deleted
	ProblemUnlisted    = "unlisted"      // taken off sale
	ProblemNotSoldHere = "not_sold_here" // the store does not stock it
	ProblemSoldOut     = "sold_out"      // none available
	ProblemNotEnough   = "not_enough"    // fewer available than in the cart
)

// Service manages carts.
type Service struct {
	client *ent.Client
	stores *stores.Service
}

// New returns a Service.
func New(client *ent.Client, st *stores.Service) *Service {
	return &Service{client: client, stores: st}
}

// PutInput sets a line of the cart at a store: Quantity 0 removes it.
type PutInput struct {
	StoreID  int   `json:"store_id"`
	SkuID    int   `json:"sku_id"`
	Quantity *int  `json:"quantity"`
	Selected *bool `json:"selected"`
}

// Line is a cart line as it stands now.
type Line struct {
	SkuID     int
	ProductID int
	Title     string
	SkuName   string
	Image     string
	Quantity  int
	Selected  bool
	// PriceFen is the price at the store now (its own, or the chain's);
	// SeenPriceFen the one the shopper saw.
	PriceFen     int64
	SeenPriceFen int64
	// Stock is how many units the store has available.
	Stock int64
	// Problem says why the line cannot be ordered as it stands ("" if it can).
	Problem string
}

// PriceChanged reports whether the price moved since the shopper saw it.
func (l Line) PriceChanged() bool { return l.PriceFen != l.SeenPriceFen }

// Orderable reports whether the line can be ordered as it stands.
func (l Line) Orderable() bool { return l.Problem == "" }

// Cart is a shopper's cart at one store.
type Cart struct {
	StoreID int
	Lines   []Line
	// GoodsFen is the total of the selected, orderable lines.
	GoodsFen int64
	// Selected counts the units on selected, orderable lines.
	Selected int
	// UpdatedAt is when the cart last changed.
	UpdatedAt *time.Time
}

// Put sets the quantity (and optionally the selection) of one SKU in the
// shopper's cart at a store. Raising a quantity beyond what the store has
// available is out_of_stock; lowering one is always allowed.
func (s *Service) Put(ctx context.Context, shopperID int, in PutInput) (_ Cart, err error) {
	defer errs.Op(&err, "cart.Put")
	var c check.Checker
	if in.StoreID <= 0 {
		c.Fail("store_id", "is required (a store id)")
	}
	if in.SkuID <= 0 {
		c.Fail("sku_id", "is required (a SKU id)")
	}
	if in.Quantity == nil {
		c.Fail("quantity", "is required (0 removes the line)")
	} else {
		c.Int("quantity", int64(*in.Quantity), 0, MaxQuantity)
	}
	if err := c.Err(); err != nil {
		return Cart{}, err
	}
	if err := s.checkStore(ctx, in.StoreID); err != nil {
		return Cart{}, err
	}
	if *in.Quantity == 0 {
		if _, err := s.client.CartItem.Delete().Where(cartitem.ShopperID(shopperID), cartitem.StoreID(in.StoreID),
			cartitem.SkuID(in.SkuID)).Exec(ctx); err != nil {
			return Cart{}, err
		}
		return s.Get(ctx, shopperID, in.StoreID)
	}
	k, err := s.client.Sku.Query().Where(sku.ID(in.SkuID), sku.DeletedAtIsNil()).WithProduct().Only(ctx)
	if ent.IsNotFound(err) || (err == nil && k.Edges.Product.DeletedAt != nil) {
		return Cart{}, errs.E(errs.NotFound, "no SKU %d", in.SkuID).With("field", "sku_id")
	}
	if err != nil {
		return Cart{}, err
	}
	if k.Edges.Product.Status != product.StatusListed {
		return Cart{}, errs.E(errs.Conflict, "%s is not on sale", k.Edges.Product.Title).With("sku_id", k.ID)
	}
	st, err := s.client.Stock.Query().Where(stock.StoreID(in.StoreID), stock.SkuID(in.SkuID)).Only(ctx)
	if ent.IsNotFound(err) {
		return Cart{}, errs.E(errs.Conflict, "%s (SKU %d) is not sold at store %d", k.Edges.Product.Title, k.ID, in.StoreID).
			With("sku_id", k.ID)
	}
	if err != nil {
		return Cart{}, err
	}
	// The line count is checked and the line written with the shopper
	// locked, so racing requests cannot take a cart past MaxLines.
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if _, err := storage.LockShopper(ctx, tx, shopperID); err != nil {
			return err
		}
		cur, err := tx.CartItem.Query().Where(cartitem.ShopperID(shopperID), cartitem.StoreID(in.StoreID), cartitem.SkuID(in.SkuID)).Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return err
		}
		had := 0
		if cur != nil {
			had = cur.Quantity
		} else {
			n, err := tx.CartItem.Query().Where(cartitem.ShopperID(shopperID), cartitem.StoreID(in.StoreID)).Count(ctx)
			if err != nil {
				return err
			}
			if n >= MaxLines {
				return errs.E(errs.Conflict, "a cart holds at most %d lines", MaxLines).With("limit", "cart_lines").With("max", MaxLines)
			}
		}
		if avail := st.OnHand - st.Reserved; *in.Quantity > had && int64(*in.Quantity) > avail {
			return errs.E(errs.OutOfStock, "only %d of %s left at this store", max(avail, 0), k.Edges.Product.Title).
				With("sku_id", k.ID).With("available", max(avail, 0)).With("requested", *in.Quantity)
		}
		create := tx.CartItem.Create().SetShopperID(shopperID).SetStoreID(in.StoreID).SetSkuID(in.SkuID).
			SetQuantity(*in.Quantity).SetPriceFen(prices.Effective(k.PriceFen, st.PriceFen))
		if in.Selected != nil {
			create.SetSelected(*in.Selected)
		}
		return create.OnConflictColumns(cartitem.FieldShopperID, cartitem.FieldStoreID, cartitem.FieldSkuID).
			Update(func(u *ent.CartItemUpsert) {
				u.UpdateQuantity().UpdatePriceFen().UpdateUpdatedAt()
				if in.Selected != nil {
					u.UpdateSelected()
				}
			}).Exec(ctx)
	})
	if err != nil {
		return Cart{}, err
	}
	return s.Get(ctx, shopperID, in.StoreID)
}

// Select selects or deselects lines of the cart at a store (all of them
// when skuIDs is empty).
func (s *Service) Select(ctx context.Context, shopperID, storeID int, skuIDs []int, selected bool) (_ Cart, err error) {
	defer errs.Op(&err, "cart.Select")
	if err := s.checkStore(ctx, storeID); err != nil {
		return Cart{}, err
	}
	if len(skuIDs) > MaxLines {
		return Cart{}, errs.InvalidField("sku_ids", "at most %d", MaxLines)
	}
	upd := s.client.CartItem.Update().Where(cartitem.ShopperID(shopperID), cartitem.StoreID(storeID))
	if len(skuIDs) > 0 {
		upd.Where(cartitem.SkuIDIn(skuIDs...))
	}
	if _, err := upd.SetSelected(selected).Save(ctx); err != nil {
		return Cart{}, err
	}
	return s.Get(ctx, shopperID, storeID)
}

// Clear empties the shopper's cart at a store.
func (s *Service) Clear(ctx context.Context, shopperID, storeID int) (_ Cart, err error) {
	defer errs.Op(&err, "cart.Clear")
	if err := s.checkStore(ctx, storeID); err != nil {
		return Cart{}, err
	}
	if _, err := s.client.CartItem.Delete().Where(cartitem.ShopperID(shopperID), cartitem.StoreID(storeID)).Exec(ctx); err != nil {
		return Cart{}, err
	}
	return Cart{StoreID: storeID, Lines: []Line{}}, nil
}

// Get returns the shopper's cart at a store, every line priced now.
func (s *Service) Get(ctx context.Context, shopperID, storeID int) (_ Cart, err error) {
	defer errs.Op(&err, "cart.Get")
	if err := s.checkStore(ctx, storeID); err != nil {
		return Cart{}, err
	}
	rows, err := s.lines(ctx, shopperID, storeID)
	if err != nil {
		return Cart{}, err
	}
	out := Cart{StoreID: storeID, Lines: make([]Line, 0, len(rows))}
	for _, r := range rows {
		if out.UpdatedAt == nil || r.UpdatedAt.After(*out.UpdatedAt) {
			t := r.UpdatedAt
			out.UpdatedAt = &t
		}
		l := Line{SkuID: r.SkuID, Quantity: r.Quantity, Selected: r.Selected, SeenPriceFen: r.SeenFen, PriceFen: r.SeenFen}
		switch {
		case r.KID == nil || r.KDeletedAt != nil || r.PID == nil || r.PDeletedAt != nil:
			l.Problem = ProblemRemoved
		default:
			l.ProductID, l.Title, l.SkuName, l.PriceFen = *r.PID, r.Title.String, r.SkuName.String, r.ChainFen.Int64
			var images []string
			if r.ImageKey.String == "" && r.Images.Valid {
				if err := json.Unmarshal([]byte(r.Images.String), &images); err != nil {
					return Cart{}, fmt.Errorf("product %d images: %w", l.ProductID, err)
				}
			}
			l.Image = media.ProductRef(r.ImageKey.String, images)
			if r.StockID != nil {
				l.Stock = max(r.OnHand.Int64-r.Reserved.Int64, 0)
				l.PriceFen = prices.Effective(r.ChainFen.Int64, r.OwnFen)
			}
			switch {
			case r.Status.String != string(product.StatusListed):
				l.Problem = ProblemUnlisted
			case r.StockID == nil:
				l.Problem = ProblemNotSoldHere
			case l.Stock == 0:
				l.Problem = ProblemSoldOut
			case l.Stock < int64(l.Quantity):
				l.Problem = ProblemNotEnough
			}
		}
		if l.Selected && l.Orderable() {
			out.GoodsFen += l.PriceFen * int64(l.Quantity)
			out.Selected += l.Quantity
		}
		out.Lines = append(out.Lines, l)
	}
	return out, nil
}

// lineRow is a cart line joined to its SKU, product and stock at the store
// (each may be missing).
type lineRow struct {
	SkuID      int            `json:"sku_id"`
	Quantity   int            `json:"quantity"`
	Selected   bool           `json:"selected"`
	SeenFen    int64          `json:"seen_fen"`
	UpdatedAt  time.Time      `json:"updated_at"`
	KID        *int           `json:"k_id"`
	SkuName    sql.NullString `json:"sku_name"`
	ChainFen   sql.NullInt64  `json:"chain_fen"`
	KDeletedAt *time.Time     `json:"k_deleted_at"`
	PID        *int           `json:"p_id"`
	Title      sql.NullString `json:"title"`
	ImageKey   sql.NullString `json:"image_key"`
	Images     sql.NullString `json:"images"`
	Status     sql.NullString `json:"status"`
	PDeletedAt *time.Time     `json:"p_deleted_at"`
	StockID    *int           `json:"stock_id"`
	OnHand     sql.NullInt64  `json:"on_hand"`
	Reserved   sql.NullInt64  `json:"reserved"`
	OwnFen     *int64         `json:"own_fen"`
}

// lines reads the cart's lines in the order they were added, each with
// its SKU, product and stock at the store, in one query.
func (s *Service) lines(ctx context.Context, shopperID, storeID int) ([]lineRow, error) {
	var rows []lineRow
	err := s.client.CartItem.Query().Where(cartitem.ShopperID(shopperID), cartitem.StoreID(storeID)).
		Modify(func(sel *entsql.Selector) {
			k, p, st := entsql.Table(sku.Table).As("k"), entsql.Table(product.Table).As("p"), entsql.Table(stock.Table).As("st")
			sel.LeftJoin(k).On(sel.C(cartitem.FieldSkuID), k.C(sku.FieldID)).
				LeftJoin(p).On(k.C(sku.FieldProductID), p.C(product.FieldID)).
				LeftJoin(st).OnP(entsql.And(entsql.ColumnsEQ(st.C(stock.FieldSkuID), sel.C(cartitem.FieldSkuID)),
				entsql.ColumnsEQ(st.C(stock.FieldStoreID), sel.C(cartitem.FieldStoreID)))).
				Select(sel.C(cartitem.FieldSkuID), sel.C(cartitem.FieldQuantity), sel.C(cartitem.FieldSelected),
					entsql.As(sel.C(cartitem.FieldPriceFen), "seen_fen"), sel.C(cartitem.FieldUpdatedAt),
					entsql.As(k.C(sku.FieldID), "k_id"), entsql.As(k.C(sku.FieldName), "sku_name"),
					entsql.As(k.C(sku.FieldPriceFen), "chain_fen"), entsql.As(k.C(sku.FieldDeletedAt), "k_deleted_at"),
					entsql.As(p.C(product.FieldID), "p_id"), p.C(product.FieldTitle), p.C(product.FieldImageKey),
					p.C(product.FieldImages), p.C(product.FieldStatus), entsql.As(p.C(product.FieldDeletedAt), "p_deleted_at"),
					entsql.As(st.C(stock.FieldID), "stock_id"), st.C(stock.FieldOnHand), st.C(stock.FieldReserved),
					entsql.As(st.C(stock.FieldPriceFen), "own_fen")).
				OrderBy(sel.C(cartitem.FieldID))
		}).Scan(ctx, &rows)
	return rows, err
}

// checkStore makes sure storeID is a store (staff may have closed it: its
// cart can still be read and changed).
func (s *Service) checkStore(ctx context.Context, storeID int) error {
	if storeID <= 0 {
		return errs.InvalidField("store_id", "is required (a store id)")
	}
	e, err := s.stores.Index().Get(ctx, storeID)
	if err != nil {
		return err
	}
	if e == nil {
		return errs.E(errs.NotFound, "no store %d", storeID)
	}
	return nil
}
