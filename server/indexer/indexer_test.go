package indexer_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"wemart/ent/searchoutbox"
	"wemart/search"
	"wemart/server/catalog"
	"wemart/server/indexer"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func mkProducts(t *testing.T, cat *catalog.Service, n int, prefix string) []int {
	t.Helper()
	var ids []int
	for i := range n {
		price := int64(100 + i)
		p, err := cat.CreateProduct(context.Background(), catalog.ProductInput{Title: fmt.Sprintf("%s %d 牛奶", prefix, i),
			Skus: []catalog.SkuInput{{Name: "x", PriceFen: &price}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	return ids
}

func total(t *testing.T, s *indexer.Service, text string) int {
	t.Helper()
	r, err := s.Search(context.Background(), search.Query{Text: text, MinPriceFen: -1, MaxPriceFen: -1, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return r.Total
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOutboxSurvivesACrash: changes committed while no indexer runs (the
// process died between commit and indexing) are in the outbox, and the
// next process applies them at start-up.
func TestOutboxSurvivesACrash(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		first := indexer.New(db, search.NewEmbedded(dir), quiet)
		if err := first.Start(ctx); err != nil {
			t.Fatal(err)
		}
		first.Close() // the process goes away...
		cat := catalog.New(db.Client)
		mkProducts(t, cat, 5, "崩溃后") // ...and these commit with nobody indexing
		if n := db.Client.SearchOutbox.Query().Where(searchoutbox.ProcessedAtIsNil()).CountX(ctx); n != 5 {
			t.Fatalf("%d unprocessed outbox rows, want 5", n)
		}
		second := indexer.New(db, search.NewEmbedded(dir), quiet)
		if err := second.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer second.Close()
		if n := total(t, second, "崩溃后"); n != 5 {
			t.Fatalf("after restart %d found, want 5 (drained at start-up)", n)
		}
		if n := db.Client.SearchOutbox.Query().Where(searchoutbox.ProcessedAtIsNil()).CountX(ctx); n != 0 {
			t.Fatalf("%d rows left unprocessed", n)
		}
	})
}

// TestReindexWithoutAGap: a rebuild runs beside a serving indexer, which
// answers throughout; changes made while it runs are in the new generation,
// which the server switches to.
func TestReindexWithoutAGap(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		cat := catalog.New(db.Client)
		ids := mkProducts(t, cat, 1200, "商品")
		srv := indexer.New(db, search.NewEmbedded(dir), quiet)
		if err := srv.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		if n := total(t, srv, "牛奶"); n != 1200 {
			t.Fatalf("first build: %d", n)
		}
		var answered, failed atomic.Int64
		changed := false
		gen, err := indexer.Reindex(ctx, db, search.NewEmbedded(dir), quiet, func(done, all int) {
			// While the rebuild runs: shoppers search, staff rename a product.
			if _, err := srv.Search(ctx, search.Query{Text: "牛奶", MinPriceFen: -1, MaxPriceFen: -1, Limit: 5}); err != nil {
				failed.Add(1)
			} else {
				answered.Add(1)
			}
			if !changed && done >= 500 {
				changed = true
				title := "改名 Renamed 牛奶"
				if _, err := cat.UpdateProduct(ctx, ids[3], catalog.ProductPatch{Title: &title}); err != nil {
					t.Error(err)
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if gen != 2 || failed.Load() != 0 || answered.Load() == 0 {
			t.Fatalf("generation %d; searches during the rebuild: %d answered, %d failed", gen, answered.Load(), failed.Load())
		}
		waitFor(t, "the server follows the new generation and finds the rename", func() bool { return total(t, srv, "renamed") == 1 })
		if n := total(t, srv, "牛奶"); n != 1200 {
			t.Fatalf("new generation holds %d products", n)
		}
		// A second rebuild drops the generation two back.
		if _, err := indexer.Reindex(ctx, db, search.NewEmbedded(dir), quiet, nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "third generation served", func() bool { return total(t, srv, "renamed") == 1 })
	})
}

// TestFleetStartsAtOnce: processes that start together on a database with
// no search index yet each build the first generation; those whose build
// another one's overtook use the generation published, rather than fail
// to start.
func TestFleetStartsAtOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		mkProducts(t, catalog.New(db.Client), 20, "同时启动")
		const n = 6
		services := make([]*indexer.Service, n)
		errs := make(chan error, n)
		for i := range services {
			services[i] = indexer.New(db, search.NewEmbedded(t.TempDir()), quiet)
			go func() { errs <- services[i].Start(ctx) }()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatalf("a process of the fleet did not start: %v", err)
			}
		}
		for _, s := range services {
			defer s.Close()
			if got := total(t, s, "同时启动"); got != 20 {
				t.Fatalf("a process finds %d products, want 20", got)
			}
		}
	})
}
