package inventory

import (
	"testing"
	"time"
)

// TestKnownStaysBounded: the gate keeps about the SKUs it read in the last
// second, not every SKU it ever read, and keeps those.
func TestKnownStaysBounded(t *testing.T) {
	var g gate
	start := time.Unix(1_800_000_000, 0)
	const reads, each = 20_000, time.Millisecond // a new SKU read every millisecond
	for i := range reads {
		g.learn(1, map[int]int64{i: 5}, start.Add(time.Duration(i)*each))
	}
	recent := int(knownFor / each)
	if n := len(g.known); n > 2*recent+minSweep {
		t.Fatalf("the gate knows %d SKUs after %d reads, %d of them in the last second", n, reads, recent)
	}
	for i := reads - recent + 1; i < reads; i++ {
		if _, ok := g.known[skuAt{1, i}]; !ok {
			t.Fatalf("SKU %d, read within the second, was dropped", i)
		}
	}
}
