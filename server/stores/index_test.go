package stores

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"wemart/ent/store"
	"wemart/ent/storedeliverycell"
	"wemart/schema/types"
	"wemart/server/geo"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

func daily(open, shut string) []types.OpeningPeriod {
	out := make([]types.OpeningPeriod, 7)
	for i := range out {
		out[i] = types.OpeningPeriod{Weekday: i + 1, Open: open, Close: shut}
	}
	return out
}

// reference builds the entries of every live store straight from ent rows,
// one by one, as the index did before it loaded compact entries: what the
// index must agree with.
func reference(t *testing.T, db *storage.DB) map[int]*Entry {
	t.Helper()
	ctx := context.Background()
	out := map[int]*Entry{}
	for _, s := range db.Client.Store.Query().Where(store.DeletedAtIsNil()).AllX(ctx) {
		e := entryOf(s)
		if s.DeliveryZone != nil {
			var cells []int64
			for _, c := range db.Client.StoreDeliveryCell.Query().Where(storedeliverycell.StoreID(s.ID)).AllX(ctx) {
				cells = append(cells, c.Cell)
			}
			slices.Sort(cells)
			e.zone = &zone{cells: cells}
		}
		out[s.ID] = e
	}
	return out
}

// sameEntries fails t unless ix holds exactly the stores of want, field for
// field, open and delivering alike, and finds the same nearest stores as
// measuring each of want.
func sameEntries(t *testing.T, ix *Index, want map[int]*Entry) {
	t.Helper()
	ctx := context.Background()
	if err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if ix.Len() != len(want) {
		t.Fatalf("index holds %d stores, want %d", ix.Len(), len(want))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var places []geo.Place[*Entry]
	for id, w := range want {
		got, err := ix.Get(ctx, id)
		if err != nil || got == nil {
			t.Fatalf("store %d: %v, %v", id, got, err)
		}
		g, r := *got, *w
		if !reflect.DeepEqual(g.Hours, r.Hours) || g.Location.String() != r.Location.String() ||
			(g.zone == nil) != (r.zone == nil) || (g.zone != nil && !slices.Equal(g.zone.cells, r.zone.cells)) ||
			!reflect.DeepEqual(g.sched.periods, r.sched.periods) {
			t.Fatalf("store %d: hours %v in %v, zone %v; want %v in %v, zone %v", id, g.Hours, g.Location, g.zone, r.Hours, r.Location, r.zone)
		}
		g.Hours, g.Location, g.zone, g.sched = nil, nil, nil, nil
		r.Hours, r.Location, r.zone, r.sched = nil, nil, nil, nil
		if !reflect.DeepEqual(g, r) {
			t.Fatalf("store %d:\n got %+v\nwant %+v", id, g, r)
		}
		for range 20 {
			at := time.Unix(1.7e9+rng.Int64N(7*86400), 0)
			p := geo.Point{Lat: w.Point.Lat + rng.NormFloat64()*0.02, Lng: w.Point.Lng + rng.NormFloat64()*0.02}
			if got.OpenAt(at) != w.OpenAt(at) || got.Deliveries(p) != w.Deliveries(p) {
				t.Fatalf("store %d at %v, %v: open %v, delivery %+v; want %v, %+v", id, at, p,
					got.OpenAt(at), got.Deliveries(p), w.OpenAt(at), w.Deliveries(p))
			}
		}
		places = append(places, geo.Place[*Entry]{ID: id, Point: w.Point, Value: w})
	}
	for range 50 {
		q := geo.Query[*Entry]{Point: geo.Point{Lat: 31.23 + rng.NormFloat64()*0.05, Lng: 121.47 + rng.NormFloat64()*0.05},
			RadiusM: 2000 + rng.Float64()*20000, Limit: 1 + rng.IntN(10)}
		hits, err := ix.Nearest(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := geo.BruteForce(places, q)
		if len(hits) != len(want) {
			t.Fatalf("nearest %+v: %d stores, want %d", q, len(hits), len(want))
		}
		for i := range hits {
			if hits[i].ID != want[i].ID || hits[i].Value.Name != want[i].Value.Name {
				t.Fatalf("nearest %+v: #%d is %d, want %d", q, i, hits[i].ID, want[i].ID)
			}
		}
	}
}

// TestIndexLoadsAndSyncs: the index loaded page by page (seven stores a
// page here) holds the same entries as ent's rows give, shares schedules,
// and follows every kind of change: create, move and rename, close, delete,
// a zone drawn and one cleared.
func TestIndexLoadsAndSyncs(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s, err := New(db, nil)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(3, 4))
		schedules := [][]types.OpeningPeriod{nil, daily("07:00", "23:00"), daily("22:00", "06:00"),
			{{Weekday: 1, Open: "09:00", Close: "12:00"}, {Weekday: 1, Open: "14:00", Close: "18:00"}}}
		zones := []string{"Asia/Shanghai", "Asia/Urumqi", "Europe/Berlin"}
		var ids []int
		for i := range 40 {
			lat, lng := 31.23+rng.NormFloat64()*0.05, 121.47+rng.NormFloat64()*0.05
			tz, hours := zones[i%3], schedules[i%4]
			if i >= 20 { // most stores of a chain share a schedule (which the load reads once a page)
				tz, hours = zones[0], schedules[0]
			}
			in := Input{Name: "店 " + string(rune('A'+i%26)) + string(rune('a'+i/26)), Address: "路 " + string(rune('0'+i%10)),
				City: []string{"上海", "苏州"}[i%2], Phone: []string{"", "021-1234"}[i%2], Lat: &lat, Lng: &lng,
				Timezone: tz, OpeningHours: hours, DeliveryRadiusM: []int{0, 3000}[i%2],
				DeliveryFeeFen: int64(i), DeliveryMinFen: int64(i * 10)}
			if i%5 == 0 {
				in.Status = "closed"
			}
			st, err := s.Create(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, st.ID)
		}
		if _, _, err := s.SetZone(ctx, ids[3], types.Polygon{Type: "Polygon", Coordinates: square(ids[3], db, 0.01)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SetZone(ctx, ids[8], types.Polygon{Type: "Polygon", Coordinates: square(ids[8], db, 0.02)}); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, ids[5]); err != nil {
			t.Fatal(err)
		}

		ix, err := NewIndex(db)
		if err != nil {
			t.Fatal(err)
		}
		ix.pageSize = 7
		sameEntries(t, ix, reference(t, db))
		// Pages that end exactly at the last store, one store a page, and
		// every store in one.
		for _, size := range []int{1, 8, 40, 1000} {
			other, err := NewIndex(db)
			if err != nil {
				t.Fatal(err)
			}
			other.pageSize = size
			sameEntries(t, other, reference(t, db))
		}
		a, _ := ix.Get(ctx, ids[1])
		b, _ := ix.Get(ctx, ids[13]) // the same hours (i % 4) and time zone (i % 3)
		if &a.Hours[0] != &b.Hours[0] || a.sched != b.sched {
			t.Fatal("two stores with the same hours and time zone do not share their schedule")
		}

		// Changes, seen by the index through the stores counter.
		lat, lng := 31.3, 121.5
		name := "搬走的店"
		if _, err := s.Update(ctx, ids[2], Patch{Name: &name, Lat: &lat, Lng: &lng}); err != nil {
			t.Fatal(err)
		}
		closed := "closed"
		if _, err := s.Update(ctx, ids[4], Patch{Status: &closed}); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, ids[6]); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SetZone(ctx, ids[10], types.Polygon{Type: "Polygon", Coordinates: square(ids[10], db, 0.015)}); err != nil {
			t.Fatal(err)
		}
		if err := s.ClearZone(ctx, ids[3]); err != nil {
			t.Fatal(err)
		}
		lat, lng = 31.2, 121.4
		if _, err := s.Create(ctx, Input{Name: "新店", Lat: &lat, Lng: &lng}); err != nil {
			t.Fatal(err)
		}
		sameEntries(t, ix, reference(t, db))
		if e, err := ix.Get(ctx, ids[6]); err != nil || e != nil {
			t.Fatalf("deleted store %d: %v, %v", ids[6], e, err)
		}
	})
}

// square is a closed ring around store id, half-side d degrees.
func square(id int, db *storage.DB, d float64) [][][2]float64 {
	s := db.Client.Store.GetX(context.Background(), id)
	lat, lng := s.Lat, s.Lng
	return [][][2]float64{{{lng - d, lat - d}, {lng + d, lat - d}, {lng + d, lat + d}, {lng - d, lat + d}, {lng - d, lat - d}}}
}

// TestIndexLoadFails: a store the load cannot read (its opening hours are
// no list) fails the load with the store named, whichever page it is on,
// and leaves the index unloaded; once it is fixed the next Sync loads
// every store.
func TestIndexLoadFails(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s, err := New(db, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int
		for i := range 30 {
			lat, lng := 31.2+float64(i)*0.001, 121.4
			st, err := s.Create(ctx, Input{Name: "店", Lat: &lat, Lng: &lng, OpeningHours: daily("08:00", "20:00")})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, st.ID)
		}
		for _, bad := range []int{ids[0], ids[17], ids[29]} {
			if _, err := db.SQL.ExecContext(ctx, rebind(db.Dialect, "UPDATE stores SET opening_hours = '{\"x\": 1}' WHERE id = ?"), bad); err != nil {
				t.Fatal(err)
			}
			ix, err := NewIndex(db)
			if err != nil {
				t.Fatal(err)
			}
			ix.pageSize = 4
			err = ix.Sync(ctx)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("store %d: opening hours", bad)) {
				t.Fatalf("store %d with bad hours: Sync gave %v", bad, err)
			}
			if ix.Len() != 0 {
				t.Fatalf("a failed load left %d stores indexed", ix.Len())
			}
			if _, err := db.SQL.ExecContext(ctx, rebind(db.Dialect, "UPDATE stores SET opening_hours = '[]' WHERE id = ?"), bad); err != nil {
				t.Fatal(err)
			}
			if err := ix.Sync(ctx); err != nil || ix.Len() != len(ids) {
				t.Fatalf("after the fix: %d stores, %v; want %d", ix.Len(), err, len(ids))
			}
		}
	})
}
