package orders

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/shipment"
	"wemart/server/errs"
	"wemart/server/logistics"
	"wemart/server/storage"
)

// riderActive are the shipment statuses of a rider delivery under way.
var riderActive = []shipment.Status{
	shipment.StatusRequested, shipment.StatusAccepted, shipment.StatusArrived, shipment.StatusPickedUp,
}

// Dispatch sends a paid delivery order out with a same-city rider. The
// shipment (kind rider, requested) is written first, in a transaction that
// starts by a conditional UPDATE of the order's row, so racing dispatches
// of one order take turns and the second finds the first's delivery; then
// the rider service is asked. If that fails, the service may still have
// taken the delivery (the answer was lost), so it is asked about the
// out_no (settleRequested): a delivery it has is adopted and the dispatch
// succeeds; one it does not know marks the shipment failed with the reason
// and the answer is unavailable (the order stays paid and may be
// dispatched again); when it cannot say either, the shipment stays
// requested for the sweeper to settle and the answer is unavailable too.
// The order becomes shipped when the rider picks the goods up (see
// ApplyRiderEvent).
func (s *Service) Dispatch(ctx context.Context, by Actor, orderID int) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.Dispatch")
	if s.carrier == nil {
		return nil, errs.E(errs.Unavailable, "no rider service is configured (WEMART_RIDER_URL and its keys)")
	}
	var sh *ent.Shipment
	var req logistics.Request
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		n, err := tx.Order.Update().Where(order.ID(orderID), order.StatusEQ(order.StatusPaid),
			order.FulfilmentEQ(order.FulfilmentDelivery)).SetUpdatedAt(s.now().UTC()).Save(ctx)
		if err != nil {
			return err
		}
		o, err := tx.Order.Query().Where(order.ID(orderID)).WithStore().Only(ctx)
		if ent.IsNotFound(err) {
			return errs.E(errs.NotFound, "no order %d", orderID)
		}
		if err != nil {
			return err
		}
		if o.Fulfilment != order.FulfilmentDelivery {
			return errs.E(errs.Conflict, "order %d is for pickup; riders take delivery orders", o.ID)
		}
		if n == 0 {
			return from(o, order.StatusPaid)
		}
		riders := tx.Shipment.Query().Where(shipment.OrderID(o.ID), shipment.KindEQ(shipment.KindRider))
		if active, err := riders.Clone().Where(shipment.StatusIn(riderActive...)).First(ctx); err == nil {
			return errs.E(errs.Conflict, "order %d already has a rider delivery under way (%s)", o.ID, active.Status).
				With("shipment_id", active.ID)
		} else if !ent.IsNotFound(err) {
			return err
		}
		attempt, err := riders.Count(ctx)
		if err != nil {
			return err
		}
		if req, err = riderRequest(o); err != nil {
			return err
		}
		// The out_no is the service's key for the delivery and part of
		// what a callback must know: random digits keep it unguessable.
		req.OutNo = fmt.Sprintf("R%s-%d-%s", o.OrderNo, attempt+1, randomDigits(6))
		now := s.now().UTC()
		sh, err = tx.Shipment.Create().SetOrderID(o.ID).SetKind(shipment.KindRider).SetOutNo(req.OutNo).
			SetCarrier(s.carrier.Code()).SetStatus(shipment.StatusRequested).SetCreatedAt(now).SetUpdatedAt(now).Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	ref, cerr := s.carrier.Create(ctx, req)
	if cerr != nil {
		adopted, err := s.settleRequested(ctx, sh, "the rider service did not take the delivery: "+serviceMessage(cerr), false)
		switch {
		case err == nil && adopted:
			s.log.Warn("dispatch: the rider service took the delivery though its answer failed", "shipment", sh.ID, "error", cerr)
			return s.load(ctx, orderID)
		case err == nil:
			return nil, errs.Wrap(cerr, errs.Unavailable, "the rider service is unavailable; the order stays paid (%s)", serviceMessage(cerr))
		}
		s.log.Warn("dispatch: whether the rider service took the delivery is not known yet", "shipment", sh.ID, "error", err)
		return nil, errs.Wrap(cerr, errs.Unavailable,
			"the rider service is unavailable and could not say whether it took the delivery; the order stays paid and the delivery requested until it answers (%s)",
			serviceMessage(cerr)).With("shipment_id", sh.ID)
	}
	// A callback may have come first (and written the tracking number);
	// the answer's number is the same delivery's.
	upd := s.client.Shipment.Update().Where(shipment.ID(sh.ID),
		shipment.Or(shipment.TrackingNo(""), shipment.TrackingNo(ref.TrackingNo))).
		SetTrackingNo(ref.TrackingNo).SetFeeFen(ref.FeeFen).SetUpdatedAt(s.now().UTC())
	if ref.DistanceM > 0 {
		upd.SetDistanceM(ref.DistanceM)
	}
	if _, err := upd.Save(ctx); err != nil {
		return nil, err
	}
	if err := s.undoIfSettled(ctx, sh.ID, ref); err != nil {
		return nil, err
	}
	return s.load(ctx, orderID)
}

// undoIfSettled calls off at the rider service a delivery it took (ref)
// whose shipment was meanwhile settled without it: cancelled by staff or
// marked failed by the sweeper while the service did not yet know the
// out_no. The shipment is final, so no rider must come for it.
func (s *Service) undoIfSettled(ctx context.Context, shipmentID int, ref logistics.Ref) error {
	sh, err := s.client.Shipment.Get(ctx, shipmentID)
	if err != nil {
		return err
	}
	if sh.Status != shipment.StatusCancelled && sh.Status != shipment.StatusFailed {
		return nil
	}
	if err := s.carrier.Cancel(ctx, ref, "called off while it was being requested"); err != nil &&
		!errors.Is(err, logistics.ErrNotFound) {
		s.log.Error("dispatch: a delivery settled meanwhile could not be called off at the rider service",
			"shipment", sh.ID, "out_no", sh.OutNo, "error", err)
	}
	return errs.E(errs.Conflict, "the rider delivery of order %d was %s while it was being requested", sh.OrderID, sh.Status).
		With("shipment_id", sh.ID)
}

// settleRequested decides a rider shipment still requested whose
// creation's answer wemart does not have, by asking the rider service
// about its out_no. A delivery the service has is adopted: its tracking
// number (where the service says it), fee and distance by a guarded
// update on requested, and a status beyond requested applied as a report
// of the service would be (ApplyRiderEvent); adopted is true. A delivery
// the service does not know is marked failed with reason (guarded on
// requested and no tracking number: a callback that came meanwhile wins),
// and with note a same-status entry goes on the paid order's timeline;
// the order may be dispatched again. When the service cannot say, the
// error is returned and the shipment stays requested.
func (s *Service) settleRequested(ctx context.Context, sh *ent.Shipment, reason string, note bool) (adopted bool, err error) {
	snap, gerr := s.carrier.Get(ctx, riderRef(sh))
	if errors.Is(gerr, logistics.ErrNotFound) {
		return false, storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
			n, err := tx.Shipment.Update().Where(shipment.ID(sh.ID), shipment.StatusEQ(shipment.StatusRequested),
				shipment.TrackingNo("")).SetStatus(shipment.StatusFailed).SetReason(clip(reason, 200)).
				SetUpdatedAt(s.now().UTC()).Save(ctx)
			if err != nil || n == 0 || !note {
				return err
			}
			o, err := tx.Order.Get(ctx, sh.OrderID)
			if err != nil || o.Status != order.StatusPaid {
				return err
			}
			return Note(ctx, tx, o.ID, order.StatusPaid, System, "rider delivery failed: "+reason)
		})
	}
	if gerr != nil {
		return false, gerr
	}
	upd := s.client.Shipment.Update().Where(shipment.ID(sh.ID), shipment.StatusEQ(shipment.StatusRequested)).
		SetUpdatedAt(s.now().UTC())
	if snap.FeeFen > 0 {
		upd.SetFeeFen(snap.FeeFen)
	}
	if snap.DistanceM > 0 {
		upd.SetDistanceM(snap.DistanceM)
	}
	if snap.TrackingNo != "" {
		upd.Where(shipment.Or(shipment.TrackingNo(""), shipment.TrackingNo(snap.TrackingNo))).SetTrackingNo(snap.TrackingNo)
	}
	if _, err := upd.Save(ctx); err != nil {
		return false, err
	}
	if snap.Status == "" || snap.Status == logistics.RiderRequested {
		return true, nil
	}
	at := snap.UpdatedAt
	if at.IsZero() {
		at = s.now()
	}
	desc := "the rider service reports the delivery " + snap.Status
	if snap.Reason != "" {
		desc += ": " + snap.Reason
	}
	err = s.ApplyRiderEvent(ctx, logistics.RiderEvent{Carrier: sh.Carrier, OutNo: sh.OutNo, TrackingNo: snap.TrackingNo,
		Status: snap.Status, CarrierStatus: snap.CarrierStatus, Description: desc, Reason: snap.Reason, Rider: snap.Rider,
		At: at, Dedupe: "get:" + snap.CarrierStatus})
	return err == nil, err
}

// riderRequest is what a rider service is asked to deliver for o (its
// store loaded): from the store to the order's address, both GCJ-02.
func riderRequest(o *ent.Order) (logistics.Request, error) {
	a, st := o.Address, o.Edges.Store
	if a == nil || a.Lat == nil || a.Lng == nil || st == nil {
		return logistics.Request{}, errs.E(errs.Conflict, "order %d has no delivery address with coordinates", o.ID)
	}
	addr := strings.TrimSpace(a.Province + a.City + a.District + a.Detail)
	return logistics.Request{
		ShopNo: strconv.Itoa(st.ID), CityCode: st.City,
		StoreName: st.Name, StoreAddress: st.Address, StorePhone: st.Phone, StoreLat: st.Lat, StoreLng: st.Lng,
		ReceiverName: a.Contact, ReceiverPhone: a.Phone, ReceiverAddress: addr, ReceiverLat: *a.Lat, ReceiverLng: *a.Lng,
		CargoFen: o.GoodsFen, Info: clip(o.Remark, 100),
	}, nil
}

// CancelDispatch calls off an order's rider delivery before the rider has
// picked the goods up: the rider service first (it refuses after pickup:
// conflict), then the shipment (cancelled, with the reason) and a note on
// the order's timeline. The order stays paid. A delivery still requested
// that the service does not know (its creation never reached it) is
// cancelled here alone.
func (s *Service) CancelDispatch(ctx context.Context, by Actor, orderID int, reason string) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.CancelDispatch")
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, errs.InvalidField("reason", "is required (why the delivery is called off)")
	}
	if len([]rune(reason)) > 100 {
		return nil, errs.InvalidField("reason", "must be at most 100 characters")
	}
	if s.carrier == nil {
		return nil, errs.E(errs.Unavailable, "no rider service is configured (WEMART_RIDER_URL and its keys)")
	}
	sh, err := s.client.Shipment.Query().
		Where(shipment.OrderID(orderID), shipment.KindEQ(shipment.KindRider), shipment.StatusIn(riderActive...)).
		Order(ent.Desc(shipment.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.Conflict, "order %d has no rider delivery under way", orderID)
	}
	if err != nil {
		return nil, err
	}
	if sh.Status == shipment.StatusPickedUp {
		return nil, errs.E(errs.Conflict, "the rider has picked the goods of order %d up; the delivery cannot be called off", orderID).
			With("status", sh.Status)
	}
	cancellable := []shipment.Status{shipment.StatusRequested, shipment.StatusAccepted, shipment.StatusArrived}
	note := "rider delivery cancelled: " + reason
	unknown := false
	if err := s.carrier.Cancel(ctx, riderRef(sh), reason); err != nil {
		if !errors.Is(err, logistics.ErrNotFound) || sh.Status != shipment.StatusRequested {
			return nil, err
		}
		// The service never took it: only a requested shipment is
		// cancelled (a callback moving it on shows the service has it).
		unknown, cancellable = true, cancellable[:1]
		note += " (the rider service never had it)"
	}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		n, err := tx.Shipment.Update().Where(shipment.ID(sh.ID), shipment.StatusIn(cancellable...)).
			SetStatus(shipment.StatusCancelled).SetReason(clip(reason, 200)).SetUpdatedAt(s.now().UTC()).Save(ctx)
		if err == nil && n == 0 && unknown {
			return errs.E(errs.Conflict, "the rider delivery of order %d moved on meanwhile; try again", orderID)
		}
		if err != nil || n == 0 {
			return err // the service's own callback got there first
		}
		return Note(ctx, tx, orderID, order.StatusPaid, by, note)
	})
	if err != nil {
		return nil, err
	}
	return s.load(ctx, orderID)
}

// serviceMessage is what an outside service's failure says, for a reason
// kept on a shipment and shown to staff.
func serviceMessage(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "it failed"
}

// riderRef names a shipment at its rider service.
func riderRef(sh *ent.Shipment) logistics.Ref {
	ref := logistics.Ref{OutNo: sh.OutNo, TrackingNo: sh.TrackingNo, FeeFen: sh.FeeFen}
	if sh.DistanceM != nil {
		ref.DistanceM = *sh.DistanceM
	}
	return ref
}

// Shipments are an order's shipments, oldest first.
func (s *Service) Shipments(ctx context.Context, orderID int) (_ []*ent.Shipment, err error) {
	defer errs.Op(&err, "orders.Shipments")
	return s.client.Shipment.Query().Where(shipment.OrderID(orderID)).Order(ent.Asc(shipment.FieldID)).All(ctx)
}
