package api_test

import (
	"net/http"
	"testing"

	"wemart/ent/order"
	"wemart/ent/shipment"
	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestNoRefundWhileARiderComes: a refund of an order whose rider is on the
// way to the store is refused (the refund would restock goods the rider
// then carries off), by the shopper and by staff, and nothing changes;
// once staff call the rider off, the refund goes through.
func TestNoRefundWhileARiderComes(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		id := s.paidDeliveryTo(s.address)
		sh := s.dispatch(id)
		s.advance(sh.TrackingNo, "")
		s.eventuallyShipment(sh.ID, shipment.StatusAccepted)
		before := s.snapshot(id)
		s.h.Do("POST", apitest.Path("/api/v1/orders/%d/refund", id), s.shopper.Token, map[string]string{"reason": "不要了"}).
			Fails(http.StatusConflict, "conflict")
		s.h.Do("POST", apitest.Path("/admin/v1/orders/%d/refund", id), s.h.AdminToken, map[string]string{"reason": "缺货"}).
			Fails(http.StatusConflict, "conflict")
		s.unchanged(id, before, "refunds refused while a rider comes")
		if n := db.Client.Refund.Query().CountX(t.Context()); n != 0 {
			t.Fatalf("%d refunds recorded", n)
		}
		s.h.Do("POST", apitest.Path("/admin/v1/orders/%d/dispatch/cancel", id), s.h.AdminToken, map[string]string{"reason": "顾客不要了"}).
			OK(http.StatusOK, nil)
		s.h.Do("POST", apitest.Path("/api/v1/orders/%d/refund", id), s.shopper.Token, map[string]string{"reason": "不要了"}).
			OK(http.StatusOK, nil)
		s.wantStatus(id, order.StatusRefunding)
	})
}

// TestTrackingNumberOnOneOrder: a parcel number already shipped on another
// order is refused (each shopper would see the other's parcel, and one
// signature would deliver both), and nothing changes.
func TestTrackingNumberOnOneOrder(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newExpressShop(t, db)
		first, second := s.paidDelivery(), s.paidDelivery()
		sf := map[string]string{"carrier": "SF", "tracking_no": "SF1234567890123"}
		s.ship(first.ID, sf).OK(http.StatusOK, nil)
		s.ship(second.ID, map[string]string{"carrier": "SF", "tracking_no": " sf1234567890123 "}).Fails(http.StatusConflict, "conflict")
		s.wantStatus(second.ID, order.StatusPaid)
		if n := s.shipments(second.ID); n != 0 {
			t.Fatalf("the refused order has %d shipments", n)
		}
		s.ship(second.ID, map[string]string{"carrier": "ZTO", "tracking_no": "1234567890123"}).OK(http.StatusOK, nil)
	})
}
