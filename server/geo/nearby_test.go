package geo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/uber/h3-go/v4"
)

// memSource is a map from H3 cell to places, per resolution: a Source for tests.
type memSource[T any] struct {
	byCell map[int]map[int64][]Place[T]
	calls  atomic.Int64 // Places may be called from parallel subtests
}

func newMemSource[T any](places []Place[T]) *memSource[T] {
	s := &memSource[T]{byCell: map[int]map[int64][]Place[T]{}}
	for _, res := range []int{5, 7, 8} {
		s.byCell[res] = map[int64][]Place[T]{}
		for _, p := range places {
			c, _ := h3.LatLngToCell(h3.NewLatLng(p.Point.Lat, p.Point.Lng), res)
			s.byCell[res][int64(c)] = append(s.byCell[res][int64(c)], p)
		}
	}
	return s
}

func (s *memSource[T]) Places(_ context.Context, res int, cells []int64, yield func(Place[T])) error {
	s.calls.Add(1)
	for _, c := range cells {
		for _, p := range s.byCell[res][c] {
			yield(p)
		}
	}
	return nil
}

// randomPlaces: a dense city (Shanghai), a sparse region around it, and a
// scattering over the whole globe, so searches meet every density.
func randomPlaces(rng *rand.Rand, n int) []Place[bool] {
	out := make([]Place[bool], n)
	for i := range out {
		var p Point
		switch rng.IntN(10) {
		case 0:
			p = Point{Lat: rng.Float64()*170 - 85, Lng: rng.Float64()*360 - 180}
		case 1, 2:
			p = Point{Lat: 30 + rng.Float64()*3, Lng: 120 + rng.Float64()*3}
		default:
			p = Point{Lat: 31.23 + rng.NormFloat64()*0.08, Lng: 121.47 + rng.NormFloat64()*0.1}
		}
		out[i] = Place[bool]{ID: i + 1, Point: p, Value: rng.IntN(3) > 0}
	}
	return out
}

// TestNearestEqualsBruteForce: on random data, the H3 search returns the
// same places in the same order as measuring every place. The queries are
// drawn first, in one sequence from the fixed seed, then checked by parallel
// subtests (measuring every place is most of the time).
func TestNearestEqualsBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(4, 2))
	places := randomPlaces(rng, 20000)
	src := newMemSource(places)
	ctx := context.Background()
	keepEven := func(p Place[bool]) bool { return p.Value }
	queries := make([]Query[bool], 600)
	for i := range queries {
		q := &queries[i]
		switch i % 4 {
		case 0: // in the dense city
			q.Point = Point{Lat: 31.23 + rng.NormFloat64()*0.05, Lng: 121.47 + rng.NormFloat64()*0.05}
		case 1: // near a random place: ties and zero distances
			p := places[rng.IntN(len(places))].Point
			q.Point = Point{Lat: p.Lat + rng.NormFloat64()*0.001, Lng: p.Lng + rng.NormFloat64()*0.001}
		case 2: // anywhere on Earth, poles included
			q.Point = Point{Lat: rng.Float64()*180 - 90, Lng: rng.Float64()*360 - 180}
		case 3: // the sparse region
			q.Point = Point{Lat: 30 + rng.Float64()*3, Lng: 120 + rng.Float64()*3}
		}
		q.RadiusM = []float64{100, 1000, 3000, 5000, 20000, 50000}[rng.IntN(6)]
		q.Limit = []int{1, 5, 20, 100}[rng.IntN(4)]
		if rng.IntN(3) == 0 {
			q.Keep = keepEven
		}
	}
	const parts = 4
	for part := range parts {
		t.Run(fmt.Sprintf("part%d", part), func(t *testing.T) {
			t.Parallel()
			for i := part; i < len(queries); i += parts {
				q := queries[i]
				got, err := Nearest(ctx, src, q)
				if err != nil {
					t.Fatal(err)
				}
				want := BruteForce(places, q)
				if fmt.Sprint(ids(got)) != fmt.Sprint(ids(want)) {
					t.Fatalf("query %d %+v (radius %v, limit %d):\n got  %v\n want %v", i, q.Point, q.RadiusM, q.Limit, ids(got), ids(want))
				}
			}
		})
	}
}

func ids[T any](hits []Hit[T]) []int {
	out := make([]int, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

// TestNearestStopsEarly: in a dense area the search ends after a few rings,
// not after covering the whole radius.
func TestNearestStopsEarly(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	src := newMemSource(randomPlaces(rng, 20000))
	_, err := Nearest(context.Background(), src, Query[bool]{Point: Point{31.23, 121.47}, RadiusM: 50000, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if n := src.calls.Load(); n > 4 {
		t.Fatalf("%d rings looked at for 5 places in a dense city", n)
	}
}

func TestNearestFarFromChina(t *testing.T) {
	london := []Place[bool]{
		{ID: 1, Point: Point{51.5007, -0.1246}}, // Westminster
		{ID: 2, Point: Point{51.5081, -0.0759}}, // Tower of London
		{ID: 3, Point: Point{48.8584, 2.2945}},  // Paris, out of range
		{ID: 4, Point: Point{-33.8568, 151.2153}},
	}
	got, err := Nearest(context.Background(), newMemSource(london), Query[bool]{Point: Point{51.5014, -0.1419}, RadiusM: 10000, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids(got)) != "[1 2]" || got[0].DistanceM > 1300 {
		t.Fatalf("London: %+v", got)
	}
}
