package seed_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"entgo.io/ent/dialect"

	"wemart/ent"
	"wemart/ent/product"
	"wemart/ent/productimage"
	"wemart/ent/sku"
	"wemart/ent/stock"
	"wemart/ent/store"
	"wemart/server/catalog"
	"wemart/server/media"
	"wemart/server/seed"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/synonyms"
)

// fingerprint hashes everything a seed decides (not ids or timestamps), so
// two databases seeded alike compare equal across engines.
func fingerprint(t *testing.T, db *storage.DB) string {
	t.Helper()
	ctx := context.Background()
	h := sha256.New()
	for _, s := range db.Client.Store.Query().Order(ent.Asc(store.FieldID)).AllX(ctx) {
		fmt.Fprintf(h, "%s|%s|%.6f|%.6f|%x|%s|%v|%d|%d\n", s.Name, s.Address, s.Lat, s.Lng, s.H3R8, s.Status, s.Pickup, s.DeliveryRadiusM, s.DeliveryFeeFen)
	}
	for _, p := range db.Client.Product.Query().Order(ent.Asc(product.FieldID)).WithSkus(func(q *ent.SkuQuery) {
		q.Order(ent.Asc(sku.FieldID))
	}).AllX(ctx) {
		fmt.Fprintf(h, "%s|%d\n", p.Title, p.Sales)
		for _, k := range p.Edges.Skus {
			fmt.Fprintf(h, "  %s|%d|%v\n", k.Name, k.PriceFen, *k.Barcode)
		}
	}
	for _, s := range db.Client.Stock.Query().Order(ent.Asc(stock.FieldID)).AllX(ctx) {
		fmt.Fprintf(h, "%d|%d|%d\n", s.StoreID, s.SkuID, s.OnHand)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestSyntheticIsDeterministic: seed 42 gives the same rows on every run
// and engine, seed 43 other rows; every store is inside the area. The runs
// load side by side (each its own database), in several batches of each
// kind of row.
func TestSyntheticIsDeterministic(t *testing.T) {
	t.Parallel()
	type run struct {
		engine string
		seed   uint64
	}
	var runs []run
	for _, engine := range storagetest.Engines() {
		runs = append(runs, run{engine, 42}, run{engine, 42})
	}
	runs = append(runs, run{"sqlite", 43})
	prints := make([]string, len(runs))
	t.Run("runs", func(t *testing.T) {
		for i, r := range runs {
			t.Run(fmt.Sprintf("%d-%s-seed-%d", i, r.engine, r.seed), func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				db := storagetest.New(t, r.engine)
				spec := seed.Spec{Stores: 1500, Products: 300, Seed: r.seed, StockPerStore: 2}
				sum, err := seed.Synthetic(ctx, db, spec, nil)
				if err != nil {
					t.Fatal(err)
				}
				if sum.Stores != 1500 || sum.Products != 300 || sum.Skus != 600 || sum.StockRows != 3000 {
					t.Fatalf("summary %v", sum)
				}
				// Stores stay inside the Shanghai-sized box.
				n := db.Client.Store.Query().Where(store.Or(store.LatLT(30.7), store.LatGT(31.5), store.LngLT(121.0), store.LngGT(121.9))).CountX(ctx)
				if n != 0 {
					t.Fatalf("%d stores outside the area", n)
				}
				prints[i] = fingerprint(t, db)
			})
		}
	})
	if t.Failed() {
		return
	}
	last := len(runs) - 1
	for i, p := range prints[:last] {
		if p != prints[0] {
			t.Fatalf("seed 42 gave different data on run %d (engines %v)", i, storagetest.Engines())
		}
	}
	if prints[last] == prints[0] {
		t.Fatal("seeds 42 and 43 gave the same data")
	}
}

func TestDemo(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		dir := filepath.Join(t.TempDir(), "media")
		store := media.NewLocal(dir)
		sum, err := seed.Demo(ctx, db, store, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Every product has a picture, in the store.
		if sum.Pictures != sum.Products {
			t.Fatalf("%d pictures for %d products", sum.Pictures, sum.Products)
		}
		keys := map[string]bool{}
		for _, p := range db.Client.Product.Query().AllX(ctx) {
			if p.ImageKey == "" {
				t.Fatalf("product %s has no picture", p.Title)
			}
			keys[p.ImageKey] = true
		}
		for key := range keys {
			obj, err := store.Get(ctx, key)
			if err != nil {
				t.Fatalf("picture %s: %v", key, err)
			}
			obj.Body.Close()
		}
		if n := db.Client.ProductImage.Query().CountX(ctx); n != sum.Products {
			t.Fatalf("%d picture rows for %d products", n, sum.Products)
		}
		// Again: nothing to add. With the media directory lost: the
		// pictures come back, and no product gets a second one.
		if n, err := seed.DemoPictures(ctx, db, store); err != nil || n != 0 {
			t.Fatalf("DemoPictures again: %d, %v", n, err)
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := seed.RestoreDemoPictures(ctx, db, store); err != nil {
			t.Fatalf("RestoreDemoPictures after losing the media: %v", err)
		}
		for key := range keys {
			obj, err := store.Get(ctx, key)
			if err != nil {
				t.Fatalf("picture %s not restored: %v", key, err)
			}
			obj.Body.Close()
		}
		if n := db.Client.ProductImage.Query().CountX(ctx); n != sum.Products {
			t.Fatalf("%d picture rows after DemoPictures, want %d", n, sum.Products)
		}
		// A product whose picture staff removed (or a catalogue's own
		// product with a demo title) is not given one back by a restore.
		bare := db.Client.Product.Query().FirstX(ctx)
		db.Client.ProductImage.Delete().Where(productimage.ProductID(bare.ID)).ExecX(ctx)
		db.Client.Product.UpdateOneID(bare.ID).SetImageKey("").ExecX(ctx)
		if err := seed.RestoreDemoPictures(ctx, db, store); err != nil {
			t.Fatal(err)
		}
		if p := db.Client.Product.GetX(ctx, bare.ID); p.ImageKey != "" {
			t.Fatalf("a restore gave %s the picture %s", p.Title, p.ImageKey)
		}
		if sum.Stores < 20 || sum.Products < 200 || sum.Categories != 12 {
			t.Fatalf("demo too small: %v", sum)
		}
		if sum.StockRows != sum.Stores*sum.Skus {
			t.Fatalf("every store must stock every SKU: %v", sum)
		}
		if n := db.Client.StockMovement.Query().CountX(ctx); n != sum.StockRows {
			t.Fatalf("%d ledger rows for %d stock rows", n, sum.StockRows)
		}
		seen := map[string]bool{}
		for _, k := range db.Client.Sku.Query().AllX(ctx) {
			if k.Barcode == nil || !catalog.ValidEAN13(*k.Barcode) || seen[*k.Barcode] {
				t.Fatalf("SKU %d barcode %v invalid or repeated", k.ID, k.Barcode)
			}
			seen[*k.Barcode] = true
		}
		// The planner has statistics of what was loaded from the start.
		stats := "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'stocks'"
		if db.Dialect == dialect.Postgres {
			stats = "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'stocks'"
		}
		var n int
		if err := db.SQL.QueryRowContext(ctx, stats).Scan(&n); err != nil || n == 0 {
			t.Fatalf("no planner statistics of stocks after seeding (%d, %v)", n, err)
		}
		if _, err := seed.Demo(ctx, db, store, nil); !errors.Is(err, seed.ErrNotEmpty) {
			t.Fatalf("second demo: %v, want ErrNotEmpty", err)
		}

		// Products shoppers search in English have English names.
		aliased := 0
		for _, p := range db.Client.Product.Query().AllX(ctx) {
			if len(p.Aliases) > 0 {
				aliased++
			}
		}
		if aliased < 60 {
			t.Fatalf("%d demo products have aliases, want at least 60", aliased)
		}
		// The default synonym groups, once: seeding them again (as
		// `seed --demo --if-empty` does on every make run) adds none,
		// as long as there is any group at all.
		groups := db.Client.SearchSynonym.Query().AllX(ctx)
		if sum.Synonyms < 10 || len(groups) != sum.Synonyms {
			t.Fatalf("%d synonym groups seeded, %d in the database", sum.Synonyms, len(groups))
		}
		if n, err := seed.DemoSynonyms(ctx, db); err != nil || n != 0 {
			t.Fatalf("DemoSynonyms again: %d, %v", n, err)
		}
		syn := synonyms.New(db.Client)
		for _, g := range groups[1:] {
			if err := syn.Delete(ctx, g.ID); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := seed.DemoSynonyms(ctx, db); err != nil || n != 0 {
			t.Fatalf("DemoSynonyms with one group left: %d, %v", n, err)
		}
		if err := syn.Delete(ctx, groups[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, err := seed.DemoSynonyms(ctx, db); err != nil || n != sum.Synonyms {
			t.Fatalf("DemoSynonyms with no group: %d, %v; want %d", n, err, sum.Synonyms)
		}
	})
}

// TestSeedKeepsNoValueSamples: seed's ANALYZE leaves SQLite the per-table
// statistics but no sqlite_stat4 samples, which would have every prepared
// statement planned again for each new value bound to it
// (storage.TestDropStat4ReachesOpenConnections shows connections already
// open let them go too).
func TestSeedKeepsNoValueSamples(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.New(t, "sqlite")
	if _, err := seed.Synthetic(ctx, db, seed.Spec{Stores: 50, Products: 200, Seed: 1, StockPerStore: 20}, nil); err != nil {
		t.Fatal(err)
	}
	var stat1, stat4 int
	if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_stat1").Scan(&stat1); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'").Scan(&stat4); err != nil {
		t.Fatal(err)
	}
	if stat1 == 0 || stat4 != 0 {
		t.Fatalf("after seed: %d rows of sqlite_stat1 (want some), %d sqlite_stat4 tables (want none)", stat1, stat4)
	}
}
