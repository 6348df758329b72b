package api_test

import (
	"context"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"wemart/ent/order"
	"wemart/ent/shipment"
	"wemart/ent/shipmentevent"
	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/logistics"
	"wemart/server/orders"
	"wemart/server/shipping"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestRiderJourney: a paid delivery order is dispatched; the sandbox's
// rider service is moved on step by step and its signed callbacks move the
// order (picked up: shipped; delivered: delivered); WeChat is told the
// goods left (same-city) at pickup and not before; the shopper's tracking
// shows the rider, whose position moves from the store to the shopper,
// asked for at most every 10 s; replayed, late and forged callbacks change
// nothing; the shopper's receipt completes it.
func TestRiderJourney(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		id, tx := s.paidDeliveryTx(s.address)
		s.clock.Advance(time.Minute) // WeChat has indexed the payment (10060001 before)
		sh := s.dispatch(id)
		s.eventuallyShipment(sh.ID, shipment.StatusRequested)

		if got := s.advance(sh.TrackingNo, ""); got != "accepted" {
			t.Fatalf("advance answered %s", got)
		}
		sh = s.eventuallyShipment(sh.ID, shipment.StatusAccepted)
		if sh.RiderName == "" || sh.RiderPhone == "" {
			t.Fatalf("accepted without a rider: %+v", sh)
		}
		s.wantStatus(id, order.StatusPaid)
		// The shopper sees the rider coming to the store (from 0.01° north).
		r := s.riderOf(id)
		if r == nil || r.Name != sh.RiderName || r.Phone != sh.RiderPhone || r.Lat == nil || r.Lng == nil ||
			!near(*r.Lat, s.store.Lat+0.01) || !near(*r.Lng, s.store.Lng) {
			t.Fatalf("tracking shows the accepted rider as %+v", r)
		}

		s.advance(sh.TrackingNo, "")
		s.eventuallyShipment(sh.ID, shipment.StatusArrived)
		s.clock.Advance(orders.PositionEvery)
		if r := s.riderOf(id); r == nil || !near(*r.Lat, s.store.Lat) || !near(*r.Lng, s.store.Lng) {
			t.Fatalf("arrived rider at %+v (store %v,%v)", r, s.store.Lat, s.store.Lng)
		}
		// Not picked up yet: WeChat is told nothing.
		s.runJobs()
		if r, ok := s.shipped()[tx]; ok || s.jobCount(shipping.KindUpload) != 0 {
			t.Fatalf("WeChat was told before pickup: %+v", r)
		}

		s.advance(sh.TrackingNo, "")
		sh = s.eventuallyShipment(sh.ID, shipment.StatusPickedUp)
		o := s.wantStatus(id, order.StatusShipped)
		if !strings.Contains(o.Timeline[len(o.Timeline)-1].Note, sh.RiderName) {
			t.Fatalf("shipped without the rider on the timeline: %+v", o.Timeline)
		}
		s.runJobs()
		if r := s.shipped()[tx]; r.LogisticsType != 2 || r.Uploads != 1 {
			t.Fatalf("WeChat's shipping info after pickup: %+v", r)
		}
		// Half the expected ride later the rider is half way.
		s.clock.Advance(450 * time.Second)
		pos := s.riderOf(id)
		if lat := *pos.Lat; lat <= s.store.Lat || lat >= 31.2360 || lat-s.store.Lat < 0.4*(31.2360-s.store.Lat) || lat-s.store.Lat > 0.6*(31.2360-s.store.Lat) {
			t.Fatalf("rider at %v on the way from %v to 31.2360", lat, s.store.Lat)
		}
		// Read again within 10 s: the service is not asked; the position stays.
		s.clock.Advance(orders.PositionEvery / 2)
		if again := s.riderOf(id); *again.Lat != *pos.Lat || *again.Lng != *pos.Lng || !again.UpdatedAt.Equal(*pos.UpdatedAt) {
			t.Fatalf("refreshed within 10 s: %+v → %+v", pos, again)
		}
		// 10 s after the last ask: asked again, the rider further on.
		s.clock.Advance(orders.PositionEvery / 2)
		if again := s.riderOf(id); *again.Lat <= *pos.Lat || *again.Lng <= *pos.Lng || !again.UpdatedAt.After(*pos.UpdatedAt) {
			t.Fatalf("not refreshed after 10 s: %+v → %+v", pos, again)
		}

		// A late "accepted", a replayed "picked up", a forged "delivered",
		// and a callback that is not one change nothing. Dada's signature
		// has no secret and does not cover the status, so a "delivered"
		// anyone can sign properly is answered by asking the service, which
		// says picked up: nothing moves, nothing new is recorded.
		before := s.snapshot(id)
		s.callback(sh, 2, s.clock.Now(), false).OK(http.StatusOK, nil)
		s.unchanged(id, before, "a late accepted")
		s.callback(sh, 4, s.clock.Now(), false).OK(http.StatusOK, nil)
		s.callback(sh, 9, s.clock.Now(), false).OK(http.StatusOK, nil)
		s.unchanged(id, before, "a well-signed callback claiming a status the service does not report")
		s.callback(sh, 8, time.Unix(999999999999, 0), false).Fails(http.StatusBadRequest, "invalid_argument")
		s.callback(sh, 8, time.Unix(1, 0), false).Fails(http.StatusBadRequest, "invalid_argument")
		s.h.Do("GET", apitest.Path("/api/v1/orders/%d/tracking", id), s.shopper.Token, nil).OK(http.StatusOK, nil)
		s.callback(sh, 2, s.clock.Now(), false).OK(http.StatusOK, nil)
		s.unchanged(id, before, "a replayed callback")
		s.callback(sh, 4, s.clock.Now(), true).Fails(http.StatusUnauthorized, "unauthenticated")
		s.h.Do("POST", "/logistics/dada/notify", "", `{"order_status":4}`).Fails(http.StatusBadRequest, "invalid_argument")
		s.h.Do("POST", "/logistics/dada/notify", "", `not json`).Fails(http.StatusBadRequest, "invalid_argument")
		s.unchanged(id, before, "forged callbacks")

		s.advance(sh.TrackingNo, "")
		s.eventuallyShipment(sh.ID, shipment.StatusDelivered)
		s.wantStatus(id, order.StatusDelivered)
		var recs struct {
			Riders []struct {
				TrackingNo string `json:"tracking_no"`
				Status     string `json:"status"`
			} `json:"riders"`
		}
		s.h.Do("GET", "/sandbox/records", "", nil).OK(http.StatusOK, &recs)
		if len(recs.Riders) != 1 || recs.Riders[0].TrackingNo != sh.TrackingNo || recs.Riders[0].Status != "delivered" {
			t.Fatalf("sandbox records %+v", recs.Riders)
		}
		s.h.Do("POST", apitest.Path("/api/v1/orders/%d/receive", id), s.shopper.Token, nil).OK(http.StatusOK, nil)
		s.wantStatus(id, order.StatusCompleted)
	})
}

// near reports whether two coordinates agree to the sandbox's 6 decimals.
func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// TestRiderMovesByItself: without calls, the sandbox's rider moves on by
// the sandbox's clock (1 + 5 + 2 + 15 minutes), and the order with it.
func TestRiderMovesByItself(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		id := s.paidDeliveryTo(s.address)
		sh := s.dispatch(id)
		s.eventuallyShipment(sh.ID, shipment.StatusRequested)
		steps := []struct {
			after time.Duration
			to    shipment.Status
			order order.Status
		}{
			{time.Minute, shipment.StatusAccepted, order.StatusPaid},
			{5 * time.Minute, shipment.StatusArrived, order.StatusPaid},
			{2 * time.Minute, shipment.StatusPickedUp, order.StatusShipped},
			{15 * time.Minute, shipment.StatusDelivered, order.StatusDelivered},
		}
		for _, st := range steps {
			s.clock.Advance(st.after - time.Second)
			time.Sleep(20 * time.Millisecond)
			if got := s.shipment(sh.ID).Status; got == st.to {
				t.Fatalf("became %s a second early", got)
			}
			s.clock.Advance(time.Second)
			s.eventuallyShipment(sh.ID, st.to)
			s.wantStatus(id, st.order)
		}
	})
}

// TestRiderFailsAfterPickup: a delivery that fails after pickup brings the
// shipped order back to paid, the reason on its timeline; it is then
// dispatched again.
func TestRiderFailsAfterPickup(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		id := s.paidDeliveryTo(s.address)
		sh := s.dispatch(id)
		for range 3 {
			s.advance(sh.TrackingNo, "")
		}
		s.eventuallyShipment(sh.ID, shipment.StatusPickedUp)
		s.wantStatus(id, order.StatusShipped)
		if got := s.advance(sh.TrackingNo, "fail"); got != "failed" {
			t.Fatalf("advance fail answered %s", got)
		}
		sh = s.eventuallyShipment(sh.ID, shipment.StatusFailed)
		o := s.wantStatus(id, order.StatusPaid)
		last := o.Timeline[len(o.Timeline)-1]
		if last.FromStatus == nil || *last.FromStatus != "shipped" || !strings.Contains(last.Note, "收货人联系不上") || sh.Reason == "" {
			t.Fatalf("failed delivery: timeline %+v, shipment reason %q", last, sh.Reason)
		}
		again := s.dispatch(id)
		if again.ID == sh.ID || again.OutNo == sh.OutNo || again.TrackingNo == sh.TrackingNo {
			t.Fatalf("re-dispatch reused the failed delivery: %+v", again)
		}
		for range 4 {
			s.advance(again.TrackingNo, "")
		}
		s.eventuallyShipment(again.ID, shipment.StatusDelivered)
		s.wantStatus(id, order.StatusDelivered)
	})
}

// TestRiderCancel: staff call a delivery off before pickup (the order stays
// paid, with a note); after pickup the rider service refuses and nothing
// changes; a delivery the rider service cancels leaves the paid order paid.
func TestRiderCancel(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		id := s.paidDeliveryTo(s.address)
		sh := s.dispatch(id)
		s.advance(sh.TrackingNo, "")
		s.eventuallyShipment(sh.ID, shipment.StatusAccepted)
		path := apitest.Path("/admin/v1/orders/%d/dispatch/cancel", id)
		s.h.Do("POST", path, s.h.AdminToken, map[string]any{}).Fails(http.StatusBadRequest, "invalid_argument")
		var d dispatched
		s.h.Do("POST", path, s.h.AdminToken, map[string]any{"reason": "顾客改为自提"}).OK(http.StatusOK, &d)
		if d.Status != "paid" || d.Shipments[0].Status != "cancelled" || d.Shipments[0].Reason != "顾客改为自提" ||
			!strings.Contains(d.Timeline[len(d.Timeline)-1].Note, "顾客改为自提") {
			t.Fatalf("cancel answered %+v", d)
		}
		s.eventuallyEvents(sh.ID, 3) // requested, accepted, and the service's cancelled
		before := s.snapshot(id)
		s.h.Do("POST", path, s.h.AdminToken, map[string]any{"reason": "again"}).Fails(http.StatusConflict, "conflict")
		s.unchanged(id, before, "cancelling twice")

		s.pickedUp(id)
		before = s.snapshot(id)
		s.h.Do("POST", path, s.h.AdminToken, map[string]any{"reason": "太晚了"}).Fails(http.StatusConflict, "conflict")
		s.unchanged(id, before, "cancelling after pickup")

		// The rider service cancels a delivery of another paid order.
		other := s.paidDeliveryTo(s.address)
		sh = s.dispatch(other)
		if got := s.advance(sh.TrackingNo, "cancel"); got != "cancelled" {
			t.Fatalf("advance cancel answered %s", got)
		}
		s.eventuallyShipment(sh.ID, shipment.StatusCancelled)
		o := s.wantStatus(other, order.StatusPaid)
		if !strings.Contains(o.Timeline[len(o.Timeline)-1].Note, "运力不足") {
			t.Fatalf("no reason on the timeline: %+v", o.Timeline)
		}
	})
}

// TestDispatchRefused: a pickup order, an unpaid one, another store's,
// one already dispatched, and a rider service that is down are refused
// with the envelope, and change nothing; after the outage it works.
func TestDispatchRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		h := s.h
		dispatch := func(id int, token string) *apitest.Response {
			return h.Do("POST", apitest.Path("/admin/v1/orders/%d/dispatch", id), token, map[string]any{})
		}
		pickup := s.mustOrder(s.milk, 1)
		s.pay(pickup.Payment.prepayID(), true)
		s.eventuallyStatus(pickup.Order.ID, order.StatusPaid)
		before := s.snapshot(pickup.Order.ID)
		dispatch(pickup.Order.ID, h.AdminToken).Fails(http.StatusConflict, "conflict")
		s.unchanged(pickup.Order.ID, before, "dispatching a pickup order")

		var unpaid checkoutAnswer
		s.checkout(s.shopper.Token, map[string]any{"store_id": s.store.ID, "fulfilment": "delivery", "address_id": s.address,
			"items": []map[string]int{{"sku_id": s.milk, "quantity": 2}}}).OK(http.StatusCreated, &unpaid)
		before = s.snapshot(unpaid.Order.ID)
		dispatch(unpaid.Order.ID, h.AdminToken).Fails(http.StatusConflict, "conflict")
		s.unchanged(unpaid.Order.ID, before, "dispatching an unpaid order")

		id := s.paidDeliveryTo(s.address)
		b := mustStore(t, h, "B店", 31.3, 121.5)
		_, clerkB := mustStaff(t, h, "clerk-b", "clerk", &b.ID)
		before = s.snapshot(id)
		dispatch(id, clerkB).Fails(http.StatusForbidden, "permission_denied")
		dispatch(id+1000, h.AdminToken).Fails(http.StatusNotFound, "not_found")
		h.Do("POST", apitest.Path("/admin/v1/orders/%d/dispatch", id), h.AdminToken, map[string]any{"carrier": "sf"}).
			Fails(http.StatusBadRequest, "invalid_argument")
		s.unchanged(id, before, "refused dispatches")

		h.Do("POST", "/sandbox/faults", "", map[string]any{"op": "rider", "count": 1}).OK(http.StatusOK, nil)
		dispatch(id, h.AdminToken).Fails(http.StatusServiceUnavailable, "unavailable")
		shs, _ := s.h.App.Orders.Shipments(context.Background(), id)
		if o := s.wantStatus(id, order.StatusPaid); len(shs) != 1 || shs[0].Status != shipment.StatusFailed || shs[0].Reason == "" ||
			len(o.Timeline) != before.Timeline {
			t.Fatalf("after the outage: %+v", shs)
		}

		sh := s.dispatch(id)
		before = s.snapshot(id)
		dispatch(id, h.AdminToken).Fails(http.StatusConflict, "conflict")
		s.unchanged(id, before, "dispatching twice")
		s.eventuallyShipment(sh.ID, shipment.StatusRequested)
	})
}

// TestDispatchRace: racing dispatches of one order make one delivery.
func TestDispatchRace(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		id := s.paidDeliveryTo(s.address)
		results := make(chan rawResult, 4)
		for range 4 {
			go func() {
				results <- post(s.h, apitest.Path("/admin/v1/orders/%d/dispatch", id), s.h.AdminToken, map[string]any{})
			}()
		}
		ok := 0
		for range 4 {
			r := <-results
			switch {
			case r.Status == http.StatusOK:
				ok++
			case r.Status != http.StatusConflict:
				t.Fatalf("racing dispatch: %d %s", r.Status, r.Body)
			}
		}
		shs, _ := s.h.App.Orders.Shipments(context.Background(), id)
		if ok != 1 || len(shs) != 1 {
			t.Fatalf("%d dispatches succeeded, %d shipments", ok, len(shs))
		}
	})
}

// TestRiderInProcess: the rider service of the app's own sandbox, through
// the real client: dispatch, a step by hand, the status and the rider's
// position as the service has them, and a cancel.
func TestRiderInProcess(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db, func(cfg *config.Config, _ *app.Options) { cfg.SandboxTimeScale = 0.01 })
		ctx := context.Background()
		id := s.paidDeliveryTo(s.mustAddress())
		sh := s.dispatch(id)
		s.advance(sh.TrackingNo, "")
		ref := logistics.Ref{OutNo: sh.OutNo, TrackingNo: sh.TrackingNo}
		snap, err := s.h.App.Carrier.Get(ctx, ref)
		if err != nil || (snap.Status != logistics.RiderAccepted && snap.Status != logistics.RiderArrived) || snap.Rider.Name == "" {
			t.Fatalf("status at the service: %+v, %v", snap, err)
		}
		if lat, _, _, err := s.h.App.Carrier.RiderPosition(ctx, ref); err != nil || lat < s.store.Lat-0.001 || lat > s.store.Lat+0.011 {
			t.Fatalf("rider position %v: %v", lat, err)
		}
		var d dispatched
		s.h.Do("POST", apitest.Path("/admin/v1/orders/%d/dispatch/cancel", id), s.h.AdminToken,
			map[string]any{"reason": "缺货"}).OK(http.StatusOK, &d)
		if d.Status != "paid" || d.Shipments[0].Status != "cancelled" {
			t.Fatalf("cancel answered %+v", d)
		}
		if snap, _ := s.h.App.Carrier.Get(ctx, ref); snap.Status != logistics.RiderCancelled {
			t.Fatalf("the service has it %s", snap.Status)
		}
		// The service's own "cancelled" callback comes too (and records
		// the event); then a final delivery moves no more, and an unknown
		// one is not found.
		waitFor(t, func() bool {
			return db.Client.ShipmentEvent.Query().Where(shipmentevent.ShipmentID(sh.ID), shipmentevent.Status("cancelled")).ExistX(ctx)
		})
		before := s.snapshot(id)
		s.h.Do("POST", "/sandbox/logistics/advance", "", map[string]any{"tracking_no": sh.TrackingNo}).Fails(http.StatusConflict, "conflict")
		s.h.Do("POST", "/sandbox/logistics/advance", "", map[string]any{"tracking_no": "DD0"}).Fails(http.StatusNotFound, "not_found")
		s.h.Do("POST", "/sandbox/logistics/advance", "", map[string]any{"tracking_no": sh.TrackingNo, "outcome": "lost"}).
			Fails(http.StatusBadRequest, "invalid_argument")
		s.unchanged(id, before, "advancing a cancelled rider")
	})
}
