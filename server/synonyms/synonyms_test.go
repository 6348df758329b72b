package synonyms_test

import (
	"context"
	"sync"
	"testing"

	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/synonyms"
)

// TestSeedIfEmpty: a default list goes in whole, once, however many
// seeders race, and only into a database without groups; a list with a
// term in two groups is refused before anything is written.
func TestSeedIfEmpty(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := synonyms.New(db.Client)
		bad := []synonyms.Input{{Terms: []string{"可乐", "coke"}}, {Terms: []string{"百事", "COKE"}}}
		if n, err := s.SeedIfEmpty(ctx, bad); err == nil || n != 0 {
			t.Fatalf("a term in two groups: %d, %v", n, err)
		}
		list := []synonyms.Input{{Terms: []string{"可乐", "coke"}}, {Terms: []string{"啤酒", "beer"}}, {Terms: []string{"薯片", "chips"}}}
		var wg sync.WaitGroup
		created := make([]int, 4)
		for i := range created {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := s.SeedIfEmpty(ctx, list)
				if err != nil {
					t.Error(err)
				}
				created[i] = n
			}()
		}
		wg.Wait()
		total := 0
		for _, n := range created {
			total += n
		}
		groups, err := synonyms.Groups(ctx, db.Client)
		if err != nil || total != len(list) || len(groups) != len(list) {
			t.Fatalf("racing seeders created %v; %d groups (%v)", created, len(groups), err)
		}
	})
}
