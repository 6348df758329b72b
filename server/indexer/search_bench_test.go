package indexer_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"wemart/ent/product"
	"wemart/search"
	"wemart/server/indexer"
	"wemart/server/seed"
	"wemart/server/storage/storagetest"
)

// benchQueries are what shoppers type: Chinese words of two to four
// characters, brands, English words, mixed.
var benchQueries = []string{"牛奶", "可乐", "巧克力", "光明", "酸奶", "薯片", "大米", "洗发水", "鸡蛋", "面包",
	"Classic", "Organic", "fresh", "Oreo", "Coca-Cola", "三只松鼠 坚果", "Oatly 燕麦奶", "有机 Organic", "进口", "家庭装"}

// BenchmarkSearch100k seeds 100000 synthetic products (`wemart seed
// --products 100000 --seed 1`), builds the embedded index (reporting
// documents indexed per second), then times shopper queries on the index
// against SQL LIKE '%q%' (with its count) over the same rows, in one run:
// p50/p95/p99 per query and how many times faster the index is at the median
// (targets: p95 under 20 ms, at least 10× faster than LIKE).
func BenchmarkSearch100k(b *testing.B) {
	ctx := context.Background()
	db := storagetest.New(b, "sqlite")
	if _, err := seed.Synthetic(ctx, db, seed.Spec{Stores: 10, Products: 100000, Seed: 1}, nil); err != nil {
		b.Fatal(err)
	}
	engine := search.NewEmbedded(b.TempDir())
	start := time.Now()
	gen, err := indexer.Reindex(ctx, db, engine, quiet, nil)
	if err != nil {
		b.Fatal(err)
	}
	indexing := time.Since(start)
	idx, _, err := engine.Open(ctx, gen)
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	for b.Loop() {
		var idxTimes, likeTimes []time.Duration
		for round := 0; round < 10; round++ {
			for _, q := range benchQueries {
				t0 := time.Now()
				if _, err := idx.Search(ctx, search.Query{Text: q, MinPriceFen: -1, MaxPriceFen: -1, Limit: 20}); err != nil {
					b.Fatal(err)
				}
				idxTimes = append(idxTimes, time.Since(t0))
				if round < 2 { // LIKE is slow: fewer rounds suffice
					t0 = time.Now()
					like := db.Client.Product.Query().Where(product.DeletedAtIsNil(), product.TitleContains(q))
					if _, err := like.Clone().Order(product.BySales()).Limit(20).All(ctx); err != nil {
						b.Fatal(err)
					}
					if _, err := like.Count(ctx); err != nil {
						b.Fatal(err)
					}
					likeTimes = append(likeTimes, time.Since(t0))
				}
			}
		}
		slices.Sort(idxTimes)
		slices.Sort(likeTimes)
		pct := func(d []time.Duration, p float64) float64 {
			return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(pct(idxTimes, 0.50), "index_p50_ms")
		b.ReportMetric(pct(idxTimes, 0.95), "index_p95_ms")
		b.ReportMetric(pct(idxTimes, 0.99), "index_p99_ms")
		b.ReportMetric(pct(likeTimes, 0.50), "like_p50_ms")
		b.ReportMetric(pct(likeTimes, 0.95), "like_p95_ms")
		b.ReportMetric(pct(likeTimes, 0.50)/pct(idxTimes, 0.50), "index_vs_like_x")
		b.ReportMetric(100000/indexing.Seconds(), "indexed_docs/s")
	}
}
