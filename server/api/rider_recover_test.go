package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/shipment"
	"wemart/server/apitest"
	"wemart/server/logistics"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// riderRecords are the deliveries the sandbox's rider service took.
func (s *shop) riderRecords() []struct {
	TrackingNo string `json:"tracking_no"`
	OriginID   string `json:"origin_id"`
	Status     string `json:"status"`
} {
	s.t.Helper()
	var recs struct {
		Riders []struct {
			TrackingNo string `json:"tracking_no"`
			OriginID   string `json:"origin_id"`
			Status     string `json:"status"`
		} `json:"riders"`
	}
	s.h.Do("GET", "/sandbox/records", "", nil).OK(http.StatusOK, &recs)
	return recs.Riders
}

// riderShipments are the order's rider shipments, oldest first.
func (s *shop) riderShipments(orderID int) []*ent.Shipment {
	s.t.Helper()
	return s.db.Client.Shipment.Query().Where(shipment.OrderID(orderID), shipment.KindEQ(shipment.KindRider)).
		Order(ent.Asc(shipment.FieldID)).AllX(context.Background())
}

// lastNote is the note of the order's newest timeline entry, which must
// leave the order as it was (an entry from status to status).
func (s *shop) lastNote(orderID int, status string) string {
	s.t.Helper()
	o := s.order(orderID)
	e := o.Timeline[len(o.Timeline)-1]
	if e.Status != status || e.FromStatus == nil || *e.FromStatus != status {
		s.t.Fatalf("the newest timeline entry is %+v, want a note on %s", e, status)
	}
	return e.Note
}

// TestDispatchAnswerLost: the rider service takes the delivery but its
// answer is lost (a timeout after the fact): the dispatch asks the service
// about the out_no, adopts the delivery and succeeds; one delivery exists
// and its callbacks move the shipment on.
func TestDispatchAnswerLost(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		id := s.paidDeliveryTo(s.address)
		s.h.Do("POST", "/sandbox/faults", "", map[string]any{"op": "rider_lost", "count": 1}).OK(http.StatusOK, nil)
		sh := s.dispatch(id) // 200, requested, with the service's number and fee
		recs := s.riderRecords()
		if len(recs) != 1 || recs[0].TrackingNo != sh.TrackingNo || recs[0].OriginID != sh.OutNo || sh.Reason != "" {
			t.Fatalf("sandbox records %+v for shipment %+v", recs, sh)
		}
		s.advance(sh.TrackingNo, "")
		s.eventuallyShipment(sh.ID, shipment.StatusAccepted)
		s.h.Do("POST", apitest.Path("/admin/v1/orders/%d/dispatch", id), s.h.AdminToken, map[string]any{}).
			Fails(http.StatusConflict, "conflict")
		if n := len(s.riderShipments(id)); n != 1 {
			t.Fatalf("%d rider shipments", n)
		}
	})
}

// TestDispatchServiceSilent: the rider service fails the creation and the
// question after it, so nobody knows whether it took the delivery: the
// dispatch is 503 and the shipment stays requested (dispatching again is a
// conflict). Cancelling it asks the service, which does not know it: it is
// cancelled here alone, and the order can be dispatched again.
func TestDispatchServiceSilent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		h := s.h
		id := s.paidDeliveryTo(s.address)
		path := apitest.Path("/admin/v1/orders/%d/dispatch", id)
		h.Do("POST", "/sandbox/faults", "", map[string]any{"op": "rider", "count": 2}).OK(http.StatusOK, nil)
		h.Do("POST", path, h.AdminToken, map[string]any{}).Fails(http.StatusServiceUnavailable, "unavailable")
		shs := s.riderShipments(id)
		if len(shs) != 1 || shs[0].Status != shipment.StatusRequested || shs[0].TrackingNo != "" {
			t.Fatalf("after the outage: %+v", shs)
		}
		s.wantStatus(id, order.StatusPaid)
		before := s.snapshot(id)
		h.Do("POST", path, h.AdminToken, map[string]any{}).Fails(http.StatusConflict, "conflict")
		s.unchanged(id, before, "dispatching while the first is unsettled")

		var d dispatched
		h.Do("POST", apitest.Path("/admin/v1/orders/%d/dispatch/cancel", id), h.AdminToken,
			map[string]any{"reason": "骑手一直没来"}).OK(http.StatusOK, &d)
		if d.Status != "paid" || len(d.Shipments) != 1 || d.Shipments[0].Status != "cancelled" || d.Shipments[0].Reason != "骑手一直没来" {
			t.Fatalf("cancel answered %+v", d)
		}
		if note := s.lastNote(id, "paid"); !strings.Contains(note, "骑手一直没来") || !strings.Contains(note, "never had it") {
			t.Fatalf("timeline note %q", note)
		}
		sh := s.dispatch(id)
		s.eventuallyShipment(sh.ID, shipment.StatusRequested)
		if recs := s.riderRecords(); len(recs) != 1 || recs[0].OriginID != sh.OutNo {
			t.Fatalf("sandbox records %+v", recs)
		}
	})
}

// TestDispatchSettledBySweeper: a shipment left requested by a silent
// rider service is settled by the sweeper once it is a minute old: not
// before, not while the service is still silent, then marked failed (the
// service never took it) with a note, and the order dispatches again.
func TestDispatchSettledBySweeper(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		h := s.h
		id := s.paidDeliveryTo(s.address)
		h.Do("POST", "/sandbox/faults", "", map[string]any{"op": "rider", "count": 2}).OK(http.StatusOK, nil)
		h.Do("POST", apitest.Path("/admin/v1/orders/%d/dispatch", id), h.AdminToken, map[string]any{}).
			Fails(http.StatusServiceUnavailable, "unavailable")
		before := s.snapshot(id)
		s.sweep() // too young
		s.unchanged(id, before, "sweeping a fresh dispatch")
		s.clock.Advance(2 * time.Minute)
		h.Do("POST", "/sandbox/faults", "", map[string]any{"op": "rider", "count": 1}).OK(http.StatusOK, nil)
		s.sweep() // the service still cannot say
		s.unchanged(id, before, "sweeping while the rider service is down")
		s.sweep()
		shs := s.riderShipments(id)
		if len(shs) != 1 || shs[0].Status != shipment.StatusFailed || shs[0].Reason != "the rider service never took it" {
			t.Fatalf("after the sweep: %+v", shs)
		}
		s.wantStatus(id, order.StatusPaid)
		if note := s.lastNote(id, "paid"); !strings.Contains(note, "never took it") {
			t.Fatalf("timeline note %q", note)
		}
		s.dispatch(id)
	})
}

// TestDispatchCrashSettled: shipments a dispatch wrote before its process
// died (requested, no tracking number, as the ent client leaves them) are
// settled by the sweeper: one the rider service never heard of is marked
// failed, one it took is adopted with its number and fee.
func TestDispatchCrashSettled(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		ctx := context.Background()
		crashed := func(orderID int) *ent.Shipment {
			o := db.Client.Order.GetX(ctx, orderID)
			at := s.clock.Now().Add(-2 * time.Minute)
			return db.Client.Shipment.Create().SetOrderID(orderID).SetKind(shipment.KindRider).
				SetOutNo("R" + o.OrderNo + "-1-424242").SetCarrier(logistics.DadaCode).SetStatus(shipment.StatusRequested).
				SetCreatedAt(at).SetUpdatedAt(at).SaveX(ctx)
		}
		lost := s.paidDeliveryTo(s.address)
		lostSh := crashed(lost)

		taken := s.paidDeliveryTo(s.address)
		takenSh := crashed(taken)
		st := db.Client.Store.GetX(ctx, s.store.ID)
		// The process got the delivery through before it died; the
		// callbacks go nowhere, so only asking can tell.
		ref, err := s.h.App.Carrier.Create(ctx, logistics.Request{OutNo: takenSh.OutNo, ShopNo: "1", CityCode: st.City,
			StoreName: st.Name, StoreLat: st.Lat, StoreLng: st.Lng, ReceiverName: "李雷", ReceiverPhone: "13800000000",
			ReceiverAddress: "南京东路100号", ReceiverLat: 31.2360, ReceiverLng: 121.4800, CargoFen: 2580,
			CallbackURL: "http://127.0.0.1:9/nowhere"})
		if err != nil {
			t.Fatal(err)
		}

		s.sweep()
		if sh := s.shipment(lostSh.ID); sh.Status != shipment.StatusFailed || sh.Reason != "the rider service never took it" {
			t.Fatalf("the lost dispatch: %+v", sh)
		}
		if note := s.lastNote(lost, "paid"); !strings.Contains(note, "never took it") {
			t.Fatalf("timeline note %q", note)
		}
		sh := s.shipment(takenSh.ID)
		if sh.Status != shipment.StatusRequested || sh.TrackingNo != ref.TrackingNo || sh.FeeFen != ref.FeeFen || sh.FeeFen == 0 {
			t.Fatalf("the taken dispatch: %+v, the service has %+v", sh, ref)
		}
		s.wantStatus(taken, order.StatusPaid)
		before := s.snapshot(taken)
		s.clock.Advance(2 * time.Minute)
		s.sweep() // it has its number now: nothing to settle
		s.unchanged(taken, before, "sweeping an adopted dispatch")
		s.dispatch(lost)
	})
}
