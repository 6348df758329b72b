package stores

import (
	"context"

	"wemart/server/errs"
	"wemart/server/geo"
)

// Nearby search limits (the API's).
const (
	DefaultRadiusM = 5000
	MaxRadiusM     = 50000
	DefaultLimit   = 20
	MaxLimit       = 100
)

// NearbyQuery asks for the stores around a point. Only stores that are not
// closed by staff are ever listed.
type NearbyQuery struct {
	Point   geo.Point
	RadiusM int
	Limit   int
	// OpenNow keeps stores open at the moment of the query.
	OpenNow bool
	// Pickup keeps stores that offer pickup.
	Pickup bool
	// Delivers keeps stores that deliver to Point.
	Delivers bool
}

// Nearby is one store of a nearby search.
type Nearby struct {
	*Entry
	DistanceM float64
	OpenNow   bool
	Delivery  Delivery
}

// Validate checks the query's ranges.
func (q NearbyQuery) Validate() error {
	switch {
	case !q.Point.Valid():
		return errs.E(errs.Invalid, "lat must be within [-90, 90] and lng within [-180, 180]")
	case q.RadiusM <= 0 || q.RadiusM > MaxRadiusM:
		return errs.InvalidField("radius_m", "must be between 1 and %d", MaxRadiusM)
	case q.Limit <= 0 || q.Limit > MaxLimit:
		return errs.InvalidField("limit", "must be between 1 and %d", MaxLimit)
	}
	return nil
}

// Nearby returns the stores within q.RadiusM of q.Point, nearest first
// (ties by id), at most q.Limit, each saying whether it is open and whether
// it delivers to the point.
func (s *Service) Nearby(ctx context.Context, q NearbyQuery) (_ []Nearby, err error) {
	defer errs.Op(&err, "stores.Nearby")
	if err := q.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	hits, err := s.index.Nearest(ctx, geo.Query[*Entry]{
		Point: q.Point, RadiusM: float64(q.RadiusM), Limit: q.Limit,
		Keep: func(p geo.Place[*Entry]) bool {
			e := p.Value
			return e.Open && (!q.Pickup || e.Pickup) && (!q.OpenNow || e.OpenAt(now)) &&
				(!q.Delivers || e.Deliveries(q.Point).Delivers)
		},
	})
	if err != nil {
		return nil, err
	}
	out := make([]Nearby, len(hits))
	for i, h := range hits {
		out[i] = Nearby{Entry: h.Value, DistanceM: h.DistanceM, OpenNow: h.Value.OpenAt(now), Delivery: h.Value.Deliveries(q.Point)}
	}
	return out, nil
}

// CheckDelivery says whether store id delivers to p (the function order
// creation uses too).
func (s *Service) CheckDelivery(ctx context.Context, id int, p geo.Point) (_ *Entry, _ Delivery, err error) {
	defer errs.Op(&err, "stores.CheckDelivery")
	if !p.Valid() {
		return nil, Delivery{}, errs.E(errs.Invalid, "lat must be within [-90, 90] and lng within [-180, 180]")
	}
	e, err := s.index.Get(ctx, id)
	if err != nil {
		return nil, Delivery{}, err
	}
	if e == nil {
		return nil, Delivery{}, errs.E(errs.NotFound, "no store %d", id)
	}
	return e, e.Deliveries(p), nil
}

// OpenNow reports whether e is open at the service's clock.
func (s *Service) OpenNow(e *Entry) bool { return e.OpenAt(s.now()) }
