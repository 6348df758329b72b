package indexer_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"wemart/ent"
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

// bulkProducts writes what mkProducts does (products, one SKU each, their
// outbox rows) in one transaction of multi-row inserts: as the catalogue
// would leave them, for tests that need many products.
func bulkProducts(t *testing.T, db *storage.DB, n int, prefix string) []int {
	t.Helper()
	ctx := context.Background()
	var ids []int
	err := storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
		products := make([]*ent.ProductCreate, n)
		for i := range products {
			products[i] = tx.Product.Create().SetTitle(fmt.Sprintf("%s %d 牛奶", prefix, i)).SetImages([]string{})
		}
		created, err := tx.Product.CreateBulk(products...).Save(ctx)
		if err != nil {
			return err
		}
		skus := make([]*ent.SkuCreate, n)
		for i, p := range created {
			ids = append(ids, p.ID)
			skus[i] = tx.Sku.Create().SetProductID(p.ID).SetName("x").SetPriceFen(int64(100 + i))
		}
		if err := tx.Sku.CreateBulk(skus...).Exec(ctx); err != nil {
			return err
		}
		return indexer.Enqueue(ctx, tx.Client(), ids...)
	})
	if err != nil {
		t.Fatal(err)
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
		// The rebuild reads products in batches of 2000 and reports after
		// each: these fit in one, so the rename comes after the fill has read
		// the old title.
		const n = 300
		ids := bulkProducts(t, db, n, "商品")
		srv := indexer.New(db, search.NewEmbedded(dir), quiet)
		if err := srv.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		if got := total(t, srv, "牛奶"); got != n {
			t.Fatalf("first build: %d", got)
		}
		unindexed(t, db, "第二代 Second")
		var answered, failed atomic.Int64
		changed := false
		gen, err := indexer.Reindex(ctx, db, search.NewEmbedded(dir), quiet, func(done, all int) {
			// While the rebuild runs: shoppers search, staff rename a product.
			if _, err := srv.Search(ctx, search.Query{Text: "牛奶", MinPriceFen: -1, MaxPriceFen: -1, Limit: 5}); err != nil {
				failed.Add(1)
			} else {
				answered.Add(1)
			}
			if !changed {
				changed = true
				title := "改名 Renamed 牛奶"
				if _, err := cat.UpdateProduct(ctx, ids[3], catalog.ProductPatch{Title: &title}); err != nil {
					t.Error(err)
				}
				// The server applies it to the generation it serves, which
				// leaves nothing pending in the outbox: only the rebuild's
				// replay can bring the rename into the new generation.
				waitFor(t, "the server applies the rename", func() bool { return total(t, srv, "renamed") == 1 })
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if gen != 2 || failed.Load() != 0 || answered.Load() == 0 {
			t.Fatalf("generation %d; searches during the rebuild: %d answered, %d failed", gen, answered.Load(), failed.Load())
		}
		waitFor(t, "the server follows the new generation", func() bool { return total(t, srv, "second") == 1 })
		if got := total(t, srv, "renamed"); got != 1 {
			t.Fatalf("the rename made during the rebuild is not in the new generation (%d found)", got)
		}
		if got := total(t, srv, "牛奶"); got != n {
			t.Fatalf("new generation holds %d products", got)
		}
		// A second rebuild drops the generation two back.
		unindexed(t, db, "第三代 Third")
		if _, err := indexer.Reindex(ctx, db, search.NewEmbedded(dir), quiet, nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "third generation served", func() bool { return total(t, srv, "third") == 1 })
		if got := total(t, srv, "renamed"); got != 1 {
			t.Fatalf("the third generation lost the rename (%d found)", got)
		}
	})
}

// TestSearchesSpanASwitch: searches running while the server switches to a
// new generation all answer; none meets the old generation closed under it.
func TestSearchesSpanASwitch(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		mkProducts(t, catalog.New(db.Client), 20, "切换")
		srv := indexer.New(db, search.NewEmbedded(dir), quiet)
		if err := srv.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		stop := make(chan struct{})
		var answered, failed atomic.Int64
		var lastErr atomic.Value
		done := make(chan struct{})
		for range 4 {
			go func() {
				defer func() { done <- struct{}{} }()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := srv.Search(ctx, search.Query{Text: "切换", MinPriceFen: -1, MaxPriceFen: -1, Limit: 20}); err != nil {
						failed.Add(1)
						lastErr.Store(err.Error())
					} else {
						answered.Add(1)
					}
				}
			}()
		}
		for gen := range 10 {
			marker := fmt.Sprintf("代%d Generation%d", gen+2, gen+2)
			unindexed(t, db, marker)
			if _, err := indexer.Reindex(ctx, db, search.NewEmbedded(dir), quiet, nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the server switches", func() bool {
				r, err := srv.Search(ctx, search.Query{Text: fmt.Sprintf("generation%d", gen+2), MinPriceFen: -1, MaxPriceFen: -1, Limit: 1})
				return err == nil && r.Total == 1
			})
		}
		close(stop)
		for range 4 {
			<-done
		}
		if failed.Load() != 0 || answered.Load() == 0 {
			t.Fatalf("searches across ten switches: %d answered, %d failed (%v)", answered.Load(), failed.Load(), lastErr.Load())
		}
	})
}

// unindexed adds a product behind the outbox's back, as if written before
// the outbox existed: only a rebuild, which reads the database, indexes it,
// so finding it tells which generation a server searches.
func unindexed(t *testing.T, db *storage.DB, title string) {
	t.Helper()
	ctx := context.Background()
	p := db.Client.Product.Create().SetTitle(title).SetImages([]string{}).SaveX(ctx)
	db.Client.Sku.Create().SetProductID(p.ID).SetName("x").SetPriceFen(100).ExecX(ctx)
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

// TestOlderFormatIsRebuilt: an index built by an older wemart (an older
// search.Format: without pinyin, aliases, SKU names) is rebuilt in the
// background at start-up while searches use it, then replaced; a second
// process starting at the same time leaves the rebuild to the first.
func TestOlderFormatIsRebuilt(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		cat := catalog.New(db.Client)
		mkProducts(t, cat, 3, "光明 鲜牛奶")
		first := indexer.New(db, search.NewEmbedded(dir), quiet)
		if err := first.Start(ctx); err != nil {
			t.Fatal(err)
		}
		first.Close()
		counter := func(key string) int64 {
			c, err := db.Client.Counter.Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			return c.Value
		}
		if f := counter("search_format"); f != search.Format {
			t.Fatalf("format %d after the first build, want %d", f, search.Format)
		}
		gen := counter("search_generation")
		// What an older wemart left: the same generation, an older format.
		db.Client.Counter.UpdateOneID("search_format").SetValue(search.Format - 1).ExecX(ctx)

		srv := indexer.New(db, search.NewEmbedded(dir), quiet)
		if err := srv.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		other := indexer.New(db, search.NewEmbedded(t.TempDir()), quiet)
		if err := other.Start(ctx); err != nil {
			t.Fatal(err)
		}
		other.Close()
		if n := total(t, srv, "牛奶"); n != 3 { // served from the old generation meanwhile
			t.Fatalf("%d found during the upgrade", n)
		}
		waitFor(t, "the rebuilt generation published", func() bool {
			return counter("search_format") == search.Format && counter("search_generation") == gen+1
		})
		waitFor(t, "searches on the rebuilt generation", func() bool { return total(t, srv, "niunai") == 3 })
		if g := counter("search_build"); g != gen+1 {
			t.Fatalf("%d builds, want one rebuild (generation %d)", g, gen+1)
		}

		// A process that took the rebuild on a minute ago is still at it:
		// nobody else starts one. One that took it two hours ago died: the
		// next start takes it over.
		restart := func(claimedAgo time.Duration) {
			db.Client.Counter.UpdateOneID("search_format").SetValue(search.Format - 1).ExecX(ctx)
			db.Client.Counter.UpdateOneID("search_upgrade").SetValue(time.Now().Add(-claimedAgo).Unix()).ExecX(ctx)
			p := indexer.New(db, search.NewEmbedded(t.TempDir()), quiet)
			if err := p.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(p.Close)
		}
		restart(time.Minute)
		time.Sleep(300 * time.Millisecond)
		if g := counter("search_build"); g != gen+1 {
			t.Fatalf("a rebuild started beside one in progress (build %d)", g)
		}
		restart(2 * time.Hour)
		waitFor(t, "a dead process's rebuild taken over", func() bool {
			return counter("search_format") == search.Format && counter("search_build") == gen+2
		})
	})
}

// TestReindexLeavesNothingToReplay: a rebuild marks processed the outbox its
// generation covers — rows written long before it (the fill read their
// products) and rows it replayed, among them a change made during the fill
// with no server running — so a server starting next has nothing to catch
// up on; a change made after the rebuild stays queued, and is applied.
func TestReindexLeavesNothingToReplay(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		cat := catalog.New(db.Client)
		ids := bulkProducts(t, db, 40, "旧批")
		// Half of the rows as if queued an hour ago, before the replay window.
		db.Client.SearchOutbox.Delete().Where(searchoutbox.ProductIDIn(ids[:20]...)).ExecX(ctx)
		for _, id := range ids[:20] {
			db.Client.SearchOutbox.Create().SetProductID(id).SetCreatedAt(time.Now().UTC().Add(-time.Hour)).ExecX(ctx)
		}
		unprocessed := func() int {
			return db.Client.SearchOutbox.Query().Where(searchoutbox.ProcessedAtIsNil()).CountX(ctx)
		}
		rename := func(id int, title string) {
			if _, err := cat.UpdateProduct(ctx, id, catalog.ProductPatch{Title: &title}); err != nil {
				t.Fatal(err)
			}
		}
		renamed := false
		if _, err := indexer.Reindex(ctx, db, search.NewEmbedded(dir), quiet, func(int, int) {
			if !renamed { // after the fill read the old title; nobody drains the outbox
				renamed = true
				rename(ids[5], "改名 Rebuilt 牛奶")
				rename(ids[25], "再改 Rebuilt 牛奶")
			}
		}); err != nil {
			t.Fatal(err)
		}
		if n := unprocessed(); n != 0 {
			t.Fatalf("%d outbox rows left for servers to replay after the rebuild", n)
		}
		rename(ids[30], "之后 After 牛奶")
		if n := unprocessed(); n != 1 {
			t.Fatalf("%d outbox rows queued by a change after the rebuild, want 1", n)
		}
		srv := indexer.New(db, search.NewEmbedded(dir), quiet)
		if err := srv.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		for text, want := range map[string]int{"rebuilt": 2, "after": 1, "旧批": 37, "牛奶": 40} {
			if got := total(t, srv, text); got != want {
				t.Errorf("%q: %d found, want %d", text, got, want)
			}
		}
		if n := unprocessed(); n != 0 {
			t.Fatalf("%d rows unprocessed after the server started", n)
		}
	})
}

// TestReindexKeepsALateRowWithAnOldClock: a change that commits during the
// fill, after the fill read its product, with an outbox row whose created_at
// is older than the replay window (its writer's clock is behind, or its
// transaction was long), is neither replayed nor marked covered: it stays
// for the servers, which apply it. (Marking every old unprocessed row
// covered lost such a change for good.)
func TestReindexKeepsALateRowWithAnOldClock(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		cat := catalog.New(db.Client)
		ids := bulkProducts(t, db, 10, "钟慢")
		done := false
		if _, err := indexer.Reindex(ctx, db, search.NewEmbedded(dir), quiet, func(int, int) {
			if done { // the fill has read the old title
				return
			}
			done = true
			title := "慢钟 Skewed 牛奶"
			if _, err := cat.UpdateProduct(ctx, ids[5], catalog.ProductPatch{Title: &title}); err != nil {
				t.Fatal(err)
			}
			// Its row as a writer two minutes behind would have written it.
			db.Client.SearchOutbox.Delete().Where(searchoutbox.ProductID(ids[5]), searchoutbox.ProcessedAtIsNil()).ExecX(ctx)
			db.Client.SearchOutbox.Create().SetProductID(ids[5]).SetCreatedAt(time.Now().UTC().Add(-2 * time.Minute)).ExecX(ctx)
		}); err != nil {
			t.Fatal(err)
		}
		if n := db.Client.SearchOutbox.Query().Where(searchoutbox.ProductID(ids[5]), searchoutbox.ProcessedAtIsNil()).CountX(ctx); n != 1 {
			t.Fatalf("the late change's outbox row: %d unprocessed after the rebuild, want 1 (left for the servers)", n)
		}
		srv := indexer.New(db, search.NewEmbedded(dir), quiet)
		if err := srv.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		if got := total(t, srv, "skewed"); got != 1 {
			t.Fatalf("the change committed during the rebuild is not searchable: %d found", got)
		}
	})
}

// TestBulkLoadQueuesOnceIndexed: a bulk load (seed) queues nothing on a
// database whose index was never built (the first build reads it all), and
// queues its products once a build has started.
func TestBulkLoadQueuesOnceIndexed(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		load := func(prefix string) []int {
			var ids []int
			err := storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
				for i := range 3 {
					p, err := tx.Product.Create().SetTitle(fmt.Sprintf("%s %d", prefix, i)).SetImages([]string{}).Save(ctx)
					if err != nil {
						return err
					}
					if err := tx.Sku.Create().SetProductID(p.ID).SetName("x").SetPriceFen(100).Exec(ctx); err != nil {
						return err
					}
					ids = append(ids, p.ID)
				}
				return indexer.EnqueueUnlessUnbuilt(ctx, tx.Client(), ids...)
			})
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}
		queued := func(ids []int) int {
			return db.Client.SearchOutbox.Query().Where(searchoutbox.ProductIDIn(ids...)).CountX(ctx)
		}
		first := load("首批")
		if n := queued(first); n != 0 {
			t.Fatalf("%d rows queued with no index built", n)
		}
		srv := indexer.New(db, search.NewEmbedded(t.TempDir()), quiet)
		if err := srv.Start(ctx); err != nil { // builds the first generation from the database
			t.Fatal(err)
		}
		defer srv.Close()
		if got := total(t, srv, "首批"); got != 3 {
			t.Fatalf("first build found %d of the products loaded before it", got)
		}
		second := load("次批")
		if n := queued(second); n != 3 {
			t.Fatalf("%d rows queued once indexed, want 3", n)
		}
		waitFor(t, "the server applies the second load", func() bool { return total(t, srv, "次批") == 3 })
	})
}
