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
// the rider service is asked. If it fails, the shipment is marked failed
// with the reason and the answer is unavailable: the order stays paid and
// may be dispatched again. The order becomes shipped when the rider picks
// the goods up (see ApplyRiderEvent).
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
		sh, err = tx.Shipment.Create().SetOrderID(o.ID).SetKind(shipment.KindRider).SetOutNo(req.OutNo).
			SetCarrier(s.carrier.Code()).SetStatus(shipment.StatusRequested).Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	ref, cerr := s.carrier.Create(ctx, req)
	if cerr != nil {
		reason := clip("the rider service did not take the delivery: "+serviceMessage(cerr), 200)
		if _, err := s.client.Shipment.Update().Where(shipment.ID(sh.ID), shipment.StatusEQ(shipment.StatusRequested)).
			SetStatus(shipment.StatusFailed).SetReason(reason).Save(ctx); err != nil {
			s.log.Error("dispatch: marking a shipment the rider service refused failed", "shipment", sh.ID, "error", err)
		}
		return nil, errs.Wrap(cerr, errs.Unavailable, "the rider service is unavailable; the order stays paid (%s)", serviceMessage(cerr))
	}
	upd := s.client.Shipment.UpdateOneID(sh.ID).SetTrackingNo(ref.TrackingNo).SetFeeFen(ref.FeeFen)
	if ref.DistanceM > 0 {
		upd.SetDistanceM(ref.DistanceM)
	}
	if err := upd.Exec(ctx); err != nil {
		return nil, err
	}
	return s.load(ctx, orderID)
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
// the order's timeline. The order stays paid.
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
	if err := s.carrier.Cancel(ctx, riderRef(sh), reason); err != nil {
		return nil, err
	}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		n, err := tx.Shipment.Update().
			Where(shipment.ID(sh.ID), shipment.StatusIn(shipment.StatusRequested, shipment.StatusAccepted, shipment.StatusArrived)).
			SetStatus(shipment.StatusCancelled).SetReason(clip(reason, 200)).Save(ctx)
		if err != nil || n == 0 {
			return err // the service's own callback got there first
		}
		return s.riderNote(ctx, tx, orderID, by, "rider delivery cancelled: "+reason)
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
