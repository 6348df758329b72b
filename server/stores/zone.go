package stores

import (
	"context"
	"fmt"
	"math"

	"github.com/uber/h3-go/v4"

	"wemart/ent"
	"wemart/ent/store"
	"wemart/ent/storedeliverycell"
	"wemart/schema/types"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/geo"
	"wemart/server/storage"
)

// ZoneResolution is the H3 resolution delivery zones are held at (~174 m
// cell edges: a zone's border is right to within a street).
const ZoneResolution = 9

// Limits on a drawn delivery zone.
const (
	MaxZoneCells    = 20000 // ~2,100 km² at resolution 9
	MaxZoneVertices = 2000
	MaxZoneHoles    = 10
)

// Delivery is whether a store delivers to a point, and why not.
type Delivery struct {
	Delivers  bool
	DistanceM float64
	// Reason is why not: "no_delivery", "outside_radius" or "outside_zone".
	Reason string
}

// Deliveries explains whether e delivers to p: within its drawn zone when it
// has one, otherwise within its delivery radius. Order creation asks the same.
func (e *Entry) Deliveries(p geo.Point) Delivery {
	d := Delivery{DistanceM: geo.DistanceM(e.Point, p)}
	switch {
	case !e.Delivery:
		d.Reason = "no_delivery"
	case e.zone != nil:
		c, err := h3.LatLngToCell(h3.NewLatLng(p.Lat, p.Lng), ZoneResolution)
		if err == nil && e.zone.has(int64(c)) {
			d.Delivers = true
		} else {
			d.Reason = "outside_zone"
		}
	case d.DistanceM <= float64(e.RadiusM):
		d.Delivers = true
	default:
		d.Reason = "outside_radius"
	}
	return d
}

// zoneCells validates a GeoJSON polygon drawn around a store at centre and
// returns its H3 cells.
func zoneCells(centre geo.Point, poly types.Polygon) ([]h3.Cell, error) {
	var c check.Checker
	if poly.Type != "Polygon" {
		c.Fail("type", "must be Polygon (a GeoJSON polygon, or a Feature whose geometry is one)")
	}
	switch {
	case len(poly.Coordinates) == 0:
		c.Fail("coordinates", "must hold the polygon's outer ring")
	case len(poly.Coordinates)-1 > MaxZoneHoles:
		c.Fail("coordinates", "may have at most %d holes", MaxZoneHoles)
	}
	vertices := 0
	for i, ring := range poly.Coordinates {
		field := fmt.Sprintf("coordinates[%d]", i)
		vertices += len(ring)
		switch {
		case len(ring) < 4:
			c.Fail(field, "must be a closed ring of at least 4 positions (the last equal to the first)")
		case ring[0] != ring[len(ring)-1]:
			c.Fail(field, "is not closed: its last position must equal its first")
		}
		for j, pos := range ring {
			p := geo.Point{Lat: pos[1], Lng: pos[0]}
			if !p.Valid() {
				c.Fail(fmt.Sprintf("%s[%d]", field, j), "must be [lng, lat] within [-180, 180] and [-90, 90]")
				break
			}
			if geo.DistanceM(centre, p) > MaxDeliveryRadiusM {
				c.Fail(fmt.Sprintf("%s[%d]", field, j), "is more than %d km from the store", MaxDeliveryRadiusM/1000)
				break
			}
		}
	}
	if vertices > MaxZoneVertices {
		c.Fail("coordinates", "may have at most %d positions", MaxZoneVertices)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	// Refuse a huge zone before asking H3 for its cells.
	cellArea, _ := h3.HexagonAreaAvgM2(ZoneResolution)
	if area := ringAreaM2(poly.Coordinates[0]); area > 2*MaxZoneCells*cellArea {
		return nil, errs.InvalidField("coordinates", "covers about %.0f km²; a zone may cover at most %.0f km²",
			area/1e6, MaxZoneCells*cellArea/1e6)
	}
	gp := h3.GeoPolygon{GeoLoop: loop(poly.Coordinates[0])}
	for _, hole := range poly.Coordinates[1:] {
		gp.Holes = append(gp.Holes, loop(hole))
	}
	cells, err := h3.PolygonToCells(gp, ZoneResolution)
	switch {
	case err != nil:
		return nil, errs.InvalidField("coordinates", "is not a polygon H3 can fill: %v", err)
	case len(cells) == 0:
		return nil, errs.InvalidField("coordinates", "encloses no area (it is too small or degenerate)")
	case len(cells) > MaxZoneCells:
		return nil, errs.InvalidField("coordinates", "covers %d cells; a zone may cover at most %d", len(cells), MaxZoneCells)
	}
	return cells, nil
}

func loop(ring [][2]float64) h3.GeoLoop {
	out := make(h3.GeoLoop, 0, len(ring)-1)
	for _, pos := range ring[:len(ring)-1] {
		out = append(out, h3.NewLatLng(pos[1], pos[0]))
	}
	return out
}

// ringAreaM2 approximates a ring's area on an equirectangular projection
// around its first vertex: good enough to refuse a zone that is far too big.
func ringAreaM2(ring [][2]float64) float64 {
	if len(ring) < 4 {
		return 0
	}
	lat0 := ring[0][1] * math.Pi / 180
	kx := geo.EarthRadiusM * math.Cos(lat0) * math.Pi / 180
	ky := geo.EarthRadiusM * math.Pi / 180
	var sum float64
	for i := 0; i+1 < len(ring); i++ {
		x1, y1 := ring[i][0]*kx, ring[i][1]*ky
		x2, y2 := ring[i+1][0]*kx, ring[i+1][1]*ky
		sum += x1*y2 - x2*y1
	}
	return math.Abs(sum) / 2
}

// SetZone replaces store id's delivery zone with poly.
func (s *Service) SetZone(ctx context.Context, id int, poly types.Polygon) (_ *ent.Store, _ int, err error) {
	defer errs.Op(&err, "stores.SetZone")
	st, err := s.Get(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	cells, err := zoneCells(geo.Point{Lat: st.Lat, Lng: st.Lng}, poly)
	if err != nil {
		return nil, 0, err
	}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		v, err := bumpVersion(ctx, tx)
		if err != nil {
			return err
		}
		n, err := tx.Store.Update().Where(store.ID(id), store.DeletedAtIsNil()).
			SetDeliveryZone(&poly).SetVersion(v).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "no store %d", id)
		}
		if _, err := tx.StoreDeliveryCell.Delete().Where(storedeliverycell.StoreID(id)).Exec(ctx); err != nil {
			return err
		}
		for start := 0; start < len(cells); start += 1000 {
			batch := cells[start:min(start+1000, len(cells))]
			rows := make([]*ent.StoreDeliveryCellCreate, len(batch))
			for i, c := range batch {
				rows[i] = tx.StoreDeliveryCell.Create().SetStoreID(id).SetCell(int64(c)).SetResolution(ZoneResolution)
			}
			if err := tx.StoreDeliveryCell.CreateBulk(rows...).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	st, err = s.Get(ctx, id)
	return st, len(cells), err
}

// ClearZone removes store id's delivery zone: its radius applies again.
func (s *Service) ClearZone(ctx context.Context, id int) (err error) {
	defer errs.Op(&err, "stores.ClearZone")
	return storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		v, err := bumpVersion(ctx, tx)
		if err != nil {
			return err
		}
		n, err := tx.Store.Update().Where(store.ID(id), store.DeletedAtIsNil()).
			ClearDeliveryZone().SetVersion(v).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "no store %d", id)
		}
		_, err = tx.StoreDeliveryCell.Delete().Where(storedeliverycell.StoreID(id)).Exec(ctx)
		return err
	})
}
