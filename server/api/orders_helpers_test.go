package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"wemart/ent/order"
	"wemart/ent/stock"
	"wemart/ent/stockmovement"
	"wemart/server/apitest"
	"wemart/server/storage"
)

// shop is a store with two products in stock and a logged-in shopper: the
// setting of the money-path tests.
type shop struct {
	t       *testing.T
	h       *apitest.Harness
	db      *storage.DB
	store   store
	milk    int // SKU ids
	bread   int
	shopper login
}

// Prices of the fixture's SKUs.
const (
	milkFen  = 1290
	breadFen = 850
)

// newShop builds the app on db with a delivering store stocking milk (10)
// and bread (5), and logs in a shopper.
func newShop(t *testing.T, db *storage.DB, opts ...apitest.Options) *shop {
	t.Helper()
	h := apitest.New(t, db, opts...)
	s := &shop{t: t, h: h, db: db}
	h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{
		"name": "人民广场店", "address": "上海市黄浦区南京东路1号", "lat": 31.2304, "lng": 121.4737,
		"pickup": true, "delivery": true, "delivery_radius_m": 3000, "delivery_fee_fen": 500, "delivery_min_fen": 2000,
	}).OK(http.StatusCreated, &s.store)
	s.milk = mustProduct(t, h, "光明鲜牛奶 950ml", milkFen).Skus[0].ID
	s.bread = mustProduct(t, h, "全麦吐司", breadFen).Skus[0].ID
	s.setStock(s.milk, 10)
	s.setStock(s.bread, 5)
	s.shopper = mustShopper(t, h, "shopper-"+t.Name())
	return s
}

func (s *shop) setStock(skuID int, onHand int64) {
	s.t.Helper()
	s.h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", s.store.ID, skuID), s.h.AdminToken,
		map[string]any{"on_hand": onHand}).OK(http.StatusOK, nil)
}

// level reads a SKU's stock at the fixture's store.
func (s *shop) level(skuID int) level {
	s.t.Helper()
	var l level
	s.h.Do("GET", apitest.Path("/admin/v1/stores/%d/stock/%d", s.store.ID, skuID), s.h.AdminToken, nil).OK(http.StatusOK, &l)
	return l
}

// wantLevel fails unless a SKU's stock is on_hand/reserved.
func (s *shop) wantLevel(skuID int, onHand, reserved int64) {
	s.t.Helper()
	if l := s.level(skuID); l.OnHand != onHand || l.Reserved != reserved || l.Available != onHand-reserved {
		s.t.Fatalf("SKU %d: on_hand %d reserved %d available %d, want %d/%d", skuID, l.OnHand, l.Reserved, l.Available, onHand, reserved)
	}
}

// ledgerReplays fails unless every stock row of the store equals the sum
// of its ledger, and each ledger row's *_after is the running total.
// wantSales fails unless the SKU's product counts sold units as sold.
func (s *shop) wantSales(skuID int, sold int64) {
	s.t.Helper()
	ctx := context.Background()
	if p := s.db.Client.Sku.GetX(ctx, skuID).QueryProduct().OnlyX(ctx); p.Sales != sold {
		s.t.Fatalf("product %d (SKU %d) has %d sales, want %d", p.ID, skuID, p.Sales, sold)
	}
}

func (s *shop) ledgerReplays() {
	s.t.Helper()
	ledgerReplays(s.t, s.db, s.store.ID)
}

func ledgerReplays(t *testing.T, db *storage.DB, storeID int) {
	t.Helper()
	ctx := context.Background()
	for _, st := range db.Client.Stock.Query().Where(stock.StoreID(storeID)).AllX(ctx) {
		moves := db.Client.StockMovement.Query().
			Where(stockmovement.StoreID(storeID), stockmovement.SkuID(st.SkuID)).
			Order(stockmovement.ByID()).AllX(ctx)
		var onHand, reserved int64
		for _, m := range moves {
			onHand += m.DeltaOnHand
			reserved += m.DeltaReserved
			if m.OnHandAfter != onHand || m.ReservedAfter != reserved {
				t.Fatalf("SKU %d: ledger row %d says %d/%d after, running total is %d/%d", st.SkuID, m.ID,
					m.OnHandAfter, m.ReservedAfter, onHand, reserved)
			}
		}
		if onHand != st.OnHand || reserved != st.Reserved {
			t.Fatalf("SKU %d: stock %d/%d, ledger replays to %d/%d", st.SkuID, st.OnHand, st.Reserved, onHand, reserved)
		}
	}
}

// orderView is an order as the API shows it.
type orderView struct {
	ID             int     `json:"id"`
	OrderNo        string  `json:"order_no"`
	Status         string  `json:"status"`
	StoreID        int     `json:"store_id"`
	Fulfilment     string  `json:"fulfilment"`
	PickupCode     *string `json:"pickup_code"`
	GoodsFen       int64   `json:"goods_fen"`
	DeliveryFeeFen int64   `json:"delivery_fee_fen"`
	PayableFen     int64   `json:"payable_fen"`
	RefundedFen    int64   `json:"refunded_fen"`
	// What each pricing step took (issue 14).
	DiscountFen          int64  `json:"discount_fen"`
	LevelName            string `json:"level_name"`
	LevelDiscountFen     int64  `json:"level_discount_fen"`
	CouponID             *int   `json:"coupon_id"`
	CouponDiscountFen    int64  `json:"coupon_discount_fen"`
	PointsUsed           int64  `json:"points_used"`
	PointsDiscountFen    int64  `json:"points_discount_fen"`
	DeliveryFeeWaivedFen int64  `json:"delivery_fee_waived_fen"`
	CancelReason         string `json:"cancel_reason"`
	ExpiresAt            time.Time
	Items                []orderItemView `json:"items"`
	Timeline             []struct {
		Status     string  `json:"status"`
		FromStatus *string `json:"from_status"`
		Actor      string  `json:"actor"`
		Note       string  `json:"note"`
	} `json:"timeline"`
	Refunds []struct {
		AmountFen int64  `json:"amount_fen"`
		Status    string `json:"status"`
		Initiator string `json:"initiator"`
		Reason    string `json:"reason"`
	} `json:"refunds"`
	Payment *struct {
		Status        string  `json:"status"`
		TransactionID *string `json:"transaction_id"`
	} `json:"payment"`
}

// orderItemView is an order line as the API shows it.
type orderItemView struct {
	ID               int    `json:"id"`
	SkuID            int    `json:"sku_id"`
	Title            string `json:"title"`
	PriceFen         int64  `json:"price_fen"`
	Quantity         int    `json:"quantity"`
	AmountFen        int64  `json:"amount_fen"`
	DiscountFen      int64  `json:"discount_fen"`
	RefundedQuantity int    `json:"refunded_quantity"`
}

// statuses is the order's timeline as "a>b>c".
func (o orderView) statuses() string {
	var parts []string
	for _, e := range o.Timeline {
		parts = append(parts, e.Status)
	}
	return strings.Join(parts, ">")
}

type payParams struct {
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

func (p payParams) prepayID() string { return strings.TrimPrefix(p.Package, "prepay_id=") }

type checkoutAnswer struct {
	Order   orderView  `json:"order"`
	Payment *payParams `json:"payment"`
}

var keys atomic.Int64

// newKey is a fresh Idempotency-Key.
func newKey() string { return fmt.Sprintf("key-%d-%d", time.Now().UnixNano(), keys.Add(1)) }

// checkout posts an order with a fresh key.
func (s *shop) checkout(token string, body any) *apitest.Response {
	s.t.Helper()
	return s.h.Do("POST", "/api/v1/orders", token, body, "Idempotency-Key", newKey())
}

// mustOrder places a pickup order of the lines (sku, quantity, ...) and
// returns it with its payment parameters.
func (s *shop) mustOrder(lines ...int) checkoutAnswer {
	s.t.Helper()
	var items []map[string]int
	for i := 0; i+1 < len(lines); i += 2 {
		items = append(items, map[string]int{"sku_id": lines[i], "quantity": lines[i+1]})
	}
	var a checkoutAnswer
	s.checkout(s.shopper.Token, map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "items": items}).
		OK(http.StatusCreated, &a)
	if a.Payment == nil || a.Order.Status != "pending_payment" {
		s.t.Fatalf("checkout answered %+v", a)
	}
	return a
}

// order reads an order as the shopper sees it.
func (s *shop) order(id int) orderView {
	s.t.Helper()
	var o orderView
	s.h.Do("GET", apitest.Path("/api/v1/orders/%d", id), s.shopper.Token, nil).OK(http.StatusOK, &o)
	return o
}

// wantStatus fails unless the order is in status.
func (s *shop) wantStatus(id int, status order.Status) orderView {
	s.t.Helper()
	o := s.order(id)
	if o.Status != string(status) {
		s.t.Fatalf("order %d is %s, want %s; timeline %s", id, o.Status, status, o.statuses())
	}
	return o
}

// pay plays the shopper paying in the WeChat cashier.
func (s *shop) pay(prepayID string, notify bool) cashier {
	s.t.Helper()
	var c cashier
	s.h.Do("POST", "/sandbox/pay", "", map[string]any{"prepay_id": prepayID, "skip_notify": !notify}).OK(http.StatusOK, &c)
	return c
}

// eventuallyStatus waits for background work (a refund settling) to bring
// the order to status.
func (s *shop) eventuallyStatus(id int, status order.Status) orderView {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var o orderView
		res := s.h.Do("GET", apitest.Path("/api/v1/orders/%d", id), s.shopper.Token, nil)
		res.OK(http.StatusOK, &o)
		if o.Status == string(status) {
			return o
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("order %d is still %s, want %s; timeline %s", id, o.Status, status, o.statuses())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sweep runs the order sweeper once, as every process does on its tick.
func (s *shop) sweep() {
	s.t.Helper()
	if _, err := s.h.App.Orders.Sweep(context.Background()); err != nil {
		s.t.Fatal(err)
	}
}

// rawResult is an answer to a request made from many goroutines at once.
type rawResult struct {
	Status int
	Code   string
	Body   []byte
	Err    error
}

// post sends a JSON request over real HTTP to the harness's server (safe
// from any goroutine, unlike Harness.Do).
func post(h *apitest.Harness, path, token string, body any, headers ...string) rawResult {
	return send(h, "POST", path, token, body, headers...)
}

// send is post with another method (a nil body is sent as no body).
func send(h *apitest.Harness, method, path, token string, body any, headers ...string) rawResult {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.URL+path, r)
	if err != nil {
		return rawResult{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return rawResult{Err: err}
	}
	defer res.Body.Close()
	out := rawResult{Status: res.StatusCode}
	out.Body, out.Err = io.ReadAll(res.Body)
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if json.Unmarshal(out.Body, &e) == nil {
		out.Code = e.Error.Code
	}
	return out
}
