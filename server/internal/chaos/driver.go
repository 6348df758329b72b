package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// driver plays the shoppers and the staff through the load balancer.
type driver struct {
	cfg   config
	c     *client
	books *books
	admin credentials
	// staffToken is the staff login, made once and reused (staff logins are
	// rate limited per address).
	staffToken string
	// handovers are paid pickup orders the shoppers come to collect.
	handovers chan *placed
	// later are payments scheduled for later (shoppers who pay at the
	// last moment); the load waits for them.
	later sync.WaitGroup
	// loadEnd is when the load phase ends.
	loadEnd time.Time
}

// Catalogue of the run's store: plenty of most things, little of some, so
// that checkouts also run out of stock.
var catalogue = []struct {
	title  string
	price  int64
	onHand int64
}{
	{"光明鲜牛奶 950ml", 1290, 4000}, {"全麦吐司", 850, 4000}, {"农夫山泉 550ml", 200, 4000},
	{"康师傅红烧牛肉面", 450, 4000}, {"三只松鼠每日坚果", 3990, 4000}, {"蒙牛纯甄酸奶", 690, 4000},
	{"限量 草莓礼盒", 8800, 40}, {"限量 车厘子 500g", 6900, 25},
}

func newDriver(cfg config, c *client, admin credentials) *driver {
	return &driver{cfg: cfg, c: c, books: newBooks(), admin: admin, handovers: make(chan *placed, 1024)}
}

// setup logs staff in and creates the store, its products and their stock.
func (d *driver) setup(ctx context.Context) error {
	var login struct{ Token string }
	if r := d.c.do(ctx, "staff login", "POST", "/admin/v1/login", "",
		map[string]string{"username": d.admin.user, "password": d.admin.password}, &login); !r.ok() || r.Err != nil {
		return fmt.Errorf("staff login: %d %s %v", r.Status, clip(string(r.Body), 300), r.Err)
	}
	d.staffToken = login.Token
	var st struct{ ID int }
	if r := d.c.do(ctx, "setup", "POST", "/admin/v1/stores", d.staffToken, map[string]any{
		"name": "混沌测试店", "address": "上海市黄浦区南京东路1号", "lat": 31.2304, "lng": 121.4737,
		"pickup": true, "delivery": false,
	}, &st); r.Status != http.StatusCreated || r.Err != nil {
		return fmt.Errorf("create the store: %d %s %v", r.Status, clip(string(r.Body), 300), r.Err)
	}
	d.books.storeID = st.ID
	for _, item := range catalogue {
		var p struct {
			Skus []struct{ ID int } `json:"skus"`
		}
		if r := d.c.do(ctx, "setup", "POST", "/admin/v1/products", d.staffToken, map[string]any{
			"title": item.title, "skus": []map[string]any{{"name": "标准装", "price_fen": item.price}},
		}, &p); r.Status != http.StatusCreated || r.Err != nil || len(p.Skus) != 1 {
			return fmt.Errorf("create a product: %d %s %v", r.Status, clip(string(r.Body), 300), r.Err)
		}
		sku := p.Skus[0].ID
		if r := d.c.do(ctx, "setup", "PUT", fmt.Sprintf("/admin/v1/stores/%d/stock/%d", st.ID, sku), d.staffToken,
			map[string]any{"on_hand": item.onHand}, nil); !r.ok() {
			return fmt.Errorf("set stock: %d %s %v", r.Status, clip(string(r.Body), 300), r.Err)
		}
		d.books.initial[sku] = item.onHand
		d.books.price[sku] = item.price
		d.books.skus = append(d.books.skus, sku)
	}
	return nil
}

// load runs the shoppers and the staff until ctx ends, then waits for
// payments still scheduled.
func (d *driver) load(ctx context.Context, run context.Context) {
	d.loadEnd, _ = ctx.Deadline()
	var wg sync.WaitGroup
	for w := range d.cfg.Workers {
		wg.Go(func() { d.shopperWorker(ctx, run, w) })
	}
	wg.Go(func() { d.staffWorker(ctx) })
	wg.Go(func() { d.badMoments(ctx) })
	wg.Wait()
	d.later.Wait()
}

// shopper is one shopper as a worker plays it.
type shopper struct {
	code      string
	id        int
	token     string
	cartDirty bool // the cart may hold lines from an attempt that failed
}

// shopperWorker plays its share of the shoppers in turn until ctx ends.
func (d *driver) shopperWorker(ctx, run context.Context, w int) {
	rng := rand.New(rand.NewPCG(d.cfg.Seed, uint64(w)+1))
	n := max(1, d.cfg.Shoppers/d.cfg.Workers)
	pool := make([]*shopper, n)
	for i := range pool {
		pool[i] = &shopper{code: fmt.Sprintf("chaos-%d-%d-%d", d.cfg.Seed, w, i)}
	}
	for ctx.Err() == nil {
		sh := pool[rng.IntN(n)]
		if sh.token == "" && !d.login(ctx, sh) {
			sleep(ctx, 200*time.Millisecond)
			continue
		}
		d.shop(ctx, run, rng, sh)
		sleep(ctx, time.Duration(50+rng.IntN(200))*time.Millisecond)
	}
}

// login logs the shopper in (wx.login code → our token).
func (d *driver) login(ctx context.Context, sh *shopper) bool {
	var l struct {
		Token string
		User  struct{ ID int }
	}
	r := d.c.do(ctx, "login", "POST", "/api/v1/auth/login", "", map[string]string{"code": sh.code}, &l)
	if !r.ok() || r.Err != nil {
		return false
	}
	sh.token, sh.id = l.Token, l.User.ID
	d.books.mu.Lock()
	d.books.shoppers[sh.id] = sh.code
	d.books.mu.Unlock()
	return true
}

// line is a line of an order.
type line struct {
	SkuID    int `json:"sku_id"`
	Quantity int `json:"quantity"`
}

// orderView is what the driver reads of an order.
type orderView struct {
	ID         int    `json:"id"`
	OrderNo    string `json:"order_no"`
	Status     string `json:"status"`
	PayableFen int64  `json:"payable_fen"`
	// DiscountFen is the shopper's member level's: the driver's shoppers
	// use no coupons or points.
	DiscountFen int64   `json:"discount_fen"`
	PickupCode  *string `json:"pickup_code"`
	Items       []struct {
		ID       int `json:"id"`
		SkuID    int `json:"sku_id"`
		Quantity int `json:"quantity"`
	} `json:"items"`
}

// shop is one visit: fill the cart (or name the lines), check out, then
// pay, pay late, cancel, or walk away; after paying, maybe ask for a
// refund or come to collect.
func (d *driver) shop(ctx, run context.Context, rng *rand.Rand, sh *shopper) {
	storeID := d.books.storeID
	var lines []line
	for _, i := range rng.Perm(len(d.books.skus))[:1+rng.IntN(3)] {
		lines = append(lines, line{SkuID: d.books.skus[i], Quantity: 1 + rng.IntN(3)})
	}
	body := map[string]any{"store_id": storeID, "fulfilment": "pickup"}
	// asked is what the order must hold: the lines named, or what the
	// driver's own PUTs put in the (emptied) cart.
	asked := map[int]int{}
	if rng.Float64() < 0.6 { // through the cart
		if sh.cartDirty {
			if r := d.c.do(ctx, "cart", "DELETE", fmt.Sprintf("/api/v1/cart?store_id=%d", storeID), sh.token, nil, nil); !r.ok() {
				return
			}
			sh.cartDirty = false
		}
		for _, l := range lines {
			switch r := d.putLine(ctx, sh, l); {
			case r.ok():
				asked[l.SkuID] = l.Quantity
				sh.cartDirty = true
			case r.ambiguous():
				// Whether the cart holds the line is unknown: no checkout
				// (the cart is emptied next time).
				sh.cartDirty = true
				return
			default:
				d.books.count(func(t *tally) { t.cartRefused++ })
			}
		}
		if len(asked) == 0 {
			return
		}
	} else {
		body["items"] = lines
		for _, l := range lines {
			asked[l.SkuID] += l.Quantity
		}
	}
	o := d.checkout(ctx, rng, sh, body, asked)
	if o == nil || o.PrepayID == "" {
		return
	}
	if _, named := body["items"]; !named {
		sh.cartDirty = false // the ordered lines left the cart
	}
	switch x := rng.Float64(); {
	case x < 0.70:
		if d.pay(ctx, rng, o, rng.Float64() < 0.2) {
			d.afterPaying(ctx, rng, sh, o)
		}
	case x < 0.78:
		// Pays at the last moment: around the order's expiry, racing the
		// sweepers (or too late: the cashier refuses a closed transaction).
		delay := d.cfg.TTL - 3*time.Second + time.Duration(rng.IntN(6000))*time.Millisecond
		if time.Now().Add(delay).After(d.loadEnd.Add(-time.Second)) {
			delay = time.Duration(rng.IntN(3000)) * time.Millisecond
		}
		d.books.count(func(t *tally) { t.delayed++ })
		d.books.racy(o)
		skip := rng.Float64() < 0.3
		prng := rand.New(rand.NewPCG(d.cfg.Seed, rng.Uint64()))
		d.later.Go(func() {
			if sleep(ctx, delay) {
				d.pay(run, prng, o, skip)
			}
		})
	case x < 0.85:
		d.books.racy(o)
		r := d.c.do(ctx, "cancel", "POST", fmt.Sprintf("/api/v1/orders/%d/cancel", o.ID), sh.token,
			map[string]string{"reason": "chaos: changed my mind"}, nil)
		if r.ok() {
			d.books.count(func(t *tally) { t.cancels++ })
		}
		if rng.Float64() < 0.5 {
			// The cashier was open already and the shopper pays anyway: refused
			// if the cancel closed the transaction at WeChat Pay; a late
			// payment for a cancelled order if the close had failed.
			d.pay(ctx, rng, o, false)
		}
	default:
		// Walks away: the order expires.
	}
}

// putLine sets one line of the cart, repeating the PUT (which sets, so
// repeats are harmless) while the answer is ambiguous, as the mini program
// would; the last answer is returned.
func (d *driver) putLine(ctx context.Context, sh *shopper, l line) result {
	var r result
	for try := range 4 {
		r = d.c.do(ctx, "cart", "PUT", "/api/v1/cart/items", sh.token,
			map[string]any{"store_id": d.books.storeID, "sku_id": l.SkuID, "quantity": l.Quantity}, nil)
		if !r.ambiguous() || !sleep(ctx, time.Duration(200*(try+1))*time.Millisecond) {
			return r
		}
	}
	return r
}

// checkout places the order of the lines asked for, retrying with the
// same Idempotency-Key while the answer is ambiguous, as the mini program
// would.
func (d *driver) checkout(ctx context.Context, rng *rand.Rand, sh *shopper, body map[string]any, asked map[int]int) *placed {
	key := fmt.Sprintf("chaos-%d-%d-%016x", d.cfg.Seed, sh.id, rng.Uint64())
	d.books.count(func(t *tally) { t.checkouts++ })
	for try := range 4 {
		var a struct {
			Order   orderView `json:"order"`
			Payment *struct {
				Package string `json:"package"`
			} `json:"payment"`
		}
		r := d.c.do(ctx, "checkout", "POST", "/api/v1/orders", sh.token, body, &a, "Idempotency-Key", key)
		if r.ok() && r.Err == nil {
			o := &placed{ID: a.Order.ID, No: a.Order.OrderNo, Payable: a.Order.PayableFen, Discount: a.Order.DiscountFen, ShopperID: sh.id,
				Token: sh.token, Status: a.Order.Status}
			if a.Payment != nil {
				o.PrepayID = strings.TrimPrefix(a.Payment.Package, "prepay_id=")
			}
			if a.Order.PickupCode != nil {
				o.PickupCode = *a.Order.PickupCode
			}
			return d.books.checkout(key, sh.id, asked, r, o)
		}
		if r.ok() { // a 2xx we could not read
			d.books.notice("checkout %s answered %d with a body that does not decode: %v", key, r.Status, r.Err)
			return nil
		}
		if ctx.Err() != nil && r.Status == 0 {
			d.books.checkout(key, sh.id, asked, result{}, nil) // no answer: ambiguous
			return nil
		}
		d.books.checkout(key, sh.id, asked, r, nil)
		switch {
		case r.Code == "out_of_stock":
			d.books.count(func(t *tally) { t.outOfStock++ })
		case r.Status == http.StatusTooManyRequests || (r.Status == http.StatusConflict && strings.Contains(string(r.Body), "open_orders")):
			d.books.count(func(t *tally) { t.limited++ })
		}
		if !r.ambiguous() || !sleep(ctx, time.Duration(300*(try+1))*time.Millisecond) {
			return nil
		}
	}
	return nil
}

// pay plays the shopper paying in the WeChat cashier, retrying while the
// answer is ambiguous. skip loses the notification (WeChat never reaches
// us: the order must be found paid by asking WeChat Pay).
func (d *driver) pay(ctx context.Context, rng *rand.Rand, o *placed, skip bool) bool {
	for try := range 4 {
		var a struct {
			TransactionID string `json:"transaction_id"`
		}
		r := d.c.do(ctx, "pay", "POST", "/sandbox/pay", "", map[string]any{"prepay_id": o.PrepayID, "skip_notify": skip}, &a)
		if r.ok() && r.Err == nil {
			d.books.paid(o, r, a.TransactionID, skip)
			d.books.count(func(t *tally) {
				t.paysTaken++
				if skip {
					t.skipped++
				}
			})
			return true
		}
		if r.Status == 0 && ctx.Err() != nil {
			d.books.paid(o, result{}, "", skip)
			return false
		}
		d.books.paid(o, r, "", skip)
		if r.Status == http.StatusNotFound {
			d.books.notice("the sandbox does not know prepay_id %s of order %s that it issued: %s", o.PrepayID, o.No, clip(string(r.Body), 200))
		}
		if !r.ambiguous() {
			d.books.count(func(t *tally) { t.paysRefused++ })
			return false
		}
		if !sleep(ctx, time.Duration(200+rng.IntN(300)*(try+1))*time.Millisecond) {
			return false
		}
	}
	return false
}

// afterPaying: the shopper looks at the order (which asks WeChat Pay if
// no notification came), and may ask for a refund or come to collect.
func (d *driver) afterPaying(ctx context.Context, rng *rand.Rand, sh *shopper, o *placed) {
	if rng.Float64() < 0.5 {
		return
	}
	var v orderView
	r := d.c.do(ctx, "view", "GET", fmt.Sprintf("/api/v1/orders/%d", o.ID), sh.token, nil, &v)
	if !r.ok() || r.Err != nil || v.Status != "paid" {
		return
	}
	switch x := rng.Float64(); {
	case x < 0.25:
		req := map[string]any{}
		sku, n := 0, 0 // everything
		if rng.Float64() < 0.4 && len(v.Items) > 0 && (len(v.Items) > 1 || v.Items[0].Quantity > 1) {
			it := v.Items[rng.IntN(len(v.Items))]
			req["items"] = []map[string]int{{"order_item_id": it.ID, "quantity": 1}}
			sku, n = it.SkuID, 1
		}
		ask := d.books.ask(o, "shopper", sku, n)
		req["reason"] = ask.Tag + ": not what I wanted"
		r := d.c.do(ctx, "refund request", "POST", fmt.Sprintf("/api/v1/orders/%d/refund", o.ID), sh.token, req, nil)
		d.books.answered(ask, r)
		if r.ok() {
			d.books.count(func(t *tally) { t.refundRequests++ })
		}
	case x < 0.45 && v.PickupCode != nil:
		o.PickupCode = *v.PickupCode
		select {
		case d.handovers <- o:
		default:
		}
	}
}

// staffWorker is the store's staff: it reviews refund requests (mostly
// approving), hands over pickups, and now and then refunds a paid order on
// its own.
func (d *driver) staffWorker(ctx context.Context) {
	rng := rand.New(rand.NewPCG(d.cfg.Seed, 0))
	for ctx.Err() == nil {
		d.review(ctx, rng, 0.85)
		d.handOver(ctx)
		if rng.Float64() < 0.15 {
			d.books.mu.Lock()
			var o *placed
			if n := len(d.books.paidOrders); n > 0 {
				o = d.books.paidOrders[rng.IntN(n)]
			}
			if o != nil && o.HandoverUnknown {
				o = nil // staff do not know whether the shopper has the goods
			}
			d.books.mu.Unlock()
			if o != nil {
				ask := d.books.ask(o, "staff", 0, 0)
				r := d.c.do(ctx, "staff refund", "POST", fmt.Sprintf("/admin/v1/orders/%d/refund", o.ID), d.staffToken,
					map[string]string{"reason": ask.Tag + ": staff refund"}, nil)
				d.books.answered(ask, r)
				if r.ok() {
					d.books.count(func(t *tally) { t.staffRefunds++ })
				}
			}
		}
		sleep(ctx, time.Duration(300+rng.IntN(400))*time.Millisecond)
	}
}

// review approves (with probability approve) or rejects the refunds
// waiting for review.
func (d *driver) review(ctx context.Context, rng *rand.Rand, approve float64) int {
	var page struct {
		Items []struct{ ID int } `json:"items"`
	}
	r := d.c.do(ctx, "staff list", "GET", fmt.Sprintf("/admin/v1/orders?store_id=%d&status=refunding&page_size=100", d.books.storeID),
		d.staffToken, nil, &page)
	if !r.ok() || r.Err != nil {
		return 0
	}
	done := 0
	for _, o := range page.Items {
		if rng.Float64() < approve {
			r = d.c.do(ctx, "approve", "POST", fmt.Sprintf("/admin/v1/orders/%d/refund/approve", o.ID), d.staffToken,
				map[string]string{"note": "ok"}, nil)
			if r.ok() {
				done++
				d.books.count(func(t *tally) { t.approvals++ })
			}
		} else {
			r = d.c.do(ctx, "reject", "POST", fmt.Sprintf("/admin/v1/orders/%d/refund/reject", o.ID), d.staffToken,
				map[string]string{"note": "chaos: no"}, nil)
			if r.ok() {
				done++
				d.books.count(func(t *tally) { t.rejections++ })
			}
		}
	}
	return done
}

// handOver gives the shoppers waiting at the counter their orders: ready,
// then picked up against the pickup code.
func (d *driver) handOver(ctx context.Context) {
	for {
		var o *placed
		select {
		case o = <-d.handovers:
		default:
			return
		}
		r := d.c.do(ctx, "ready", "POST", fmt.Sprintf("/admin/v1/orders/%d/ready", o.ID), d.staffToken, nil, nil)
		if !r.ok() {
			continue
		}
		r = d.c.do(ctx, "picked up", "POST", fmt.Sprintf("/admin/v1/orders/%d/picked-up", o.ID), d.staffToken,
			map[string]string{"pickup_code": o.PickupCode}, nil)
		d.books.handedOver(o, r)
		if r.ok() {
			d.books.count(func(t *tally) { t.pickups++ })
		}
	}
}

// faults are WeChat Pay's bad moments the sandbox is told to play, with
// how many calls each spoils: closes that fail (a cancel or an expiry goes
// ahead and a payment may then arrive for a cancelled order), queries
// that fail (expiry waits), notifications lost (retried on WeChat's
// schedule), refunds WeChat Pay closes (the order returns to where it was).
var faults = []struct {
	op    string
	count int
}{{"close", 3}, {"query", 2}, {"notify", 3}, {"refund_closed", 1}}

// badMoments makes WeChat Pay misbehave now and then (every 5–9 s).
func (d *driver) badMoments(ctx context.Context) {
	rng := rand.New(rand.NewPCG(d.cfg.Seed, 3))
	for sleep(ctx, time.Duration(5000+rng.IntN(4000))*time.Millisecond) {
		f := faults[rng.IntN(len(faults))]
		if r := d.c.do(ctx, "fault", "POST", "/sandbox/faults", "", map[string]any{"op": f.op, "count": f.count}, nil); r.ok() {
			d.books.count(func(t *tally) { t.faults++ })
		}
	}
}

// sleep waits d unless ctx ends first; it reports whether it slept.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
