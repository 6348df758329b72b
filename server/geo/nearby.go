package geo

import (
	"container/heap"
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

// level is one resolution of the search and how many rings it may expand to
// before a coarser resolution takes over.
type level struct {
	res  int
	maxK int
}

// levels: fine cells first (few places to measure where places are dense);
// when the rings grow many without an answer (places are sparse, or the
// radius is wide), coarser cells cover the rest in fewer steps.
var levels = []level{{8, 12}, {7, 12}, {5, math.MaxInt}}

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
	for _, lv := range levels {
		origin, err := h3.LatLngToCell(ll, lv.res)
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
			d := DistanceM(q.Point, p.Point)
			if d > q.RadiusM || (q.Keep != nil && !q.Keep(p)) {
				return
			}
			h := Hit[T]{Place: p, DistanceM: d}
			if best.Len() < q.Limit {
				heap.Push(best, h)
			} else if less(h, (*best)[0]) {
				(*best)[0] = h
				heap.Fix(best, 0)
			}
		}
		for k := 0; k <= lv.maxK; k++ {
			ring, err := h3.GridRing(origin, k)
			if err != nil {
				return nil, err
			}
			cells = cells[:0]
			for _, c := range ring {
				cells = append(cells, int64(c))
			}
			if err := src.Places(ctx, lv.res, cells, visit); err != nil {
				return nil, err
			}
			covered := (float64(k)+0.5)*spacing - circum
			full := best.Len() == q.Limit && (*best)[0].DistanceM < covered
			if covered >= q.RadiusM || full {
				out := []Hit[T](*best)
				slices.SortFunc(out, compare[T])
				return out, nil
			}
		}
	}
	panic("unreachable: the coarsest level expands without bound")
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
	case a.DistanceM < b.DistanceM:
		return -1
	case a.DistanceM > b.DistanceM:
		return 1
	}
	return a.ID - b.ID
}

// hitHeap is a max-heap (by distance, then id) of the best hits so far.
type hitHeap[T any] []Hit[T]

func (h hitHeap[T]) Len() int           { return len(h) }
func (h hitHeap[T]) Less(i, j int) bool { return less(h[j], h[i]) }
func (h hitHeap[T]) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }

// Push implements heap.Interface.
func (h *hitHeap[T]) Push(x any) { *h = append(*h, x.(Hit[T])) }

// Pop implements heap.Interface.
func (h *hitHeap[T]) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// BruteForce measures every place: the reference Nearest must agree with,
// and the baseline it is benchmarked against.
func BruteForce[T any](places []Place[T], q Query[T]) []Hit[T] {
	var out []Hit[T]
	for _, p := range places {
		d := DistanceM(q.Point, p.Point)
		if d <= q.RadiusM && (q.Keep == nil || q.Keep(p)) {
			out = append(out, Hit[T]{Place: p, DistanceM: d})
		}
	}
	slices.SortFunc(out, compare[T])
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}
