package shelfver_test

import (
	"context"
	"testing"

	"wemart/server/shelfver"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestVersionsMoveApart: a store's version moves with its own bumps only,
// the chain's with the chain's, and nothing bumped reads as zero.
func TestVersionsMoveApart(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		read := func(store int) shelfver.Version {
			t.Helper()
			v, err := shelfver.Read(ctx, db.Client, store)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if v := read(3); v != (shelfver.Version{}) {
			t.Fatalf("before any bump: %+v", v)
		}
		for range 2 {
			if err := shelfver.BumpStore(ctx, db.Client, 3); err != nil {
				t.Fatal(err)
			}
		}
		if err := shelfver.BumpChain(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if v := read(3); v != (shelfver.Version{Chain: 1, Store: 2}) {
			t.Fatalf("store 3 after two bumps and one of the chain: %+v", v)
		}
		if v := read(4); v != (shelfver.Version{Chain: 1}) {
			t.Fatalf("store 4, never bumped: %+v", v)
		}
		if v := read(0); v != (shelfver.Version{Chain: 1}) {
			t.Fatalf("no store: %+v", v)
		}
	})
}
