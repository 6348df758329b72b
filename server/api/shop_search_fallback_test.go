package api

import (
	"slices"
	"testing"

	"wemart/search"
)

// TestSpread: the products offered when nothing matched take each category
// in turn, best sellers first, instead of the best-selling category alone.
func TestSpread(t *testing.T) {
	hits := []search.Hit{{ID: 1, CategoryID: 1}, {ID: 2, CategoryID: 1}, {ID: 3, CategoryID: 1},
		{ID: 4, CategoryID: 2}, {ID: 5, CategoryID: 3}, {ID: 6, CategoryID: 2}}
	if got := spread(hits, 5); !slices.Equal(got, []int{1, 4, 5, 2, 6}) {
		t.Fatalf("spread: %v", got)
	}
	if got := spread(hits, 10); len(got) != 6 {
		t.Fatalf("all of fewer than asked: %v", got)
	}
	if got := spread(nil, 3); len(got) != 0 {
		t.Fatalf("none: %v", got)
	}
}
