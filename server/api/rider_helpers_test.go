package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/orderevent"
	"wemart/ent/shipment"
	"wemart/ent/shipmentevent"
	"wemart/server/api"
	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/logistics"
	"wemart/server/storage"
	"wemart/server/wechat/sandbox"
	"wemart/server/wechat/sandbox/sandboxtest"
)

// stillClock is a clock that stands still until the test moves it: the
// app's and the shared sandbox's, so riders move on only when the test
// says (sandbox.Options Now and Sleep).
type stillClock struct {
	mu    sync.Mutex
	t     time.Time
	moved chan struct{}
}

func newStillClock(t time.Time) *stillClock { return &stillClock{t: t, moved: make(chan struct{})} }

func (c *stillClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Sleep waits until the clock shows at, or stop closes.
func (c *stillClock) Sleep(at time.Time, stop <-chan struct{}) bool {
	for {
		c.mu.Lock()
		now, moved := c.t, c.moved
		c.mu.Unlock()
		if !at.After(now) {
			return true
		}
		select {
		case <-moved:
		case <-stop:
			return false
		}
	}
}

// Advance moves the clock on by d and wakes the sleepers.
func (c *stillClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	close(c.moved)
	c.moved = make(chan struct{})
}

// riderShop is the money-path shop with a rider service: a shared sandbox
// on a still clock (the app's clock too), and a shopper's address 1 km or
// so from the store.
type riderShop struct {
	*shop
	clock   *stillClock
	sb      *sandbox.Sandbox
	address int
}

func newRiderShop(t *testing.T, db *storage.DB) *riderShop {
	t.Helper()
	// Real time to start with: WeChat Pay signatures carry a timestamp the
	// sandbox checks against its clock.
	clk := newStillClock(time.Now().UTC().Truncate(time.Second))
	sb, url, _ := sandboxtest.Serve(t, sandbox.Options{TimeScale: 1, Now: clk.Now, Sleep: clk.Sleep})
	s := newShop(t, db, apitest.SharedSandbox(url), func(_ *config.Config, o *app.Options) { o.Now = clk.Now })
	r := &riderShop{shop: s, clock: clk, sb: sb}
	r.address = r.mustAddress()
	return r
}

// mustAddress adds an address near the store for the shopper.
func (s *shop) mustAddress() int {
	s.t.Helper()
	var a struct{ ID int }
	s.h.Do("POST", "/api/v1/addresses", s.shopper.Token, map[string]any{"contact": "李雷", "phone": "13800000000",
		"detail": "南京东路100号", "lat": 31.2360, "lng": 121.4800}).OK(http.StatusCreated, &a)
	return a.ID
}

// paidDeliveryTo places a delivery order to address and pays it.
func (s *shop) paidDeliveryTo(address int) int {
	s.t.Helper()
	id, _ := s.paidDeliveryTx(address)
	return id
}

// paidDeliveryTx is paidDeliveryTo, with the payment's WeChat Pay
// transaction id.
func (s *shop) paidDeliveryTx(address int) (int, string) {
	s.t.Helper()
	var a checkoutAnswer
	s.checkout(s.shopper.Token, map[string]any{"store_id": s.store.ID, "fulfilment": "delivery", "address_id": address,
		"items": []map[string]int{{"sku_id": s.milk, "quantity": 2}}}).OK(http.StatusCreated, &a)
	c := s.pay(a.Payment.prepayID(), true)
	s.eventuallyStatus(a.Order.ID, order.StatusPaid)
	return a.Order.ID, c.TransactionID
}

// riderOf is the rider of the order's latest shipment as the shopper's
// tracking shows it (nil: none yet).
func (s *shop) riderOf(orderID int) *api.Rider {
	s.t.Helper()
	var v api.Tracking
	s.h.Do("GET", apitest.Path("/api/v1/orders/%d/tracking", orderID), s.shopper.Token, nil).OK(http.StatusOK, &v)
	if len(v.Shipments) == 0 {
		s.t.Fatalf("order %d has no shipments", orderID)
	}
	return v.Shipments[len(v.Shipments)-1].Rider
}

// pickedUp dispatches a paid order, moves its rider on at the sandbox until
// the goods are picked up (the order shipped) and every callback of the
// way has landed, and runs the due jobs.
func (s *shop) pickedUp(orderID int) *ent.Shipment {
	s.t.Helper()
	sh := s.dispatch(orderID)
	for range 3 {
		s.advance(sh.TrackingNo, "")
	}
	sh = s.eventuallyShipment(sh.ID, shipment.StatusPickedUp)
	// The callbacks land in any order, and a late one still adds its
	// event after "picked up" (or not: it may be answered by asking the
	// service), so wait until the sandbox has none left to deliver.
	s.settled()
	s.wantStatus(orderID, order.StatusShipped)
	s.runJobs()
	return sh
}

// failAfterPickup has the rider fail a picked-up delivery at the sandbox:
// the order is back to paid, the reason on its timeline.
func (s *shop) failAfterPickup(orderID int, sh *ent.Shipment) {
	s.t.Helper()
	if got := s.advance(sh.TrackingNo, "fail"); got != "failed" {
		s.t.Fatalf("advance fail answered %s", got)
	}
	s.eventuallyShipment(sh.ID, shipment.StatusFailed)
	o := s.wantStatus(orderID, order.StatusPaid)
	last := o.Timeline[len(o.Timeline)-1]
	if last.FromStatus == nil || *last.FromStatus != "shipped" || !strings.Contains(last.Note, "收货人联系不上") {
		s.t.Fatalf("failed delivery: timeline %+v", last)
	}
}

// dispatched is the answer of a dispatch.
type dispatched struct {
	orderView
	Shipments []struct {
		ID         int    `json:"id"`
		Kind       string `json:"kind"`
		Carrier    string `json:"carrier"`
		TrackingNo string `json:"tracking_no"`
		Status     string `json:"status"`
		FeeFen     int64  `json:"fee_fen"`
		DistanceM  *int   `json:"distance_m"`
		Reason     string `json:"reason"`
	} `json:"shipments"`
}

// dispatch sends the order out with a rider and returns its new shipment.
func (s *shop) dispatch(orderID int) *ent.Shipment {
	s.t.Helper()
	var d dispatched
	s.h.Do("POST", apitest.Path("/admin/v1/orders/%d/dispatch", orderID), s.h.AdminToken, map[string]any{}).OK(http.StatusOK, &d)
	last := d.Shipments[len(d.Shipments)-1]
	if d.Status != "paid" || last.Kind != "rider" || last.Carrier != "dada" || last.Status != "requested" ||
		last.TrackingNo == "" || last.FeeFen != 500 || last.DistanceM == nil || *last.DistanceM < 500 || *last.DistanceM > 1500 {
		s.t.Fatalf("dispatch answered %+v", d)
	}
	s.eventuallyEvents(last.ID, 1) // the service's "waiting for a rider"
	return s.shipment(last.ID)
}

// eventuallyEvents waits for the rider service's callbacks to leave n (or
// more) events on the shipment.
func (s *shop) eventuallyEvents(id, n int) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := s.db.Client.ShipmentEvent.Query().Where(shipmentevent.ShipmentID(id)).CountX(context.Background())
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("shipment %d has %d events, want %d", id, got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settled waits until the sandbox has delivered every callback and
// notification it holds (each answered, its effect committed).
func (s *shop) settled() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var rec struct{ Pending int }
		res := s.h.Do("GET", "/sandbox/records", "", nil).OK(http.StatusOK, &rec)
		if rec.Pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			// What it holds says which callback wemart kept refusing.
			s.t.Fatalf("the sandbox still has %d callbacks to deliver: %s", rec.Pending, res.Body)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// shipment reads a shipment from the database.
func (s *shop) shipment(id int) *ent.Shipment {
	s.t.Helper()
	sh, err := s.db.Client.Shipment.Get(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return sh
}

// advance moves a rider delivery one step on at the sandbox.
func (s *shop) advance(trackingNo, outcome string) string {
	s.t.Helper()
	body := map[string]any{"tracking_no": trackingNo}
	if outcome != "" {
		body["outcome"] = outcome
	}
	var out struct{ Status string }
	s.h.Do("POST", "/sandbox/logistics/advance", "", body).OK(http.StatusOK, &out)
	return out.Status
}

// eventuallyShipment waits for the rider service's callbacks to bring the
// shipment to status.
func (s *shop) eventuallyShipment(id int, status shipment.Status) *ent.Shipment {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		sh := s.shipment(id)
		if sh.Status == status {
			return sh
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("shipment %d is still %s, want %s", id, sh.Status, status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// snapshot is what a refused or ignored request must leave as it was.
type snapshot struct {
	Order     string
	Timeline  int
	Shipments string
	Events    int
}

func (s *shop) snapshot(orderID int) snapshot {
	s.t.Helper()
	ctx := context.Background()
	c := s.db.Client
	o := c.Order.GetX(ctx, orderID)
	n := c.OrderEvent.Query().Where(orderevent.OrderID(orderID)).CountX(ctx)
	var shs string
	for _, sh := range c.Shipment.Query().Where(shipment.OrderID(orderID)).Order(ent.Asc(shipment.FieldID)).AllX(ctx) {
		shs += strconv.Itoa(sh.ID) + ":" + string(sh.Status) + ":" + sh.TrackingNo + ";"
	}
	ev := c.ShipmentEvent.Query().Where(shipmentevent.HasShipmentWith(shipment.OrderID(orderID))).CountX(ctx)
	return snapshot{Order: string(o.Status), Timeline: n, Shipments: shs, Events: ev}
}

// unchanged fails unless the order and its shipments are as before.
func (s *shop) unchanged(orderID int, before snapshot, what string) {
	s.t.Helper()
	if after := s.snapshot(orderID); after != before {
		s.t.Fatalf("%s changed things: %+v, was %+v", what, after, before)
	}
}

// callback posts a Dada status callback for sh, signed as Dada signs
// (forged: with a wrong signature), and returns the answer.
func (s *shop) callback(sh *ent.Shipment, status int, at time.Time, forged bool) *apitest.Response {
	s.t.Helper()
	ut := strconv.FormatInt(at.Unix(), 10)
	sig := logistics.DadaCallbackSignature(sh.TrackingNo, sh.OutNo, ut)
	if forged {
		sig = logistics.DadaCallbackSignature(sh.TrackingNo, sh.OutNo, ut+"1")
	}
	body, _ := json.Marshal(map[string]any{"client_id": sh.TrackingNo, "order_id": sh.OutNo, "order_status": status,
		"cancel_reason": "", "cancel_from": 0, "update_time": at.Unix(), "signature": sig, "dm_id": 7, "dm_name": "假骑士", "dm_mobile": "13900000000"})
	return s.h.Do("POST", "/logistics/dada/notify", "", body)
}
