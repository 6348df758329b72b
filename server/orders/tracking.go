package orders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/shipment"
	"wemart/ent/shipmentevent"
	"wemart/server/errs"
	"wemart/server/logistics"
	"wemart/server/storage"
)

// ApplyParcelTrack stores what a tracking provider reported about a parcel:
// the events not seen before (a replayed event is a no-op by its dedupe
// hash), the shipment's status moved only forward (a guarded UPDATE), and,
// once every express parcel of the order is signed, the order moved from
// shipped to delivered; a parcel returned or rejected stops its shipped
// order's automatic receipt, with a note for staff (parcelTurnedBack).
// Duplicate and out-of-order reports never move anything backwards. A
// parcel wemart does not know changes nothing.
func (s *Service) ApplyParcelTrack(ctx context.Context, t logistics.Track) (err error) {
	defer errs.Op(&err, "orders.ApplyParcelTrack")
	q := s.client.Shipment.Query().Where(shipment.KindEQ(shipment.KindExpress), shipment.TrackingNo(t.Number))
	if t.Carrier != "" {
		q.Where(shipment.Carrier(t.Carrier))
	}
	ids, err := q.IDs(ctx)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		s.log.Warn("tracking: a report about a parcel wemart did not ship", "carrier", t.Carrier, "tracking_no", t.Number)
	}
	for _, id := range ids {
		if err := storage.WithTx(ctx, s.client, func(tx *ent.Tx) error { return s.applyTrack(ctx, tx, id, t) }); err != nil {
			return err
		}
	}
	return nil
}

// applyTrack applies t to shipment id in tx.
func (s *Service) applyTrack(ctx context.Context, tx *ent.Tx, id int, t logistics.Track) error {
	for _, e := range t.Events {
		err := tx.ShipmentEvent.Create().SetShipmentID(id).SetStatus(string(e.Status)).
			SetDescription(clip(e.Text, 300)).SetLocation(clip(e.Location, 100)).
			SetDedupe(dedupe(string(e.Status), e.Time.UTC().Format("2006-01-02T15:04:05Z"), e.Text)).
			SetOccurredAt(e.Time.UTC()).
			OnConflict(sql.ConflictColumns(shipmentevent.FieldShipmentID, shipmentevent.FieldDedupe)).DoNothing().Exec(ctx)
		if err != nil && !storage.Skipped(err) {
			return err
		}
	}
	if prev := logistics.Predecessors(t.Status); len(prev) > 0 {
		upd := tx.Shipment.Update().Where(shipment.ID(id), shipment.StatusIn(prev...)).SetStatus(t.Status)
		if t.Status == shipment.StatusSigned {
			upd.SetDeliveredAt(s.now().UTC())
		}
		n, err := upd.Save(ctx)
		if err != nil {
			return err
		}
		if n > 0 && (t.Status == shipment.StatusReturned || t.Status == shipment.StatusRejected) {
			return s.parcelTurnedBack(ctx, tx, id, t.Status)
		}
	}
	sh, err := tx.Shipment.Get(ctx, id)
	if err != nil || sh.Status != shipment.StatusSigned {
		return err
	}
	return s.deliverIfAllSigned(ctx, tx, sh.OrderID)
}

// parcelTurnedBack is what a parcel that just became returned or rejected
// means for its order, in tx: a shipped order's goods are not reaching the
// shopper, so its auto-receive clock stops (receive_due_at cleared by an
// update guarded on shipped: the sweeper will not complete it) and a note
// on its timeline (an entry from shipped to shipped) tells staff to refund
// or ship again. An order in any other status is left as it is.
func (s *Service) parcelTurnedBack(ctx context.Context, tx *ent.Tx, shipmentID int, st shipment.Status) error {
	sh, err := tx.Shipment.Get(ctx, shipmentID)
	if err != nil {
		return err
	}
	n, err := tx.Order.Update().Where(order.ID(sh.OrderID), order.StatusEQ(order.StatusShipped)).
		ClearReceiveDueAt().Save(ctx)
	if err != nil || n == 0 {
		return err
	}
	what := "returned to the sender"
	if st == shipment.StatusRejected {
		what = "rejected by the receiver"
	}
	return Note(ctx, tx, sh.OrderID, order.StatusShipped, System,
		"parcel "+sh.Carrier+" "+sh.TrackingNo+" "+what+"; automatic receipt stopped: refund or ship again")
}

// deliverIfAllSigned moves a shipped order to delivered once every express
// parcel of it (but those cancelled or failed) is signed for.
func (s *Service) deliverIfAllSigned(ctx context.Context, tx *ent.Tx, orderID int) error {
	o, err := tx.Order.Get(ctx, orderID)
	if err != nil || o.Status != order.StatusShipped {
		return err
	}
	parcels, err := tx.Shipment.Query().Where(shipment.OrderID(orderID), shipment.KindEQ(shipment.KindExpress),
		shipment.StatusNotIn(shipment.StatusCancelled, shipment.StatusFailed)).All(ctx)
	if err != nil {
		return err
	}
	var names []string
	for _, p := range parcels {
		if p.Status != shipment.StatusSigned {
			return nil
		}
		names = append(names, p.Carrier+" "+p.TrackingNo)
	}
	err = s.markDelivered(ctx, tx, o, System, "signed for: "+strings.Join(names, ", "))
	if errs.Is(err, errs.Conflict) {
		return nil // another report delivered it meanwhile
	}
	return err
}

// dedupe identifies an event within its shipment.
func dedupe(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// Tracking is the order's shipments (oldest first) with their events
// (newest first), as staff see them.
func (s *Service) Tracking(ctx context.Context, orderID int) (_ []*ent.Shipment, err error) {
	defer errs.Op(&err, "orders.Tracking")
	riders, err := s.client.Shipment.Query().Where(shipment.OrderID(orderID), shipment.KindEQ(shipment.KindRider),
		shipment.StatusIn(shipment.StatusAccepted, shipment.StatusArrived, shipment.StatusPickedUp)).IDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range riders { // where the rider is now (at most one ask per PositionEvery)
		if _, err := s.RefreshRiderPosition(ctx, id); err != nil {
			return nil, err
		}
	}
	return s.client.Shipment.Query().Where(shipment.OrderID(orderID)).
		WithEvents(func(q *ent.ShipmentEventQuery) {
			q.Order(ent.Desc(shipmentevent.FieldOccurredAt), ent.Desc(shipmentevent.FieldID))
		}).
		Order(ent.Asc(shipment.FieldID)).All(ctx)
}

// ShopperTracking is Tracking of the shopper's own order; another
// shopper's order is not found.
func (s *Service) ShopperTracking(ctx context.Context, shopperID, orderID int) (_ []*ent.Shipment, err error) {
	defer errs.Op(&err, "orders.ShopperTracking")
	if _, err := s.own(ctx, shopperID, orderID); err != nil {
		return nil, err
	}
	return s.Tracking(ctx, orderID)
}
