package inventory

import (
	"testing"
	"time"
)

// TestKnownStaysBounded: the gate keeps about the SKUs it read in the last
// second, not every SKU it ever read, and keeps those.
func TestKnownStaysBounded(t *testing.T) {
	g := gate{knownFor: defaultKnownFor}
	start := time.Unix(1_800_000_000, 0)
	const reads, each = 20_000, time.Millisecond // a new SKU read every millisecond
	for i := range reads {
		g.learn(1, map[int]int64{i: 5}, start.Add(time.Duration(i)*each))
	}
	recent := int(defaultKnownFor / each)
	if n := len(g.known); n > 2*recent+minSweep {
		t.Fatalf("the gate knows %d SKUs after %d reads, %d of them in the last second", n, reads, recent)
	}
	for i := reads - recent + 1; i < reads; i++ {
		if _, ok := g.known[skuAt{1, i}]; !ok {
			t.Fatalf("SKU %d, read within the second, was dropped", i)
		}
	}
}

// TestKnownKeepsTheNewest: a read that started before what the gate
// learnt of a SKU (a committed move, or its forgetting) does not replace
// it; one that started after does.
func TestKnownKeepsTheNewest(t *testing.T) {
	g := gate{knownFor: defaultKnownFor}
	t0 := time.Now().Add(-time.Minute)
	k := skuAt{1, 7}
	g.moved(1, map[int]int64{7: 3}, t0.Add(2*time.Millisecond))
	g.learn(1, map[int]int64{7: 50}, t0.Add(time.Millisecond)) // asked before the commit: may have missed it
	if e := g.known[k]; e.units != 3 || e.forgotten {
		t.Fatalf("a read older than the commit replaced it: %+v", e)
	}
	g.learn(1, map[int]int64{7: 40}, t0.Add(3*time.Millisecond))
	if e := g.known[k]; e.units != 40 {
		t.Fatalf("a read newer than the commit did not replace it: %+v", e)
	}
	g.forget(1, 7)
	g.learn(1, map[int]int64{7: 40}, t0.Add(4*time.Millisecond)) // long before the forgetting (now)
	if e := g.known[k]; !e.forgotten {
		t.Fatalf("a read older than the forgetting brought the SKU back: %+v", e)
	}
	if a := g.admitKnown(1, []Line{{SkuID: 7, Quantity: 1}}, time.Now()); a != nil {
		t.Fatal("admitted on a forgotten SKU")
	}
}
