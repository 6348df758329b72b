package storage

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/server/internal/benchtable"
)

// BenchmarkStmtCache runs a typical ent read (a listed product by id with
// its live SKUs: two statements) on one SQLite database opened twice, with
// and without the statement cache, interleaved, and reports the time per
// read with the cache against the time without.
func BenchmarkStmtCache(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "bench.db")
	plain, err := openSQLite(ctx, path, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		b.Fatal(err)
	}
	const products = 1000
	for i := range products {
		p, err := plain.Client.Product.Create().SetTitle(fmt.Sprintf("商品 %d", i)).SetImages([]string{}).Save(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for j := range 2 {
			if err := plain.Client.Sku.Create().SetProductID(p.ID).SetName(fmt.Sprint(j)).SetPriceFen(100).Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	cached, err := openSQLite(ctx, path, StmtCacheSize)
	if err != nil {
		b.Fatal(err)
	}
	defer cached.Close()
	read := func(db *DB, n int) time.Duration {
		start := time.Now()
		for i := range n {
			_, err := db.Client.Product.Query().
				Where(product.ID(1+i%products), product.DeletedAtIsNil(), product.StatusEQ(product.StatusListed)).
				WithSkus(func(q *ent.SkuQuery) {
					q.Where(sku.DeletedAtIsNil()).Order(ent.Asc(sku.FieldSort), ent.Asc(sku.FieldID))
				}).Only(ctx)
			if err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start) / time.Duration(n)
	}
	read(plain, 200)
	read(cached, 200)
	for b.Loop() {
		var with, without time.Duration
		for range 5 {
			without += read(plain, 1000)
			with += read(cached, 1000)
		}
		us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 5000 }
		benchtable.Report(b, benchtable.Row{Measure: "typical ent read (product + SKUs), statement cache", Engine: "SQLite",
			Value: us(with), Unit: "µs", Baseline: us(without), BaseUnit: "µs", BaseName: "the same read, statements prepared each time",
			Goal: "ratio < 1 (no parsing on the hot path)", Met: with < without})
	}
}
