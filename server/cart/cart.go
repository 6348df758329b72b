// Package cart keeps shoppers' carts: one per shopper and store (a shopper
// shopping in two stores has two carts). A cart line remembers the price the
// shopper last saw; reading the cart prices every line afresh and flags the
// lines that changed price or can no longer be bought as they stand.
package cart

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/cartitem"
	"wemart/ent/predicate"
	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/ent/stock"
	"wemart/ent/store"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/prices"
	"wemart/server/shelfver"
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
	// reads shares cart reads among concurrent requests (readCarts), in
	// readGroups groups (a shopper's carts are read in group shopper %
	// readGroups): one group's reads run one at a time, so one group
	// alone would leave the other cores idle and queue every cart read
	// behind the one in flight.
	reads      *storage.Batch[int, cartKey, []lineRow]
	readGroups int
	// skus keeps what cart lines show of SKUs, under the chain's version,
	// and skuReads shares the reads of those it misses (skus.go).
	skus     *skuCache
	skuReads *storage.Batch[struct{}, int, *skuInfo]
	// queries holds the text of linesQuery for each count of carts a
	// shared read asks for (a power of two up to readsBatch).
	queries map[int]string
	dialect string
}

// New returns a Service.
func New(db *storage.DB, st *stores.Service) *Service {
	s := &Service{client: db.Client, stores: st, dialect: db.Dialect, queries: map[int]string{},
		readGroups: max(2, runtime.GOMAXPROCS(0)), skus: &skuCache{m: map[int]keptSku{}}}
	for n := 1; n <= readsBatch; n *= 2 {
		s.queries[n] = linesQuery(db.Dialect, n)
	}
	s.reads = storage.NewBatch(readsTimeout, readsBatch, s.readCarts)
	s.skuReads = storage.NewBatch(readsTimeout, skuReadsBatch, s.readSkus)
	return s
}

// linesSQL is linesQuery for n carts.
func (s *Service) linesSQL(n int) string {
	if q, ok := s.queries[n]; ok {
		return q
	}
	return linesQuery(s.dialect, n) // a count no shared read asks for (tests ask for any)
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
// available is out_of_stock; lowering one is always allowed, even of a SKU
// removed, unlisted or no longer sold at the store since it was added.
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
			cartitem.SkuID(in.SkuID), storeLive()).Exec(ctx); err != nil {
			return Cart{}, err
		}
		return s.Get(ctx, shopperID, in.StoreID)
	}
	k, err := s.client.Sku.Query().Where(sku.ID(in.SkuID), sku.DeletedAtIsNil()).WithProduct().Only(ctx)
	if ent.IsNotFound(err) || (err == nil && k.Edges.Product.DeletedAt != nil) {
		return s.lowerOnly(ctx, shopperID, in, errs.E(errs.NotFound, "no SKU %d", in.SkuID).With("field", "sku_id"))
	}
	if err != nil {
		return Cart{}, err
	}
	if k.Edges.Product.Status != product.StatusListed {
		return s.lowerOnly(ctx, shopperID, in, errs.E(errs.Conflict, "%s is not on sale", k.Edges.Product.Title).With("sku_id", k.ID))
	}
	st, err := s.client.Stock.Query().Where(stock.StoreID(in.StoreID), stock.SkuID(in.SkuID)).Only(ctx)
	if ent.IsNotFound(err) {
		return s.lowerOnly(ctx, shopperID, in, errs.E(errs.Conflict, "%s (SKU %d) is not sold at store %d", k.Edges.Product.Title, k.ID, in.StoreID).
			With("sku_id", k.ID))
	}
	if err != nil {
		return Cart{}, err
	}
	// The line count is checked and the line written with the shopper
	// locked, so racing requests cannot take a cart past MaxLines.
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if err := storage.LockShopper(ctx, tx, shopperID); err != nil {
			return err
		}
		if err := storeThere(ctx, tx, in.StoreID); err != nil {
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

// lowerOnly lowers (or keeps) the quantity of a line the shopper already
// has of a SKU that can no longer be added (removed, unlisted, or no longer
// sold at the store): lowering a quantity always works. Anything else, a
// new line or a higher quantity, is refused with why (refused). The line
// keeps the price the shopper saw, and the cart still flags its problem.
func (s *Service) lowerOnly(ctx context.Context, shopperID int, in PutInput, refused error) (Cart, error) {
	upd := s.client.CartItem.Update().Where(cartitem.ShopperID(shopperID), cartitem.StoreID(in.StoreID),
		cartitem.SkuID(in.SkuID), cartitem.QuantityGTE(*in.Quantity), storeLive()).SetQuantity(*in.Quantity)
	if in.Selected != nil {
		upd.SetSelected(*in.Selected)
	}
	n, err := upd.Save(ctx)
	if err != nil {
		return Cart{}, err
	}
	if n == 0 {
		return Cart{}, refused
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
	upd := s.client.CartItem.Update().Where(cartitem.ShopperID(shopperID), cartitem.StoreID(storeID), storeLive())
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
	if storeID <= 0 {
		return Cart{}, errs.InvalidField("store_id", "is required (a store id)")
	}
	rows, found, err := s.lines(ctx, shopperID, storeID)
	if err != nil {
		return Cart{}, err
	}
	if !found {
		return Cart{}, errs.E(errs.NotFound, "no store %d", storeID)
	}
	ids := make([]int, len(rows))
	for i, r := range rows {
		ids[i] = r.SkuID
	}
	var infos map[int]*skuInfo
	if len(rows) > 0 {
		if infos, err = s.skuInfos(ctx, rows[0].Version, ids); err != nil {
			return Cart{}, err
		}
	}
	out := Cart{StoreID: storeID, Lines: make([]Line, 0, len(rows))}
	for _, r := range rows {
		if out.UpdatedAt == nil || r.UpdatedAt.After(*out.UpdatedAt) {
			t := r.UpdatedAt
			out.UpdatedAt = &t
		}
		l := Line{SkuID: r.SkuID, Quantity: r.Quantity, Selected: r.Selected, SeenPriceFen: r.SeenFen, PriceFen: r.SeenFen}
		switch k := infos[r.SkuID]; {
		case k == nil || k.removed:
			l.Problem = ProblemRemoved
		default:
			l.ProductID, l.Title, l.SkuName, l.Image, l.PriceFen = k.productID, k.title, k.skuName, k.image, k.chainFen
			if r.Stocked {
				l.Stock = max(r.OnHand-r.Reserved, 0)
				l.PriceFen = prices.Effective(k.chainFen, r.OwnFen)
			}
			switch {
			case !k.listed:
				l.Problem = ProblemUnlisted
			case !r.Stocked:
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

// lineRow is a cart line with its stock at the store (which may be
// missing), and the chain's version its statement read (skus.go).
type lineRow struct {
	SkuID     int
	Quantity  int
	Selected  bool
	SeenFen   int64
	UpdatedAt time.Time
	Version   int64
	// Stocked says whether the store has a stock row of the SKU: OnHand,
	// Reserved and its own price OwnFen (nil: the chain's) are from it.
	Stocked  bool
	OnHand   int64
	Reserved int64
	OwnFen   *int64
}

// Shared reads of carts: the carts read at once by concurrent requests
// are read together, up to readsBatch of them in one query (its text
// takes one shape per power of two up to that: a few prepared
// statements), each read bounded by readsTimeout.
const (
	readsBatch   = 32
	readsTimeout = 5 * time.Second
)

// cartKey names one cart: a shopper's at a store.
type cartKey struct{ shopper, store int }

// linesQuery is the query of n carts' lines in the order they were added,
// each with its stock at the store and the chain's shelf version (what the
// line shows of its SKU is kept under it: skus.go), in dialect d. Its
// arguments are n pairs of a shopper and a store (a VALUES list named q);
// each row starts with its pair. It reads from each store's row (live:
// not deleted), so that one round trip also says whether the store is
// there: no row, no store; one row without a line, an empty cart.
func linesQuery(d string, n int) string {
	q := entsql.Table("q")
	ci := entsql.Table(cartitem.Table).As("ci")
	st := entsql.Table(stock.Table).As("st")
	s := entsql.Table(store.Table).As("s")
	sel := entsql.Dialect(d).Select(q.C("shopper_id"), s.C(store.FieldID),
		ci.C(cartitem.FieldSkuID), ci.C(cartitem.FieldQuantity), ci.C(cartitem.FieldSelected),
		ci.C(cartitem.FieldPriceFen), ci.C(cartitem.FieldUpdatedAt), shelfver.ChainColumn(),
		st.C(stock.FieldID), st.C(stock.FieldOnHand), st.C(stock.FieldReserved), st.C(stock.FieldPriceFen)).
		From(q)
	sel.Join(s).OnP(entsql.And(entsql.ColumnsEQ(s.C(store.FieldID), q.C("store_id")), entsql.IsNull(s.C(store.FieldDeletedAt)))).
		LeftJoin(ci).OnP(entsql.And(entsql.ColumnsEQ(ci.C(cartitem.FieldStoreID), s.C(store.FieldID)),
		entsql.ColumnsEQ(ci.C(cartitem.FieldShopperID), q.C("shopper_id"))))
	sel.LeftJoin(st).OnP(entsql.And(entsql.ColumnsEQ(st.C(stock.FieldSkuID), ci.C(cartitem.FieldSkuID)),
		entsql.ColumnsEQ(st.C(stock.FieldStoreID), ci.C(cartitem.FieldStoreID)))).
		OrderBy(ci.C(cartitem.FieldID))
	body, _ := sel.Query()
	var b strings.Builder
	b.WriteString(`WITH "q"("shopper_id", "store_id") AS (VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		if d == dialect.Postgres {
			fmt.Fprintf(&b, "(CAST($%d AS BIGINT), CAST($%d AS BIGINT))", 2*i+1, 2*i+2)
		} else {
			b.WriteString("(CAST(? AS INTEGER), CAST(? AS INTEGER))")
		}
	}
	b.WriteString(") ")
	b.WriteString(body)
	return b.String()
}

// lines reads the cart's lines (linesQuery) in a read shared with the
// concurrent reads of other carts (one started after this call). found
// says whether the store is there (live). The rows are shared: read only.
func (s *Service) lines(ctx context.Context, shopperID, storeID int) (_ []lineRow, found bool, err error) {
	key := cartKey{shopperID, storeID}
	got, err := s.reads.Get(ctx, s.readGroup(shopperID), []cartKey{key})
	if err != nil {
		return nil, false, err
	}
	rows, found := got[key]
	return rows, found, nil
}

// readGroup is the group of shared reads shopper's carts are read in.
func (s *Service) readGroup(shopper int) int { return shopper % s.readGroups }

// readCarts reads the lines of the carts keys names (linesQuery),
// scanned by hand: a cart is read on every visit to it, and ent's
// reflective scan cost more than the query. A cart at a store that is
// not there (live) is absent from the answer; a cart that is there but
// empty maps to no rows. keys may repeat a cart (storage.Batch pads the
// list): each is asked for once, and the list is filled up with a
// cart of no store.
func (s *Service) readCarts(ctx context.Context, _ int, keys []cartKey) (_ map[cartKey][]lineRow, err error) {
	args := make([]any, 0, 2*len(keys))
	seen := make(map[cartKey]bool, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			args = append(args, k.shopper, k.store)
		}
	}
	for len(args) < 2*len(keys) {
		args = append(args, 0, 0) // no store has id 0
	}
	rows, err := s.client.QueryContext(ctx, s.linesSQL(len(keys)), args...)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}()
	out := make(map[cartKey][]lineRow, len(seen))
	for rows.Next() {
		var key cartKey
		var r lineRow
		var skuID, quantity, seenFen, version, stockID, onHand, reserved, ownFen sql.NullInt64
		var selected sql.NullBool
		var updated sql.NullTime
		if err := rows.Scan(&key.shopper, &key.store, &skuID, &quantity, &selected, &seenFen, &updated, &version,
			&stockID, &onHand, &reserved, &ownFen); err != nil {
			return nil, err
		}
		lines := out[key]
		if !skuID.Valid { // the store's row alone: an empty cart
			out[key] = lines
			continue
		}
		r.SkuID, r.Quantity, r.Selected, r.SeenFen, r.UpdatedAt = int(skuID.Int64), int(quantity.Int64), selected.Bool, seenFen.Int64, updated.Time
		r.Version, r.Stocked, r.OnHand, r.Reserved = version.Int64, stockID.Valid, onHand.Int64, reserved.Int64
		if ownFen.Valid {
			r.OwnFen = &ownFen.Int64
		}
		out[key] = append(lines, r)
	}
	return out, rows.Err()
}

// storeLive limits a write of cart lines to those of a store that is not
// deleted, checked in the write itself: checkStore's answer (the store
// index's) can be a moment old by then, and a request refused because the
// store was deleted meanwhile must not have changed the cart. (A delete
// that lands after the write has committed makes the request's answer 404
// with the change made; the cart of a deleted store is never read or
// ordered from again.)
func storeLive() predicate.CartItem {
	return cartitem.HasStoreWith(store.DeletedAtIsNil())
}

// storeThere fails with not_found unless store storeID is there (not
// deleted) as tx sees it: exact on SQLite, whose one writer keeps a store
// delete out of tx; on PostgreSQL as of the read (a plain one: locking the
// store's row FOR SHARE, as a checkout does, would make every cart write a
// locker of that hot row, to order it with a delete that cannot change
// what the shopper sees).
func storeThere(ctx context.Context, tx *ent.Tx, storeID int) error {
	live, err := tx.Store.Query().Where(store.ID(storeID), store.DeletedAtIsNil()).Exist(ctx)
	if err != nil {
		return err
	}
	if !live {
		return errs.E(errs.NotFound, "no store %d", storeID)
	}
	return nil
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
