package orders

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	stdsql "database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/address"
	"wemart/ent/cartitem"
	"wemart/ent/order"
	"wemart/ent/predicate"
	"wemart/ent/product"
	"wemart/ent/shopper"
	"wemart/ent/sku"
	"wemart/ent/stock"
	"wemart/ent/store"
	"wemart/schema/types"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/geo"
	"wemart/server/inventory"
	"wemart/server/media"
	"wemart/server/members"
	"wemart/server/prices"
	"wemart/server/storage"
	"wemart/server/stores"
)

// Checkout limits (the shopper's own are Limits).
const (
	MaxLines        = 50                    // distinct SKUs in one order
	MaxLineQuantity = check.MaxLineQuantity // units of one SKU in one order
	MaxKeyLength    = 128                   // Idempotency-Key
)

// LineInput is one line the shopper orders.
type LineInput struct {
	SkuID    int `json:"sku_id"`
	Quantity int `json:"quantity"`
}

// CreateInput is a checkout request. Without Items the selected lines of the
// shopper's cart at the store are ordered (and leave the cart).
type CreateInput struct {
	StoreID    int         `json:"store_id"`
	Fulfilment string      `json:"fulfilment"`
	AddressID  *int        `json:"address_id"`
	Items      []LineInput `json:"items"`
	Remark     string      `json:"remark"`
	// ExpectedPayableFen, when sent, is the total the shopper was shown:
	// if the prices or the fee came out otherwise, the checkout is refused
	// (409) instead of charging what the shopper did not see.
	ExpectedPayableFen *int64 `json:"expected_payable_fen,omitempty"`
	// CouponID is one of the shopper's unused coupons to apply (0 or left
	// out: none).
	CouponID *int `json:"coupon_id,omitempty"`
	// Points are the points to spend (100 points take ¥1 off; at most
	// what the quote's points_max says).
	Points int64 `json:"points,omitempty"`
}

// MaxPoints bounds the points one request may ask to spend.
const MaxPoints = 1_000_000_000

// normalize validates in and returns it in canonical form: lines merged by
// SKU and sorted, the address dropped for pickup. Two requests that mean the
// same order normalize to the same value (and hash).
func (in CreateInput) normalize() (CreateInput, error) {
	var c check.Checker
	if in.StoreID <= 0 {
		c.Fail("store_id", "is required (a store id)")
	}
	c.OneOf("fulfilment", in.Fulfilment, string(order.FulfilmentPickup), string(order.FulfilmentDelivery))
	if in.Fulfilment == string(order.FulfilmentDelivery) && (in.AddressID == nil || *in.AddressID <= 0) {
		c.Fail("address_id", "is required for delivery (one of the shopper's addresses)")
	}
	c.Text("remark", in.Remark, false, 200)
	if in.ExpectedPayableFen != nil {
		c.Fen("expected_payable_fen", in.ExpectedPayableFen)
	}
	if in.CouponID != nil && *in.CouponID < 0 {
		c.Fail("coupon_id", "must be one of your coupons' ids (or 0 for none)")
	}
	if in.Points < 0 || in.Points > MaxPoints {
		c.Fail("points", "must be between 0 and %d", MaxPoints)
	}
	if in.Items != nil {
		if len(in.Items) == 0 || len(in.Items) > MaxLines {
			c.Fail("items", "must hold 1 to %d lines (or be left out to order the cart)", MaxLines)
		}
		for i, l := range in.Items {
			if l.SkuID <= 0 {
				c.Fail(fmt.Sprintf("items[%d].sku_id", i), "is required (a SKU id)")
			}
			if l.Quantity < 1 || l.Quantity > MaxLineQuantity {
				c.Fail(fmt.Sprintf("items[%d].quantity", i), "must be between 1 and %d (the limit of units per line)", MaxLineQuantity)
			}
		}
	}
	if err := c.Err(); err != nil {
		return CreateInput{}, err
	}
	out := in
	out.Remark = strings.TrimSpace(in.Remark)
	if in.Fulfilment == string(order.FulfilmentPickup) {
		out.AddressID = nil
	}
	if in.CouponID != nil && *in.CouponID == 0 {
		out.CouponID = nil
	}
	if in.Items != nil {
		out.Items = mergeLines(in.Items)
		for _, l := range out.Items {
			if l.Quantity > MaxLineQuantity {
				return CreateInput{}, errs.InvalidField("items", "SKU %d: at most %d units in one order (the limit of units per line)", l.SkuID, MaxLineQuantity).
					With("limit", "units_per_line").With("max", MaxLineQuantity)
			}
		}
	}
	return out, nil
}

// mergeLines adds up lines of the same SKU and sorts them by SKU.
func mergeLines(in []LineInput) []LineInput {
	sum := map[int]int{}
	for _, l := range in {
		sum[l.SkuID] += l.Quantity
	}
	out := make([]LineInput, 0, len(sum))
	for id, q := range sum {
		out = append(out, LineInput{SkuID: id, Quantity: q})
	}
	slices.SortFunc(out, func(a, b LineInput) int { return cmp.Compare(a.SkuID, b.SkuID) })
	return out
}

// hash fingerprints a normalized request, to tell a retry from another
// request that reuses the key.
func (in CreateInput) hash() string {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CheckKey validates an Idempotency-Key: 1 to 128 visible ASCII characters.
func CheckKey(key string) error {
	if key == "" {
		return errs.InvalidField("Idempotency-Key", "header is required (a unique key per order attempt, e.g. a UUID)")
	}
	if len(key) > MaxKeyLength {
		return errs.InvalidField("Idempotency-Key", "must be at most %d characters", MaxKeyLength)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return errs.InvalidField("Idempotency-Key", "must be visible ASCII characters")
		}
	}
	return nil
}

// Placed is the outcome of a checkout: the order and, while it can be paid,
// the wx.requestPayment parameters.
type Placed struct {
	Order   *ent.Order
	Payment *PaymentParams
	// Created is false when the request repeated an earlier one (same key,
	// same body) and the earlier order is returned.
	Created bool
}

// Create places an order for shopperID, idempotently by key: the same key
// with the same request returns the first order, with another request it is
// a conflict. Prices, availability and the delivery fee come from the
// database inside one transaction that also reserves the stock; any line
// short of stock fails the whole order with out_of_stock and reserves
// nothing. The WeChat Pay prepay follows the commit.
func (s *Service) Create(ctx context.Context, shopperID int, key string, in CreateInput) (_ Placed, err error) {
	defer errs.Op(&err, "orders.Create")
	if err := CheckKey(key); err != nil {
		return Placed{}, err
	}
	norm, err := in.normalize()
	if err != nil {
		return Placed{}, err
	}
	hash := norm.hash()
	fresh := false // the store's entry as the index holds it, checked in the transaction
	for attempt := 0; ; attempt++ {
		o, err := s.try(ctx, shopperID, key, hash, norm, fresh)
		if errors.Is(err, errStoreStale) && !fresh {
			fresh = true // the store changed since the index read it: sync, try again
			attempt--    // not one of the order number's retries
			continue
		}
		if err != nil {
			// The key may have placed its order already (this is a retry, or
			// another request with the key committed first): that order, or a
			// conflict, is the answer, whatever kept this attempt from placing.
			// Looked up only now, so that placing an order costs no extra read.
			if prior, kerr := s.byKey(ctx, shopperID, key, hash); prior != nil || kerr != nil {
				if kerr != nil {
					return Placed{}, kerr
				}
				return s.replay(ctx, prior)
			}
		}
		if (ent.IsConstraintError(err) || errors.Is(err, errKeyUsed)) && attempt < 3 {
			// Once in a blue moon an order number collided: try again.
			continue
		}
		if errs.Is(err, errs.OutOfStock) {
			s.metrics.ReservationRefused()
		}
		if err != nil {
			return Placed{}, err
		}
		s.metrics.OrderTransition("", string(order.StatusPendingPayment))
		params, err := s.prepay(ctx, o)
		if err != nil {
			// An order that cannot be paid must not hold stock (in a flash sale
			// during a WeChat outage it would hold it for the whole TTL): give
			// it up now. The shopper never got a prepay_id, so nothing can pay it.
			unstarted := o.Edges.Payments[0] // placed with the order, no prepay_id
			if aerr := s.abandon(context.WithoutCancel(ctx), o, unstarted, System, "WeChat Pay could not start the payment", false); aerr != nil {
				s.log.Error("checkout: cancelling an order WeChat Pay did not take", "order", o.OrderNo, "error", aerr)
			}
			// The same key now returns the cancelled order: say so.
			var e *errs.Error
			if errors.As(err, &e) && e.Code == errs.Unavailable {
				err = errs.Wrap(err, errs.Unavailable, "%s. The order was cancelled; to try again send a new Idempotency-Key.", strings.TrimSuffix(e.Message, "."))
			}
			return Placed{}, err
		}
		return Placed{Order: o, Payment: params, Created: true}, nil
	}
}

// errKeyUsed is place finding, once the shopper's checkouts take turns,
// that a request with the same key placed its order first; Create then
// answers with that order.
var errKeyUsed = errors.New("orders: the idempotency key was used meanwhile")

// byKey finds the shopper's order made with key; with another request
// behind it, that is a conflict. Every failed attempt asks (a refusal may
// be the retry of a request that placed its order), so the reads are
// shared among the attempts failing at once (storage.Batch): in a flash
// sale's rush, a fraction of a read each. Each still reads after it asked.
func (s *Service) byKey(ctx context.Context, shopperID int, key, hash string) (*ent.Order, error) {
	found, err := s.keys.Get(ctx, struct{}{}, []shopperKey{{shopperID, key}})
	if err != nil {
		return nil, err
	}
	o, ok := found[shopperKey{shopperID, key}]
	if !ok {
		return nil, nil
	}
	if o.hash != hash {
		return nil, errs.E(errs.Conflict, "Idempotency-Key %q was used for another order request", key).
			With("order_id", o.id)
	}
	return s.client.Order.Get(ctx, o.id)
}

// shopperKey is a shopper's idempotency key; keyed is the order made with
// one: its id and the hash of its request.
type (
	shopperKey struct {
		shopper int
		key     string
	}
	keyed struct {
		id   int
		hash string
	}
)

// Shared reads of idempotency keys: each bounded in time and in keys. The
// keys are ORed pairs, an expression SQLite bounds in depth (1000): keep
// the limit a power of two well below that (1024 pairs fail).
const (
	sharedReadTimeout = 5 * time.Second
	sharedReadKeys    = 256
)

// readKeys reads the orders made with keys (a few columns: on a refused
// checkout the key is almost never used).
func (s *Service) readKeys(ctx context.Context, _ struct{}, keys []shopperKey) (map[shopperKey]keyed, error) {
	each := make([]predicate.Order, len(keys)) // ORed: one index probe a key, on both engines
	for i, k := range keys {
		each[i] = order.And(order.ShopperID(k.shopper), order.IdempotencyKey(k.key))
	}
	rows, err := s.client.Order.Query().Where(order.Or(each...)).
		Select(order.FieldID, order.FieldShopperID, order.FieldIdempotencyKey, order.FieldRequestHash).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[shopperKey]keyed, len(rows))
	for _, o := range rows {
		out[shopperKey{o.ShopperID, o.IdempotencyKey}] = keyed{o.ID, o.RequestHash}
	}
	return out, nil
}

// replay answers a repeated checkout with the order it made, and fresh
// payment parameters while the order can still be paid.
func (s *Service) replay(ctx context.Context, o *ent.Order) (Placed, error) {
	var params *PaymentParams
	if o.Status == order.StatusPendingPayment && s.now().Before(o.ExpiresAt) {
		var err error
		if params, err = s.prepay(ctx, o); err != nil {
			return Placed{}, err
		}
	}
	o, err := s.load(ctx, o.ID)
	if err != nil {
		return Placed{}, err
	}
	return Placed{Order: o, Payment: params}, nil
}

// try makes one attempt at placing the order: the store's checks from its
// index, a cheap refusal of lines the store no longer has (a shared read,
// no transaction: in a flash sale most checkouts end here) and admission
// past this process's checkouts reserving the same units
// (inventory.Admit), then the transaction, where the compare-and-set on
// the stock decides. A checkout of the cart's lines skips both: its lines
// are known only in the transaction.
func (s *Service) try(ctx context.Context, shopperID int, key, hash string, in CreateInput, fresh bool) (*ent.Order, error) {
	now := s.now()
	entry, seen, err := s.storeEntry(ctx, in, now, fresh)
	if err != nil {
		return nil, err
	}
	if err := takes(entry, in, now); err != nil {
		return nil, err
	}
	if in.Items != nil { // a cart's lines are read in the transaction: no gate
		lines := make([]inventory.Line, len(in.Items))
		for i, l := range in.Items {
			lines[i] = inventory.Line{SkuID: l.SkuID, Quantity: int64(l.Quantity)}
		}
		adm, aerr := s.inv.Admit(ctx, in.StoreID, lines)
		if aerr != nil {
			return nil, aerr
		}
		reserved := false // set once place committed; a panic leaves it false
		defer func() { adm.Done(reserved) }()
		o, err := s.place(ctx, shopperID, key, hash, in, entry, seen, now)
		reserved = err == nil
		return o, err
	}
	return s.place(ctx, shopperID, key, hash, in, entry, seen, now)
}

// errStoreStale is the order's transaction finding the store's row newer
// than the entry the checkout used (storeEntry): Create tries again with
// the index synced.
var errStoreStale = errors.New("orders: the store changed since the index read it")

// storeEntry returns the store's entry for a checkout and the stores
// counter its transaction checks the store's row against (stores.Index.Peek):
// the entry as the index holds it, without a read, when it takes the
// order; otherwise, or when fresh, the entry after a sync (a read of the
// counter that started after this call), so that no checkout is refused,
// or placed, on an entry older than its request. A synced entry needs no
// check (the counter returned is the largest there is).
func (s *Service) storeEntry(ctx context.Context, in CreateInput, now time.Time, fresh bool) (*stores.Entry, int64, error) {
	ix := s.stores.Index()
	if !fresh {
		if e, seen, ok := ix.Peek(in.StoreID); ok && e != nil && takes(e, in, now) == nil {
			return e, seen, nil
		}
	}
	e, err := ix.Get(ctx, in.StoreID)
	return e, math.MaxInt64, err
}

// takes refuses a checkout the store's entry says it does not take: an
// unknown or deleted store, one closed now, pickup where it has none.
func takes(e *stores.Entry, in CreateInput, now time.Time) error {
	if e == nil {
		return errs.E(errs.NotFound, "no store %d", in.StoreID)
	}
	if !e.OpenAt(now) {
		return errs.E(errs.Conflict, "%s is closed now and takes no orders", e.Name).With("store_id", e.ID)
	}
	if order.Fulfilment(in.Fulfilment) == order.FulfilmentPickup && !e.Pickup {
		return errs.E(errs.Conflict, "%s offers no pickup; choose delivery", e.Name)
	}
	return nil
}

// priced is an order line with what the database says about it.
type priced struct {
	LineInput
	sku     *ent.Sku
	product *ent.Product
	// unitFen is the SKU's price at the store now: the store's own, or the chain's.
	unitFen int64
	// available is on_hand - reserved at the store as the read found it.
	available int64
}

// inStock refuses lines the store, as priceLines read it, is short of,
// with the error Reserve would give. Read in the order's transaction, a
// "short" is committed state (on SQLite, the only writer's); Reserve's
// compare-and-set still decides for lines that look available.
func inStock(lines []priced) error {
	for _, l := range lines {
		if l.available < int64(l.Quantity) {
			return inventory.OutOfStock(inventory.Line{SkuID: l.SkuID, Quantity: int64(l.Quantity)}, l.available)
		}
	}
	return nil
}

// place writes the order in one transaction: read prices, check the store
// and address, insert the order and its lines, open the timeline, record
// the pending payment, reserve the stock, claim the coupon and points, and
// take ordered lines out of the cart.
func (s *Service) place(ctx context.Context, shopperID int, key, hash string, in CreateInput, entry *stores.Entry, seen int64, now time.Time) (*ent.Order, error) {
	fulfilment := order.Fulfilment(in.Fulfilment)
	var placed *ent.Order
	err := storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		// Explicit lines are priced first: the same read says whether the
		// store still has them, so once a flash sale's SKU is sold out a
		// checkout that got past Admit in the rush costs this one read.
		// (A cart's lines are read once her checkouts take turns.)
		items := in.Items
		fromCart := items == nil
		var lines []priced
		var err error
		// The shopper's checkouts take turns: on PostgreSQL her row's lock,
		// held to the end (taken by the price read of explicit lines, in
		// the same round trip); a SQLite transaction holds the database's
		// one write lock from its start (wemart begins them IMMEDIATE).
		pg := s.db.Dialect == dialect.Postgres
		if !fromCart {
			locker := 0
			if pg {
				locker = shopperID
			}
			if lines, err = priceLines(ctx, tx.Client(), s.db.Dialect, in.StoreID, items, locker); err != nil {
				return err
			}
			if err := inStock(lines); err != nil {
				return err
			}
		}
		if pg && fromCart {
			if err := storage.LockShopper(ctx, tx, shopperID); err != nil {
				return err
			}
		}
		// A request with the same key (a retry while this one was on its
		// way) may have placed the order while we waited for the lock
		// (shopperLimits looks): Create answers with that order.
		// It also checks, in the same read, that the store was not deleted
		// or changed since the store index read it (seen).
		st, openid, err := s.shopperLimits(ctx, tx, shopperID, in.StoreID, seen, key, now)
		if err != nil {
			return err
		}
		if fromCart {
			if items, err = cartLines(ctx, tx.Client(), shopperID, in.StoreID); err != nil {
				return err
			}
			if lines, err = priceLines(ctx, tx.Client(), s.db.Dialect, in.StoreID, items, 0); err != nil {
				return err
			}
			if err := inStock(lines); err != nil {
				return err
			}
		}
		var goods int64
		for _, l := range lines {
			goods += l.unitFen * int64(l.Quantity)
		}
		create := tx.Order.Create().
			SetOrderNo(orderNo(now)).SetShopperID(shopperID).SetStoreID(in.StoreID).
			SetFulfilment(fulfilment).SetGoodsFen(goods).
			SetRemark(in.Remark).SetIdempotencyKey(key).SetRequestHash(hash).
			SetExpiresAt(now.Add(s.ttl).UTC().Truncate(time.Second)).
			SetCreatedAt(now.UTC()).SetUpdatedAt(now.UTC())
		if fulfilment == order.FulfilmentDelivery {
			snap, distance, err := deliverable(ctx, tx.Client(), entry, shopperID, *in.AddressID, goods)
			if err != nil {
				return err
			}
			create.SetAddress(snap).SetDeliveryDistanceM(distance)
		} else {
			create.SetPickupCode(pickupCode())
		}
		p, err := s.price(ctx, tx, shopperID, st, entry, lines, fulfilment == order.FulfilmentDelivery,
			benefitsAsked{couponID: in.CouponID, points: in.Points})
		if err != nil {
			return err
		}
		q := p.Quote
		if want := in.ExpectedPayableFen; want != nil && *want != q.PayableFen() {
			return errs.E(errs.Conflict, "the order comes to ¥%s, not the ¥%s shown: prices or benefits changed; review the cart and check out again",
				yuan(q.PayableFen()), yuan(*want)).With("reason", "price_changed").With("payable_fen", q.PayableFen()).With("expected_payable_fen", *want)
		}
		create.SetDeliveryFeeFen(q.DeliveryFeeFen).SetDeliveryFeeWaivedFen(q.DeliveryFeeWaivedFen).
			SetDiscountFen(q.DiscountFen()).SetLevelDiscountFen(q.LevelDiscountFen).SetLevelName(p.Level.Name).
			SetCouponDiscountFen(q.CouponDiscountFen).SetPointsUsed(q.PointsUsed).SetPointsDiscountFen(q.PointsDiscountFen)
		if p.Coupon != nil {
			create.SetCouponID(p.Coupon.CouponID)
		}
		o, err := create.SetPayableFen(q.PayableFen()).Save(ctx)
		if err != nil {
			return err
		}
		rows := make([]*ent.OrderItemCreate, len(lines))
		stockLines := make([]inventory.Line, len(lines))
		for i, l := range lines {
			rows[i] = tx.OrderItem.Create().SetOrderID(o.ID).SetSkuID(l.SkuID).SetProductID(l.product.ID).
				SetTitle(l.product.Title).SetSkuName(l.sku.Name).SetImage(media.ProductRef(l.product.ImageKey, l.product.Images)).SetPriceFen(l.unitFen).
				SetQuantity(l.Quantity).SetAmountFen(l.unitFen * int64(l.Quantity)).SetDiscountFen(q.Lines[i].DiscountFen)
			stockLines[i] = inventory.Line{SkuID: l.SkuID, ProductID: l.product.ID, Quantity: int64(l.Quantity)}
		}
		if o.Edges.Items, err = tx.OrderItem.CreateBulk(rows...).Save(ctx); err != nil {
			return err
		}
		// The new rows first, then the stock rows: the order's contended
		// lock (every checkout of a flash sale's SKU waits for it) is taken
		// as late as the lock order allows (benefits come after stock), and
		// so held for the shortest time.
		ev, err := event(ctx, tx, o.ID, nil, order.StatusPendingPayment, ShopperActor(shopperID), "order placed")
		if err != nil {
			return err
		}
		pay, err := tx.Payment.Create().SetOrderID(o.ID).SetOutTradeNo(o.OrderNo).
			SetAmountFen(o.PayableFen).SetPayerOpenid(openid).Save(ctx)
		if err != nil {
			return err
		}
		if err := s.inv.Reserve(ctx, tx, inventory.Shopper(shopperID), in.StoreID, o.ID, stockLines); err != nil {
			return err
		}
		if err := s.claimBenefits(ctx, tx, shopperID, o, p); err != nil {
			return err
		}
		// The order as its view shows it, without reading it back: the
		// store's name is all the view takes from the store.
		o.Edges.Events, o.Edges.Payments, o.Edges.Refunds = []*ent.OrderEvent{ev}, []*ent.Payment{pay}, []*ent.Refund{}
		o.Edges.Store = &ent.Store{ID: entry.ID, Name: entry.Name}
		if fromCart {
			ids := make([]int, len(items))
			for i, l := range items {
				ids[i] = l.SkuID
			}
			if _, err := tx.CartItem.Delete().Where(cartitem.ShopperID(shopperID), cartitem.StoreID(in.StoreID),
				cartitem.SkuIDIn(ids...)).Exec(ctx); err != nil {
				return err
			}
		}
		placed = o
		return nil
	})
	return placed, err
}

// shopperLimits refuses a checkout beyond the shopper's unpaid orders or
// checkouts a minute, and returns errKeyUsed when an order with key is
// there already; call it once the shopper's checkouts take turns (place:
// her row's lock on PostgreSQL, SQLite's one writer). The same read checks
// that the store is live (not deleted since the store index was read) and
// that its row's version is at most seen (errStoreStale otherwise): on
// PostgreSQL its row is read FOR SHARE, so checkouts of one store do not
// wait on each other, but a store delete waits for them (and they for it),
// and never leaves orders behind. It also reads her member standing
// (members.AppendStanding), which it returns. Each count reads only the
// orders it counts, through an index on the shopper and the key, the
// status or the time: her key's, her unpaid ones and those of the last
// minute, never her whole history.
func (s *Service) shopperLimits(ctx context.Context, tx *ent.Tx, shopperID, storeID int, seen int64, key string, now time.Time) (standing, string, error) {
	lim := s.limits
	since := now.Add(-time.Minute).UTC()
	query, args, err := s.limitsStatement(shopperID, storeID, key, since)
	if err != nil {
		return standing{}, "", err
	}
	rows, err := scanAll[limitsRow](ctx, tx, query, args)
	if err != nil {
		return standing{}, "", err
	}
	if len(rows) != 1 {
		return standing{}, "", storage.ShopperGone()
	}
	r := rows[0]
	if r.Live == nil {
		return standing{}, "", errs.E(errs.NotFound, "no store %d", storeID)
	}
	if *r.Live > seen {
		return standing{}, "", errStoreStale
	}
	if r.Used > 0 {
		return standing{}, "", errKeyUsed
	}
	if open := int(r.Open); open >= lim.OpenOrders {
		return standing{}, "", errs.E(errs.Conflict, "you already have %d unpaid orders (the limit); pay or cancel one first", open).
			With("limit", "open_orders").With("max", lim.OpenOrders)
	}
	if int(r.Recent) >= lim.CheckoutsPerMinute {
		recent, err := tx.Order.Query().Where(order.ShopperID(shopperID), order.CreatedAtGT(since)).
			Order(ent.Asc(order.FieldCreatedAt)).Limit(lim.CheckoutsPerMinute).Select(order.FieldCreatedAt).All(ctx)
		if err != nil {
			return standing{}, "", err
		}
		if len(recent) >= lim.CheckoutsPerMinute {
			wait := max(recent[0].CreatedAt.Add(time.Minute).Sub(now), time.Second)
			return standing{}, "", errs.TooMany(wait, "at most %d orders a minute; wait a moment", lim.CheckoutsPerMinute).
				With("limit", "checkouts_per_minute").With("max", lim.CheckoutsPerMinute)
		}
	}
	if s.benefits.Members == nil {
		return standing{}, r.Openid, nil
	}
	at, err := r.StandingColumns.Standing()
	return standing{level: at.Level, points: at.Points}, r.Openid, err
}

// limitsRow is what limitsRead reads: the shopper's openid, her orders
// made with the key, her unpaid orders and those of the last minute, the store's id
// while it is live, and her member standing.
type limitsRow struct {
	// Openid is whom the order's payment is for.
	Openid string `json:"openid"`
	Used   int64  `json:"used"`
	Open   int64  `json:"open"`
	Recent int64  `json:"recent"`
	// Live is the store's row version (NULL: 0) while it is not deleted.
	Live *int64 `json:"live"`
	members.StandingColumns
}

// limitsParams and limitsAgain are the two sets of stand-ins the
// checkout's read of the shopper is built with (a storage.Template), each
// value standing for one of a checkout's: her id, the store's, the key,
// the minute's start and the level window's.
var (
	limitsParams = []any{-7_000_000_001, -7_000_000_002, "\x00wemart:limits:key",
		time.Unix(-7_000_000_003, 0).UTC(), time.Unix(-7_000_000_004, 0).UTC()}
	limitsAgain = []any{-7_000_000_011, -7_000_000_012, "\x00wemart:limits:key:again",
		time.Unix(-7_000_000_013, 0).UTC(), time.Unix(-7_000_000_014, 0).UTC()}
)

// limitsStatement is shopperLimits' read of the shopper's row with
// limitsRead's columns, as SQL and its arguments.
func (s *Service) limitsStatement(shopperID, storeID int, key string, since time.Time) (string, []any, error) {
	t, err := s.limitsStmt()
	if err != nil {
		return "", nil, err
	}
	m := s.benefits.Members
	if m == nil {
		query, args := t.Bind(shopperID, storeID, key, since)
		return query, args, nil
	}
	query, args := t.Bind(shopperID, storeID, key, since, m.WindowStart())
	return query, args, nil
}

// buildLimits builds limitsStatement's template (once: building it cost a
// checkout more than SQLite took to run it), as ent would build the read:
// the shopper's row, limitsRead's columns.
func (s *Service) buildLimits() (storage.Template, error) {
	params, again := limitsParams, limitsAgain
	if s.benefits.Members == nil {
		params, again = params[:4], again[:4] // no standing read, no window
	}
	return storage.NewTemplate(params, again, func(v []any) (string, []any) {
		window := time.Time{}
		if len(v) > 4 {
			window = v[4].(time.Time)
		}
		shoppers := sql.Table(shopper.Table)
		q := sql.Dialect(s.db.Dialect).Select().From(shoppers).Where(sql.EQ(shoppers.C(shopper.FieldID), v[0]))
		s.limitsRead(v[0].(int), v[1].(int), v[2].(string), v[3].(time.Time), window)(q)
		return q.Query()
	})
}

// limitsRead selects shopperLimits' columns into a read of the shopper's
// row: each a scalar subquery over an index. window is the start of the
// member level window.
func (s *Service) limitsRead(shopperID, storeID int, key string, since, window time.Time) func(*sql.Selector) {
	return func(q *sql.Selector) {
		live := sql.Select("COALESCE(" + store.FieldVersion + ", 0)").From(sql.Table(store.Table)).
			Where(sql.And(sql.EQ(store.FieldID, storeID), sql.IsNull(store.FieldDeletedAt)))
		if s.db.Dialect == dialect.Postgres {
			live.ForShare()
		}
		orders := sql.Table(order.Table)
		count := func(p *sql.Predicate) *sql.Selector {
			return sql.Select("COUNT(*)").From(orders).Where(sql.And(sql.EQ(orders.C(order.FieldShopperID), shopperID), p))
		}
		q.Select(q.C(shopper.FieldOpenid)).
			AppendSelectExprAs(count(sql.EQ(orders.C(order.FieldIdempotencyKey), key)), "used").
			AppendSelectExprAs(count(sql.EQ(orders.C(order.FieldStatus), string(order.StatusPendingPayment))), "open").
			AppendSelectExprAs(count(sql.GT(orders.C(order.FieldCreatedAt), since)), "recent").
			AppendSelectExprAs(live, "live")
		if m := s.benefits.Members; m != nil {
			m.AppendStanding(q, shopperID, window)
		}
	}
}

// cartLines are the selected lines of the shopper's cart at a store.
func cartLines(ctx context.Context, tx *ent.Client, shopperID, storeID int) ([]LineInput, error) {
	rows, err := tx.CartItem.Query().
		Where(cartitem.ShopperID(shopperID), cartitem.StoreID(storeID), cartitem.Selected(true)).
		Order(ent.Asc(cartitem.FieldSkuID)).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errs.InvalidField("items", "the cart at store %d has no selected lines; add items or send them", storeID)
	}
	if len(rows) > MaxLines {
		return nil, errs.InvalidField("items", "an order holds at most %d lines; deselect some", MaxLines)
	}
	out := make([]LineInput, len(rows))
	for i, r := range rows {
		if r.Quantity > MaxLineQuantity { // a line kept from before the limit
			return nil, errs.InvalidField("items", "the cart holds %d units of SKU %d; an order takes at most %d; lower the quantity",
				r.Quantity, r.SkuID, MaxLineQuantity).With("limit", "units_per_line").With("max", MaxLineQuantity)
		}
		out[i] = LineInput{SkuID: r.SkuID, Quantity: r.Quantity}
	}
	return out, nil
}

// priceLines reads each line's SKU, product and price at the store now,
// inside the order's transaction: the SKU must exist, be on sale and be
// stocked by the store, whose own price (on the stock row) beats the chain's.
func priceLines(ctx context.Context, tx *ent.Client, dialect string, storeID int, items []LineInput, lockShopper int) ([]priced, error) {
	values := make([]any, 1+len(items), 2+len(items))
	values[0] = storeID
	for i, l := range items {
		values[1+i] = l.SkuID
	}
	if lockShopper != 0 {
		values = append(values, lockShopper)
	}
	t, err := priceRead(dialect, len(items), lockShopper != 0)
	if err != nil {
		return nil, err
	}
	query, args := t.Bind(values...)
	rows, err := scanAll[priceRow](ctx, tx, query, args)
	if err != nil {
		return nil, err
	}
	if lockShopper != 0 && len(rows) > 0 && (rows[0].Locked == nil || *rows[0].Locked == 0) {
		return nil, storage.ShopperGone() // as LockShopper says it
	}
	byID := make(map[int]*ent.Sku, len(rows))
	ownFen := make(map[int]*int64, len(rows))
	available := make(map[int]int64, len(rows))
	for _, r := range rows {
		pr := &ent.Product{ID: r.ProductID, Title: r.Title, ImageKey: r.ImageKey, CategoryID: r.CategoryID,
			Status: product.Status(r.Status), DeletedAt: r.DeletedAt}
		if r.Images != nil && *r.Images != "" && *r.Images != "null" {
			if err := json.Unmarshal([]byte(*r.Images), &pr.Images); err != nil {
				return nil, fmt.Errorf("orders: product %d images: %w", r.ProductID, err)
			}
		}
		byID[r.SkuID] = &ent.Sku{ID: r.SkuID, Name: r.SkuName, PriceFen: r.ChainFen, ProductID: r.ProductID, Edges: ent.SkuEdges{Product: pr}}
		if r.StockID != nil {
			ownFen[r.SkuID] = r.OwnFen
			if r.OnHand != nil && r.Reserved != nil {
				available[r.SkuID] = *r.OnHand - *r.Reserved
			}
		}
	}
	out := make([]priced, len(items))
	for i, l := range items {
		k := byID[l.SkuID]
		if k == nil || k.Edges.Product == nil || k.Edges.Product.DeletedAt != nil {
			return nil, errs.E(errs.NotFound, "no SKU %d", l.SkuID).With("sku_id", l.SkuID)
		}
		if k.Edges.Product.Status != product.StatusListed {
			return nil, errs.E(errs.Conflict, "%s is no longer on sale", k.Edges.Product.Title).With("sku_id", l.SkuID)
		}
		own, ok := ownFen[l.SkuID]
		if !ok {
			return nil, errs.E(errs.Conflict, "%s (SKU %d) is not sold at store %d", k.Edges.Product.Title, l.SkuID, storeID).
				With("sku_id", l.SkuID)
		}
		out[i] = priced{LineInput: l, sku: k, product: k.Edges.Product, unitFen: prices.Effective(k.PriceFen, own), available: available[l.SkuID]}
	}
	return out, nil
}

// scanAll runs query on q (a client or a transaction) and scans every row
// into a T by its json tags, as ent's Scan does.
func scanAll[T any](ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*stdsql.Rows, error)
}, query string, args []any) ([]T, error) {
	res, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []T
	err = sql.ScanSlice(res, &out)
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	return out, err
}

// priceRow is what priceLines reads of a SKU: it with its product and,
// when the store stocks it, its stock row there.
type priceRow struct {
	SkuID      int        `json:"sku_id"`
	SkuName    string     `json:"sku_name"`
	ChainFen   int64      `json:"chain_fen"`
	ProductID  int        `json:"product_id"`
	Title      string     `json:"title"`
	ImageKey   string     `json:"image_key"`
	Images     *string    `json:"images"`
	CategoryID *int       `json:"category_id"`
	Status     string     `json:"status"`
	DeletedAt  *time.Time `json:"product_deleted_at"`
	StockID    *int       `json:"stock_id"`
	OwnFen     *int64     `json:"own_fen"`
	OnHand     *int64     `json:"on_hand"`
	Reserved   *int64     `json:"reserved"`
	Locked     *int64     `json:"locked"` // with the shopper's lock: her rows locked, 0 or 1
}

// priceReads holds priceLines' statements, one a dialect and line count,
// each built once (storage.Template).
var priceReads sync.Map // priceKey → storage.Template

// priceKey names one of priceReads' statements.
type priceKey struct {
	dialect string
	lines   int
	lock    bool
}

// priceRead is the template of priceLines' read of n lines: one read of
// each SKU (not deleted) with its product and, when the store stocks it,
// its stock row there. Its params are the store and the n SKUs, and with
// lock (PostgreSQL only) a shopper, whose row the read locks FOR NO KEY
// UPDATE (the lock storage.LockShopper's UPDATE takes, in a round trip of
// its own: it leaves inserts of rows that refer to her free) and counts in
// its column "locked": 0 when her row is gone. Only a read that finds
// rows takes the lock (the count's subquery runs for the first row), and
// one that finds none fails the checkout anyway. The rest of the read
// sees the database as it was when the read began, before any wait for
// the lock: prices and stock as they were a moment before are what a
// checkout could have read anyway (the reservation's compare-and-set has
// the last word on stock); what must see her other checkouts' effects
// (the limits) is read after, by a statement of its own.
func priceRead(dialect string, n int, lock bool) (storage.Template, error) {
	key := priceKey{dialect, n, lock}
	if t, ok := priceReads.Load(key); ok {
		return t.(storage.Template), nil
	}
	params, again := make([]any, 1+n), make([]any, 1+n)
	params[0], again[0] = -7_000_000_010, -7_000_000_020
	for i := range n {
		params[1+i], again[1+i] = -7_000_100_000-i, -7_000_200_000-i
	}
	if lock {
		params, again = append(params, -7_000_000_030), append(again, -7_000_000_040)
	}
	t, err := storage.NewTemplate(params, again, func(v []any) (string, []any) {
		q := sql.Dialect(dialect).Select().From(sql.Table(sku.Table))
		p, st := sql.Table(product.Table), sql.Table(stock.Table)
		q.Join(p).On(q.C(sku.FieldProductID), p.C(product.FieldID)).
			LeftJoin(st).OnP(sql.And(sql.ColumnsEQ(st.C(stock.FieldSkuID), q.C(sku.FieldID)), sql.EQ(st.C(stock.FieldStoreID), v[0])))
		q.Select(sql.As(q.C(sku.FieldID), "sku_id"), sql.As(q.C(sku.FieldName), "sku_name"), sql.As(q.C(sku.FieldPriceFen), "chain_fen"),
			sql.As(p.C(product.FieldID), "product_id"), sql.As(p.C(product.FieldTitle), "title"), sql.As(p.C(product.FieldImageKey), "image_key"),
			sql.As(p.C(product.FieldImages), "images"), sql.As(p.C(product.FieldCategoryID), "category_id"), sql.As(p.C(product.FieldStatus), "status"),
			sql.As(p.C(product.FieldDeletedAt), "product_deleted_at"), sql.As(st.C(stock.FieldID), "stock_id"),
			sql.As(st.C(stock.FieldPriceFen), "own_fen"), sql.As(st.C(stock.FieldOnHand), "on_hand"), sql.As(st.C(stock.FieldReserved), "reserved"))
		skus := v[1 : 1+n]
		q.Where(sql.And(sql.In(q.C(sku.FieldID), skus...), sql.IsNull(q.C(sku.FieldDeletedAt))))
		if lock {
			d := sql.Dialect(dialect)
			her := d.Select(shopper.FieldID).From(d.Table(shopper.Table)).Where(sql.EQ(shopper.FieldID, v[1+n])).For(sql.LockNoKeyUpdate)
			q.Prefix(d.With("locked").As(her))
			q.AppendSelectExprAs(sql.Expr(`(SELECT COUNT(*) FROM "locked")`), "locked")
		}
		return q.Query()
	})
	if err != nil {
		return storage.Template{}, err
	}
	actual, _ := priceReads.LoadOrStore(key, t)
	return actual.(storage.Template), nil
}

// deliverable checks that the store delivers to one of the shopper's
// addresses and that the goods reach its minimum, and returns the address
// as it is now, for the order to keep.
func deliverable(ctx context.Context, tx *ent.Client, e *stores.Entry, shopperID, addressID int, goods int64) (*types.AddressSnapshot, int, error) {
	a, err := tx.Address.Query().Where(address.ID(addressID), address.ShopperID(shopperID), address.DeletedAtIsNil()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, 0, errs.E(errs.NotFound, "no address %d", addressID).With("field", "address_id")
	}
	if err != nil {
		return nil, 0, err
	}
	if a.Lat == nil || a.Lng == nil {
		return nil, 0, errs.E(errs.Conflict, "address %d has no map location; pick it on the map so the store can tell whether it delivers there", addressID)
	}
	d := e.Deliveries(geo.Point{Lat: *a.Lat, Lng: *a.Lng})
	if !d.Delivers {
		msg := map[string]string{
			"no_delivery":    "%s does not deliver; choose pickup",
			"outside_radius": "%s does not deliver to this address (outside its delivery area)",
			"outside_zone":   "%s does not deliver to this address (outside its delivery zone)",
		}[d.Reason]
		return nil, 0, errs.E(errs.Conflict, msg, e.Name).With("reason", d.Reason).With("distance_m", int(d.DistanceM))
	}
	if goods < e.MinFen {
		return nil, 0, errs.E(errs.Conflict, "%s delivers orders from ¥%s; this one is ¥%s", e.Name, yuan(e.MinFen), yuan(goods)).
			With("delivery_min_fen", e.MinFen)
	}
	snap := &types.AddressSnapshot{
		AddressID: a.ID, Contact: a.Contact, Phone: a.Phone, Province: a.Province, City: a.City,
		District: a.District, Detail: a.Detail, Lat: a.Lat, Lng: a.Lng,
	}
	return snap, int(d.DistanceM + 0.5), nil
}

// yuan formats fen as yuan for messages ("12.50").
func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// orderNo is a new order number (also WeChat Pay's out_trade_no): the time
// in Beijing to the second and eight random digits, 20 characters.
func orderNo(now time.Time) string {
	return now.In(beijing).Format("060102150405") + randomDigits(8)
}

// pickupCode is the code a shopper shows at the counter.
func pickupCode() string { return randomDigits(6) }

func randomDigits(n int) string {
	var b strings.Builder
	for range n {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}

// beijing is the time zone order numbers read in.
var beijing = time.FixedZone("CST", 8*3600)
