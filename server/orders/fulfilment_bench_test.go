package orders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/job"
	"wemart/ent/order"
	"wemart/ent/orderevent"
	"wemart/ent/shipment"
	"wemart/ent/shipmentevent"
	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/logistics"
	"wemart/server/shipping"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// fulfil is a delivering store with one well-stocked SKU, shoppers with an
// address each, and the app served twice: through the harness (its server
// checks traffic against the OpenAPI documents; setup and the sandbox's
// own calls go there) and bare on a server of its own, as in production
// (what the benchmarks measure).
type fulfil struct {
	b       *testing.B
	h       *apitest.Harness
	db      *storage.DB
	bare    string // the base URL of the app's handler served without the harness's checks
	client  *http.Client
	storeID int
	sku     int
	tokens  []string
	address []int
}

// noFuture is the sandbox's Sleep for the fulfilment benchmarks: what is
// due now (a notification's or callback's first delivery) happens at
// once; what WeChat or the rider service would do later (a rider moving on
// by itself, a retry) never does, so only the benchmark moves deliveries.
// The sandbox's clock stays real time: its 10060001 window still ends.
func noFuture(at time.Time, stop <-chan struct{}) bool {
	if !at.After(time.Now()) {
		return true
	}
	<-stop
	return false
}

func newFulfil(b *testing.B, db *storage.DB, shoppers int, opts ...apitest.Options) *fulfil {
	b.Helper()
	opts = append([]apitest.Options{func(c *config.Config, o *app.Options) {
		c.ShopperOpenOrders, c.ShopperCheckoutsPerMinute = 100000, 100000
		o.SandboxSleep = noFuture
	}}, opts...)
	h := apitest.New(b, db, opts...)
	bare := httptest.NewServer(h.App.Echo)
	b.Cleanup(bare.Close)
	f := &fulfil{b: b, h: h, db: db, bare: bare.URL, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}}
	var st struct{ ID int }
	h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{
		"name": "配送压测店", "address": "上海市黄浦区南京东路1号", "lat": 31.2304, "lng": 121.4737,
		"pickup": true, "delivery": true, "delivery_radius_m": 3000, "delivery_fee_fen": 500, "delivery_min_fen": 2000,
	}).OK(http.StatusCreated, &st)
	f.storeID = st.ID
	var p struct{ Skus []struct{ ID int } }
	h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": "光明鲜牛奶 950ml",
		"skus": []map[string]any{{"name": "标准装", "price_fen": 2500}}}).OK(http.StatusCreated, &p)
	f.sku = p.Skus[0].ID
	h.Do("PUT", fmt.Sprintf("/admin/v1/stores/%d/stock/%d", st.ID, f.sku), h.AdminToken,
		map[string]any{"on_hand": 1_000_000}).OK(http.StatusOK, nil)
	for i := range shoppers {
		var l struct{ Token string }
		h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": fmt.Sprintf("fulfil-%d", i)}).OK(http.StatusOK, &l)
		var a struct{ ID int }
		h.Do("POST", "/api/v1/addresses", l.Token, map[string]any{"contact": "李雷", "phone": "13800000000",
			"detail": "南京东路100号", "lat": 31.2360, "lng": 121.4800}).OK(http.StatusCreated, &a)
		f.tokens = append(f.tokens, l.Token)
		f.address = append(f.address, a.ID)
	}
	return f
}

// call sends a JSON request (safe from any goroutine) to base and decodes
// a 2xx answer into out.
func (f *fulfil) call(base, method, path, token string, body, out any, headers ...string) (int, error) {
	var r io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		r = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, base+path, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := f.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out != nil {
		return res.StatusCode, json.Unmarshal(raw, out)
	}
	return res.StatusCode, nil
}

var fulfilKeys atomic.Int64

// checkout places an order for shopper i (delivery to their address, or
// pickup) over the harness and returns its id and prepay_id.
func (f *fulfil) checkout(i int, delivery bool) (int, string, error) {
	body := map[string]any{"store_id": f.storeID, "fulfilment": "pickup",
		"items": []map[string]int{{"sku_id": f.sku, "quantity": 1}}}
	if delivery {
		body["fulfilment"], body["address_id"] = "delivery", f.address[i]
	}
	var a struct {
		Order   struct{ ID int }
		Payment struct{ Package string }
	}
	key := fmt.Sprintf("fulfil-%d-%d", time.Now().UnixNano(), fulfilKeys.Add(1))
	if _, err := f.call(f.h.URL, "POST", "/api/v1/orders", f.tokens[i], body, &a, "Idempotency-Key", key); err != nil {
		return 0, "", err
	}
	return a.Order.ID, a.Payment.Package[len("prepay_id="):], nil
}

// paidOrder places an order for shopper i, pays it in the sandbox's
// cashier and waits for WeChat Pay's notification to mark it paid.
func (f *fulfil) paidOrder(i int, delivery bool) (int, error) {
	id, prepay, err := f.checkout(i, delivery)
	if err != nil {
		return 0, err
	}
	if _, err := f.call(f.h.URL, "POST", "/sandbox/pay", "", map[string]any{"prepay_id": prepay, "skip_notify": false}, nil); err != nil {
		return 0, err
	}
	return id, f.waitStatus(id, order.StatusPaid)
}

// waitStatus waits for the order to be in status.
func (f *fulfil) waitStatus(id int, status order.Status) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		o, err := f.db.Client.Order.Get(context.Background(), id)
		if err != nil {
			return err
		}
		if o.Status == status {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("order %d is still %s, want %s", id, o.Status, status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dispatch sends the paid order out with a rider and waits for the rider
// service's own first callback ("waiting for a rider"), so nothing of the
// sandbox's is in flight once it returns.
func (f *fulfil) dispatch(id int) (*ent.Shipment, error) {
	if _, err := f.call(f.h.URL, "POST", fmt.Sprintf("/admin/v1/orders/%d/dispatch", id), f.h.AdminToken, map[string]any{}, nil); err != nil {
		return nil, err
	}
	ctx := context.Background()
	sh, err := f.db.Client.Shipment.Query().Where(shipment.OrderID(id), shipment.KindEQ(shipment.KindRider)).Only(ctx)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := f.db.Client.ShipmentEvent.Query().Where(shipmentevent.ShipmentID(sh.ID)).Count(ctx)
		if err != nil {
			return nil, err
		}
		if n >= 1 {
			return f.db.Client.Shipment.Get(ctx, sh.ID)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("shipment %d: no callback from the rider service", sh.ID)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// parallel runs fn(i) for i in [0, n) on workers goroutines and returns
// the first error.
func parallel(n, workers int, fn func(i int) error) error {
	next := atomic.Int64{}
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// dadaCallback is the body Dada posts for a delivery's status change at
// update time ut, signed as Dada signs it.
func dadaCallback(sh *ent.Shipment, status int, ut int64) []byte {
	body, _ := json.Marshal(map[string]any{"client_id": sh.TrackingNo, "order_id": sh.OutNo, "order_status": status,
		"cancel_reason": "", "cancel_from": 0, "update_time": ut,
		"signature": logistics.DadaCallbackSignature(sh.TrackingNo, sh.OutNo, strconv.FormatInt(ut, 10)),
		"dm_id":     7, "dm_name": "张师傅", "dm_mobile": "13900000000"})
	return body
}

// advance moves a rider delivery on one step at the sandbox's rider
// service (whose own callback for the step follows).
func (f *fulfil) advance(sh *ent.Shipment) error {
	adv, _ := json.Marshal(map[string]string{"tracking_no": sh.TrackingNo})
	_, err := f.post("/sandbox/logistics/advance", "application/json", adv, `"status"`)
	return err
}

// post sends a raw body and reports the latency; the answer must be 200
// and contain want.
func (f *fulfil) post(path, contentType string, body []byte, want string) (time.Duration, error) {
	start := time.Now()
	res, err := f.client.Post(f.bare+path, contentType, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(start)
	if err != nil {
		return d, err
	}
	if res.StatusCode != http.StatusOK || !bytes.Contains(raw, []byte(want)) {
		return d, fmt.Errorf("POST %s answered %d: %s", path, res.StatusCode, raw)
	}
	return d, nil
}

// healthz requests GET /healthz n times from clients goroutines at once
// and returns the throughput: the baseline of the machine.
func (f *fulfil) healthz(n, clients int) (float64, error) {
	start := time.Now()
	err := parallel(n, clients, func(int) error {
		res, err := f.client.Get(f.bare + "/healthz")
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("healthz answered %d", res.StatusCode)
		}
		return nil
	})
	return float64(n) / time.Since(start).Seconds(), err
}

// realScale runs the sandbox on WeChat's and Dada's real schedule: a
// rider the sandbox would move on by itself a minute after dispatch (on
// the harness's scale, 60 ms: sooner than a loaded machine starts the
// goroutine that waits for it, which noFuture then lets through) stays
// where it is for the length of a round.
func realScale(c *config.Config, _ *app.Options) { c.SandboxTimeScale = 1 }

// Callback benchmark shape: 120 paid delivery orders out with riders (or
// shipped as express parcels), each delivery's reports posted by one of 16
// clients at once.
const (
	cbOrders  = 120
	cbClients = 16
)

// BenchmarkCallbacks measures the verify-and-apply path of the providers'
// callbacks over real HTTP, with 16 clients posting at once: rider status
// callbacks (Dada's signature; accepted, arrived, picked up, delivered, and
// two replays per delivery: "accepted" again at once, "picked up" again
// after "delivered") and parcel tracking pushes (Kuaidi100's md5(param +
// salt); collected, in transit, out for delivery, signed, each with the
// whole history so far, and "signed" again). GET /healthz with the same
// concurrency and count, right after, is the baseline. Each run checks the
// outcome: every order delivered once, every shipment delivered with one
// event per distinct report, one upload job per order.
func BenchmarkCallbacks(b *testing.B) {
	for _, engine := range storagetest.Engines() {
		b.Run(engine+"/rider", func(b *testing.B) {
			f := newFulfil(b, storagetest.New(b, engine), cbClients, realScale)
			for b.Loop() {
				f.riderRound(b)
			}
		})
		b.Run(engine+"/parcel", func(b *testing.B) {
			f := newFulfil(b, storagetest.New(b, engine), cbClients, realScale)
			for b.Loop() {
				f.parcelRound(b)
			}
		})
	}
}

// riderRound is one round of BenchmarkCallbacks/rider.
func (f *fulfil) riderRound(b *testing.B) {
	ctx := context.Background()
	ships := make([]*ent.Shipment, cbOrders)
	orders := make([]int, cbOrders)
	if err := parallel(cbOrders, 8, func(i int) error {
		id, err := f.paidOrder(i%len(f.tokens), true)
		if err != nil {
			return err
		}
		orders[i] = id
		ships[i], err = f.dispatch(id)
		return err
	}); err != nil {
		b.Fatal(err)
	}

	// Each delivery's reports, in the order a provider sends them: a
	// distinct update_time per status (Dada's identity of a report is its
	// delivery, status and update_time), the replays identical. Each new
	// status is first moved at the sandbox's service, untimed, whose own
	// callback for it races the timed one: callbacks/s counts the timed
	// posts over a window that also holds those (it understates the rate
	// of callbacks wemart takes).
	t0 := time.Now().Unix()
	type report struct {
		status int
		at     int64
		dup    bool
	}
	script := []report{{2, t0 + 10, false}, {2, t0 + 10, true}, {100, t0 + 20, false}, {3, t0 + 30, false},
		{4, t0 + 40, false}, {3, t0 + 30, true}}
	var mu sync.Mutex
	var lat []time.Duration
	dups := 0
	start := time.Now()
	err := parallel(cbOrders, cbClients, func(i int) error {
		mine := make([]time.Duration, 0, len(script))
		for _, r := range script {
			if !r.dup {
				// The delivery moves on at the service first: wemart applies
				// what the service answers, not what a callback says. The
				// sandbox's own callback for the step comes too (a duplicate,
				// not timed).
				if err := f.advance(ships[i]); err != nil {
					return err
				}
			}
			d, err := f.post("/logistics/dada/notify", "application/json", dadaCallback(ships[i], r.status, r.at), `"status":"success"`)
			if err != nil {
				return err
			}
			mine = append(mine, d)
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
		return nil
	})
	elapsed := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range script {
		if r.dup {
			dups += cbOrders
		}
	}
	hz, err := f.healthz(len(lat), cbClients)
	if err != nil {
		b.Fatal(err)
	}

	// Every order delivered, once; every delivery with exactly one event
	// per distinct report (the service's "requested" and four), one
	// upload owed to WeChat per order.
	for i, id := range orders {
		o := f.db.Client.Order.GetX(ctx, id)
		sh := f.db.Client.Shipment.GetX(ctx, ships[i].ID)
		evs := f.db.Client.ShipmentEvent.Query().Where(shipmentevent.ShipmentID(sh.ID)).CountX(ctx)
		moves := f.db.Client.OrderEvent.Query().Where(orderevent.OrderID(id),
			orderevent.ToStatusIn(string(order.StatusShipped), string(order.StatusDelivered))).CountX(ctx)
		uploads := f.db.Client.Job.Query().Where(job.OrderID(id), job.Kind(shipping.KindUpload)).CountX(ctx)
		if o.Status != order.StatusDelivered || sh.Status != shipment.StatusDelivered || evs != 5 || moves != 2 || uploads != 1 {
			for _, e := range f.db.Client.ShipmentEvent.Query().Where(shipmentevent.ShipmentID(sh.ID)).AllX(ctx) {
				b.Logf("event %s %q %s at %s", e.Status, e.Description, e.Dedupe, e.OccurredAt)
			}
			b.Fatalf("order %d: %s, shipment %s with %d events, %d moves to shipped or delivered, %d uploads; want delivered, delivered, 5, 2, 1",
				id, o.Status, sh.Status, evs, moves, uploads)
		}
	}
	f.report(b, lat, elapsed, dups, hz)
}

// report reports a round's callbacks/s, latency, share of duplicates and
// the baseline.
func (f *fulfil) report(b *testing.B, lat []time.Duration, elapsed time.Duration, dups int, hz float64) {
	slices.Sort(lat)
	rate := float64(len(lat)) / elapsed.Seconds()
	b.ReportMetric(rate, "callbacks/s")
	b.ReportMetric(ms(lat[len(lat)/2]), "p50_ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99_ms")
	b.ReportMetric(100*float64(dups)/float64(len(lat)), "dup_%")
	b.ReportMetric(hz, "healthz/s")
	b.ReportMetric(hz/rate, "healthz_x")
}

// parcelNumber is the YTO tracking number of the i-th parcel of a round.
func parcelNumber(round, i int) string { return fmt.Sprintf("YT%04d%08d", round, i) }

// parcelPush is Kuaidi100's push of a parcel's track with its first n
// events (newest first, as Kuaidi100 writes them), signed with salt.
func parcelPush(number string, n int, at time.Time, salt string) []byte {
	steps := []struct {
		code, text string
	}{{"1", "【上海】快递员已揽件"}, {"0", "【上海转运中心】已发出"}, {"5", "【黄浦】快递员正在派件"}, {"3", "【黄浦】已签收"}}
	var data []map[string]string
	for k := n - 1; k >= 0; k-- {
		data = append(data, map[string]string{"time": at.Add(time.Duration(k) * time.Hour).In(time.FixedZone("CST", 8*3600)).Format(time.DateTime),
			"context": steps[k].text, "statusCode": steps[k].code, "areaName": "上海"})
	}
	state, check, status := steps[n-1].code, "0", "polling"
	if n == len(steps) {
		check, status = "1", "shutdown"
	}
	param, _ := json.Marshal(map[string]any{"status": status, "message": "",
		"lastResult": map[string]any{"com": "yuantong", "nu": number, "state": state, "ischeck": check, "data": data}})
	form := "param=" + url.QueryEscape(string(param)) + "&sign=" + logistics.Kuaidi100Sign(string(param), salt)
	return []byte(form)
}

// parcelRound is one round of BenchmarkCallbacks/parcel.
func (f *fulfil) parcelRound(b *testing.B) {
	ctx := context.Background()
	round := int(fulfilKeys.Add(1))
	orders := make([]int, cbOrders)
	if err := parallel(cbOrders, 8, func(i int) error {
		id, err := f.paidOrder(i%len(f.tokens), true)
		if err != nil {
			return err
		}
		orders[i] = id
		_, err = f.call(f.h.URL, "POST", fmt.Sprintf("/admin/v1/orders/%d/ship", id), f.h.AdminToken,
			map[string]any{"carrier": "YTO", "tracking_no": parcelNumber(round, i)}, nil)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	pub := f.h.App.WeChat.Sandbox.Identity().Public()
	salt := app.SandboxKuaidi100(pub, f.h.URL).Salt
	at := time.Now().Add(-5 * time.Hour).Truncate(time.Second)
	// Each push carries the whole track so far: every event but the newest
	// is a duplicate the store already has; the last push repeats "signed".
	pushes := []int{1, 2, 3, 4, 4}
	var mu sync.Mutex
	var lat []time.Duration
	start := time.Now()
	err := parallel(cbOrders, cbClients, func(i int) error {
		mine := make([]time.Duration, 0, len(pushes))
		for _, n := range pushes {
			d, err := f.post("/logistics/kuaidi100/notify", "application/x-www-form-urlencoded",
				parcelPush(parcelNumber(round, i), n, at, salt), `"result":true`)
			if err != nil {
				return err
			}
			mine = append(mine, d)
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
		return nil
	})
	elapsed := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	hz, err := f.healthz(len(lat), cbClients)
	if err != nil {
		b.Fatal(err)
	}
	for _, id := range orders {
		o := f.db.Client.Order.GetX(ctx, id)
		sh := f.db.Client.Shipment.Query().Where(shipment.OrderID(id)).OnlyX(ctx)
		evs := f.db.Client.ShipmentEvent.Query().Where(shipmentevent.ShipmentID(sh.ID)).CountX(ctx)
		moves := f.db.Client.OrderEvent.Query().Where(orderevent.OrderID(id), orderevent.ToStatusEQ(string(order.StatusDelivered))).CountX(ctx)
		if o.Status != order.StatusDelivered || sh.Status != shipment.StatusSigned || evs != 4 || moves != 1 {
			b.Fatalf("order %d: %s, parcel %s with %d events, %d moves to delivered; want delivered, signed, 4, 1",
				id, o.Status, sh.Status, evs, moves)
		}
	}
	// A push is a duplicate when it brings no event the store lacked: the
	// repeated "signed".
	f.report(b, lat, elapsed, cbOrders, hz)
}

// Upload lag benchmark shape: 4 orders handed over the moment their
// payment is confirmed; then 30 pickup hand-overs and 30 rider pick-ups,
// one every 100 ms (10 a second for 6 s), with 4 shoppers checking out
// beside them all along; then 80 hand-overs at once (16 clients).
const (
	lagSteady  = 60
	lagEvery   = 100 * time.Millisecond
	lagBurst   = 80
	lagFresh   = 4
	lagBuyers  = 4
	lagClients = 16
)

// BenchmarkUploadLag measures how long after goods leave WeChat has the
// order's upload_shipping_info: from the upload job's created_at (written
// in the transaction that moves the order) to its done_at (the sandbox
// answered ok and the runner recorded it), with the app's jobs runner and
// sweeper running as in production (their configured intervals, the
// runner woken by its own commits) and the sandbox on its default time
// scale (0.02: WeChat's 30 s of "payment not indexed yet", 10060001, last
// 0.6 s). The steady and burst orders were paid well before; the fresh
// ones are handed over right after payment and report separately what the
// 10060001 answer and the retry it schedules add.
func BenchmarkUploadLag(b *testing.B) {
	for _, engine := range storagetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			f := newFulfil(b, storagetest.New(b, engine), lagClients, func(c *config.Config, o *app.Options) {
				o.NoSweeper = false
				c.SandboxTimeScale = 0.02
			})
			for b.Loop() {
				f.lagRound(b)
			}
		})
	}
}

// handOver hands a paid pickup order over at the counter, as the clerk
// does with the shopper's code.
func (f *fulfil) handOver(id int) error {
	o, err := f.db.Client.Order.Get(context.Background(), id)
	if err != nil {
		return err
	}
	_, err = f.call(f.bare, "POST", fmt.Sprintf("/admin/v1/orders/%d/picked-up", id), f.h.AdminToken,
		map[string]string{"pickup_code": *o.PickupCode}, nil)
	return err
}

// uploadsDone waits for the upload job of each order to be done and
// returns each one's lag (created to done), the first created_at and the
// last done_at, and how many needed more than one attempt.
func (f *fulfil) uploadsDone(b *testing.B, ids []int) (lags []time.Duration, first, last time.Time, retried int) {
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for {
		jobs, err := f.db.Client.Job.Query().Where(job.OrderIDIn(ids...), job.Kind(shipping.KindUpload)).All(ctx)
		if err != nil {
			b.Fatal(err)
		}
		done := 0
		for _, j := range jobs {
			if j.State == job.StateFailed {
				b.Fatalf("upload %s failed: %s", j.Key, j.LastError)
			}
			if j.State == job.StateDone {
				done++
			}
		}
		if len(jobs) > len(ids) {
			b.Fatalf("%d uploads for %d orders", len(jobs), len(ids))
		}
		if done == len(ids) {
			for _, j := range jobs {
				lags = append(lags, j.DoneAt.Sub(j.CreatedAt))
				if first.IsZero() || j.CreatedAt.Before(first) {
					first = j.CreatedAt
				}
				if j.DoneAt.After(last) {
					last = *j.DoneAt
				}
				if j.Attempts > 1 {
					retried++
				}
			}
			slices.Sort(lags)
			return lags, first, last, retried
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d uploads done after 60 s", done, len(ids))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lagRound is one round of BenchmarkUploadLag.
func (f *fulfil) lagRound(b *testing.B) {
	ctx := context.Background()
	n := lagSteady + lagBurst
	orders := make([]int, n)
	ships := make([]*ent.Shipment, n)
	if err := parallel(n, 8, func(i int) error {
		rider := i < lagSteady && i%2 == 1
		id, err := f.paidOrder(i%len(f.tokens), rider)
		if err != nil {
			return err
		}
		orders[i] = id
		if rider {
			if ships[i], err = f.dispatch(id); err != nil {
				return err
			}
			// The rider accepts and comes to the store (wemart applies what
			// the service answers, not what a callback says: the delivery
			// moves on at the service first).
			for range 2 {
				if err := f.advance(ships[i]); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	time.Sleep(time.Second) // every payment indexed at the sandbox's WeChat (0.6 s)

	// Orders handed over the moment they are paid, on an idle runner: the
	// upload's first attempt comes within WeChat's 10060001 window.
	fresh := make([]int, lagFresh)
	if err := parallel(lagFresh, lagFresh, func(i int) error {
		id, err := f.paidOrder(lagBuyers+i, false)
		if err != nil {
			return err
		}
		fresh[i] = id
		return f.handOver(id)
	}); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		n := f.db.Client.Job.Query().Where(job.OrderIDIn(fresh...), job.Kind(shipping.KindUpload), job.AttemptsGT(0)).CountX(ctx)
		if n == lagFresh {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d fresh uploads attempted after 10 s", n, lagFresh)
		}
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Shoppers checking out beside the hand-overs and pick-ups.
	var checkouts atomic.Int64
	for w := range lagBuyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := f.checkout(w, false); err != nil {
					b.Error(err)
					return
				}
				checkouts.Add(1)
			}
		}()
	}
	// The steady stream: a hand-over or a rider's pick-up every lagEvery,
	// each in its own goroutine so a slow one does not hold the next.
	start := time.Now()
	var steady sync.WaitGroup
	errc := make(chan error, lagSteady)
	for i := range lagSteady {
		time.Sleep(time.Until(start.Add(time.Duration(i) * lagEvery)))
		steady.Add(1)
		go func() {
			defer steady.Done()
			if ships[i] == nil {
				errc <- f.handOver(orders[i])
				return
			}
			// Picked up at the service, whose own callback then races this
			// one (either moves the order; the other is a duplicate): the
			// upload's lag is measured from the move, not from these posts.
			if err := f.advance(ships[i]); err != nil {
				errc <- err
				return
			}
			_, err := f.post("/logistics/dada/notify", "application/json", dadaCallback(ships[i], 3, time.Now().Unix()), `"status":"success"`)
			errc <- err
		}()
	}
	steady.Wait()
	steadyFor := time.Since(start)
	close(stop)
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			b.Fatal(err)
		}
	}
	lags, first, last, retried := f.uploadsDone(b, orders[:lagSteady])
	b.ReportMetric(ms(lags[len(lags)/2]), "lag_p50_ms")
	b.ReportMetric(ms(lags[len(lags)*95/100]), "lag_p95_ms")
	b.ReportMetric(ms(lags[len(lags)-1]), "lag_max_ms")
	b.ReportMetric(float64(len(lags))/last.Sub(first).Seconds(), "uploads/s")
	b.ReportMetric(float64(checkouts.Load())/steadyFor.Seconds(), "checkouts/s")
	if retried > 0 {
		b.Errorf("%d uploads of orders paid more than a second before were retried", retried)
	}

	// The burst: hand-overs as fast as 16 clients can.
	if err := parallel(lagBurst, lagClients, func(i int) error { return f.handOver(orders[lagSteady+i]) }); err != nil {
		b.Fatal(err)
	}
	lags, first, last, _ = f.uploadsDone(b, orders[lagSteady:])
	b.ReportMetric(ms(lags[len(lags)/2]), "burst_p50_ms")
	b.ReportMetric(ms(lags[len(lags)-1]), "burst_max_ms")
	b.ReportMetric(float64(len(lags))/last.Sub(first).Seconds(), "burst_uploads/s")

	lags, _, _, retried = f.uploadsDone(b, fresh)
	b.ReportMetric(lags[len(lags)/2].Seconds(), "fresh_p50_s")
	b.ReportMetric(lags[len(lags)-1].Seconds(), "fresh_max_s")
	b.ReportMetric(float64(retried), "fresh_retried")

	for _, id := range append(orders, fresh...) {
		if o := f.db.Client.Order.GetX(ctx, id); o.Status != order.StatusCompleted && o.Status != order.StatusShipped {
			b.Fatalf("order %d is %s", id, o.Status)
		}
	}
}
