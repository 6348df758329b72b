package geo

import (
	"context"
	"math"
	"slices"

	"github.com/uber/h3-go/v4"
)

// Place is something at a point (a store), found through its H3 cells.
type Place[T any] struct {
	ID    int
	Point Point
	Value T
}

// Hit is a place found by Nearest and its great-circle distance.
type Hit[T any] struct {
	Place[T]
	DistanceM float64
	hav       float64 // the ordering key (see hav)
}

// Source yields the places whose H3 cell at resolution res is one of cells.
// It is the only thing the search needs from storage: an in-memory index and
// an SQL "WHERE h3_r8 IN (...)" are both sources.
type Source[T any] interface {
	Places(ctx context.Context, res int, cells []int64, yield func(Place[T])) error
}

// Query is a nearest-places search: places within RadiusM of Point that Keep
// accepts (nil keeps all), the Limit nearest.
type Query[T any] struct {
	Point   Point
	RadiusM float64
	Limit   int
	Keep    func(Place[T]) bool
}

// Level is one resolution of the search and how many rings it may expand to
// before the next, coarser, level takes over.
type Level struct {
	Res  int
	MaxK int
}

// DefaultLevels suit the stored H3 columns (r8, r7, r5): fine cells first
// (few places to measure where places are dense); when the rings grow many
// without an answer (places are sparse, or the radius is wide), coarser
// cells cover the rest in fewer steps. The last level must not be bounded.
var DefaultLevels = []Level{{8, 12}, {7, 12}, {5, math.MaxInt}}

// Leveled is a Source that indexes places at other resolutions than
// DefaultLevels.
type Leveled interface {
	Levels() []Level
}

// Nearest returns the Limit places nearest to q.Point within q.RadiusM, by
// distance and then id: exactly what measuring every place would return.
//
// It expands H3 rings around the point's cell. After ring k, every place
// within covered(k) = (k + ½)·spacing − circumradius of the point has been
// seen (spacing is the distance between neighbouring cell centres, taken 10%
// short for safety, circumradius bounds how far the point is from its cell's
// centre). The search ends when that covers the radius, or sooner once Limit
// places are nearer than covered(k): nothing unseen can beat them.
func Nearest[T any](ctx context.Context, src Source[T], q Query[T]) ([]Hit[T], error) {
	if q.Limit <= 0 {
		return nil, nil
	}
	ll := h3.NewLatLng(q.Point.Lat, q.Point.Lng)
	// Places are compared by the haversine of their distance (no arcsine),
	// and a place whose latitude alone puts it beyond the current worst hit is
	// skipped before any other trigonometry: sin²(Δφ/2) never exceeds it.
	radiusHav := metresHav(q.RadiusM)
	cosLat := math.Cos(q.Point.Lat * rad)
	levels := DefaultLevels
	if l, ok := src.(Leveled); ok {
		levels = l.Levels()
	}
	for _, lv := range levels {
		origin, err := h3.LatLngToCell(ll, lv.Res)
		if err != nil {
			return nil, err
		}
		spacing, circum, err := cellGeometry(origin)
		if err != nil {
			return nil, err
		}
		best := &hitHeap[T]{}
		var cells []int64
		visit := func(p Place[T]) {
			bound := radiusHav
			if best.Len() == q.Limit {
				bound = min(bound, (*best)[0].hav)
			}
			sLat := math.Sin((p.Point.Lat - q.Point.Lat) * rad / 2)
			if sLat*sLat > bound {
				return
			}
			sLng := math.Sin((p.Point.Lng - q.Point.Lng) * rad / 2)
			hv := sLat*sLat + cosLat*math.Cos(p.Point.Lat*rad)*sLng*sLng
			if hv > radiusHav || (q.Keep != nil && !q.Keep(p)) {
				return
			}
			best.offer(Hit[T]{Place: p, hav: hv}, q.Limit)
		}
		for k := 0; k <= lv.MaxK; k++ {
			ring, err := h3.GridRing(origin, k)
			if err != nil {
				return nil, err
			}
			cells = cells[:0]
			for _, c := range ring {
				cells = append(cells, int64(c))
			}
			if err := src.Places(ctx, lv.Res, cells, visit); err != nil {
				return nil, err
			}
			covered := (float64(k)+0.5)*spacing - circum
			full := best.Len() == q.Limit && (*best)[0].hav < metresHav(max(covered, 0))
			if covered >= q.RadiusM || full {
				return finish([]Hit[T](*best)), nil
			}
		}
	}
	panic("unreachable: the coarsest level expands without bound")
}

// finish orders hits nearest first and fills in their distances.
func finish[T any](hits []Hit[T]) []Hit[T] {
	slices.SortFunc(hits, compare[T])
	for i := range hits {
		hits[i].DistanceM = havMetres(hits[i].hav)
	}
	return hits
}

// cellGeometry returns a safe (10% short) centre-to-centre spacing of cells
// around c, and a safe (10% long) bound on how far a point in c is from c's centre.
func cellGeometry(c h3.Cell) (spacing, circum float64, err error) {
	centre, err := c.LatLng()
	if err != nil {
		return 0, 0, err
	}
	b, err := c.Boundary()
	if err != nil {
		return 0, 0, err
	}
	ctr := Point{centre.Lat, centre.Lng}
	inradius := math.Inf(1)
	for i, v := range b {
		w := b[(i+1)%len(b)]
		mid := Point{(v.Lat + w.Lat) / 2, (v.Lng + w.Lng) / 2}
		inradius = min(inradius, DistanceM(ctr, mid))
		circum = max(circum, DistanceM(ctr, Point{v.Lat, v.Lng}))
	}
	return 0.9 * 2 * inradius, 1.1 * circum, nil
}

func less[T any](a, b Hit[T]) bool { return compare(a, b) < 0 }

func compare[T any](a, b Hit[T]) int {
	switch {
	case a.hav < b.hav:
		return -1
	case a.hav > b.hav:
		return 1
	}
	return a.ID - b.ID
}

// hitHeap is a max-heap (by distance, then id) of the best hits so far:
// the worst of them on top, to be replaced by anything better. (Written out
// rather than through container/heap, whose interface boxes every push.)
type hitHeap[T any] []Hit[T]

// Len is the number of hits held.
func (h hitHeap[T]) Len() int { return len(h) }

// offer keeps x if there is room for it or it beats the worst hit held.
func (h *hitHeap[T]) offer(x Hit[T], limit int) {
	s := *h
	if len(s) < limit {
		s = append(s, x)
		for i := len(s) - 1; i > 0; { // sift up
			parent := (i - 1) / 2
			if !less(s[parent], s[i]) {
				break
			}
			s[parent], s[i] = s[i], s[parent]
			i = parent
		}
		*h = s
		return
	}
	if !less(x, s[0]) {
		return
	}
	s[0] = x
	for i := 0; ; { // sift down
		worst, l, r := i, 2*i+1, 2*i+2
		if l < len(s) && less(s[worst], s[l]) {
			worst = l
		}
		if r < len(s) && less(s[worst], s[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		s[i], s[worst] = s[worst], s[i]
		i = worst
	}
}

// BruteForce measures every place: the reference Nearest must agree with,
// and the baseline it is benchmarked against.
func BruteForce[T any](places []Place[T], q Query[T]) []Hit[T] {
	radiusHav := metresHav(q.RadiusM)
	var out []Hit[T]
	for _, p := range places {
		hv := hav(q.Point, p.Point)
		if hv <= radiusHav && (q.Keep == nil || q.Keep(p)) {
			out = append(out, Hit[T]{Place: p, hav: hv})
		}
	}
	out = finish(out)
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}
