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
	"wemart/server/jobs"
	"wemart/server/logistics"
)

// JobTrackSubscribe is the kind of job that subscribes a parcel at the
// tracking provider (see SubscribeTrack).
const JobTrackSubscribe = "track_subscribe"

// trackJob is the payload of a track_subscribe job.
type trackJob struct {
	ShipmentID int `json:"shipment_id"`
}

// Ship hands a paid delivery order's goods to a carrier in one or more
// express parcels (see ShipInput.List for what is accepted): one shipment
// per parcel, the order shipped, and, with tracking, a subscription of each
// parcel enqueued, all in one transaction. A pickup order, an unpaid one,
// one already shipped or out with a rider is a conflict and nothing changes.
func (s *Service) Ship(ctx context.Context, by Actor, orderID int, parcels []Parcel) (_ *ent.Order, err error) {
	defer errs.Op(&err, "orders.Ship")
	parcels, err = checkParcels(parcels, func(i int, f string) string { return fmt.Sprintf("parcels[%d].%s", i, f) })
	if err != nil {
		return nil, err
	}
	return s.move(ctx, orderID, func(tx *ent.Tx, o *ent.Order) error {
		if o.Fulfilment != order.FulfilmentDelivery {
			return errs.E(errs.Conflict, "order %d is for pickup; it is handed over at the counter", o.ID)
		}
		if err := from(o, order.StatusPaid); err != nil {
			return err
		}
		existing, err := tx.Shipment.Query().Where(shipment.OrderID(o.ID)).All(ctx)
		if err != nil {
			return err
		}
		for _, sh := range existing {
			if sh.Kind == shipment.KindRider && sh.Status != shipment.StatusCancelled && sh.Status != shipment.StatusFailed {
				return errs.E(errs.Conflict, "order %d is out with a rider (%s)", o.ID, sh.Status)
			}
		}
		for _, p := range parcels {
			// One parcel goes to one shopper: a number already on another
			// order would show each shopper the other's parcel, and one
			// signature would deliver both.
			taken, err := tx.Shipment.Query().Where(shipment.KindEQ(shipment.KindExpress), shipment.Carrier(p.Carrier),
				shipment.TrackingNo(p.TrackingNo), shipment.StatusNotIn(shipment.StatusCancelled, shipment.StatusFailed)).Exist(ctx)
			if err != nil {
				return err
			}
			if taken {
				return errs.E(errs.Conflict, "%s parcel %s is already shipped on another order", p.Carrier, p.TrackingNo).
					With("tracking_no", p.TrackingNo)
			}
		}
		now := s.now().UTC()
		var names []string
		for i, p := range parcels {
			sh, err := tx.Shipment.Create().SetOrderID(o.ID).SetKind(shipment.KindExpress).
				SetOutNo("P" + o.OrderNo + "-" + strconv.Itoa(len(existing)+i+1)).
				SetCarrier(p.Carrier).SetTrackingNo(p.TrackingNo).SetStatus(shipment.StatusCreated).SetShippedAt(now).
				Save(ctx)
			if err != nil {
				return err
			}
			names = append(names, p.Carrier+" "+p.TrackingNo)
			if s.jobs != nil && s.tracking != nil {
				err = s.jobs.Enqueue(ctx, tx, jobs.Job{Kind: JobTrackSubscribe, Key: JobTrackSubscribe + ":" + strconv.Itoa(sh.ID),
					OrderID: &o.ID, Payload: trackJob{ShipmentID: sh.ID}})
				if err != nil {
					return err
				}
			}
		}
		return s.markShipped(ctx, tx, o, by, "shipped by express: "+strings.Join(names, ", "))
	})
}

// SubscribeTrack is the handler of track_subscribe jobs: it subscribes the
// parcel at the tracking provider, pushes to go to the callback URL, and
// records when it was taken. A refusal retrying cannot mend ends the job.
func (s *Service) SubscribeTrack(ctx context.Context, j *ent.Job) error {
	var p trackJob
	if err := jobs.Decode(j, &p); err != nil {
		return err
	}
	if s.tracking == nil {
		return jobs.Permanent(errors.New("no tracking provider is configured"))
	}
	sh, err := s.client.Shipment.Query().Where(shipment.ID(p.ShipmentID)).WithOrder().Only(ctx)
	if ent.IsNotFound(err) {
		return jobs.Permanent(err)
	}
	if err != nil || sh.SubscribedAt != nil {
		return err
	}
	q := logistics.Query{Carrier: sh.Carrier, Number: sh.TrackingNo, CallbackURL: s.trackCallback}
	if a := sh.Edges.Order.Address; a != nil {
		q.Phone = a.Phone
	}
	if err := s.tracking.Subscribe(ctx, q); err != nil {
		if errors.Is(err, logistics.ErrRefused) {
			return jobs.Permanent(err)
		}
		return err
	}
	return s.client.Shipment.Update().Where(shipment.ID(sh.ID), shipment.SubscribedAtIsNil()).
		SetSubscribedAt(s.now().UTC()).Exec(ctx)
}
