package searcheval_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"wemart/ent/product"
	"wemart/ent/searchoutbox"
	"wemart/server/apitest"
	"wemart/server/media"
	"wemart/server/searcheval"
	"wemart/server/seed"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// demo is the demo catalogue served by the real app (the embedded search
// index, the echo router, the database behind both).
type demo struct {
	h  *apitest.Harness
	db *storage.DB
}

// serveDemo seeds the demo into a fresh SQLite database, starts the app on
// it and waits until the search index holds every listed product.
func serveDemo(tb testing.TB) *demo {
	tb.Helper()
	ctx := context.Background()
	db := storagetest.New(tb, "sqlite")
	if _, err := seed.Demo(ctx, db, media.NewLocal(filepath.Join(tb.TempDir(), "media")), nil); err != nil {
		tb.Fatal(err)
	}
	d := &demo{h: apitest.New(tb, db), db: db}
	listed, err := db.Client.Product.Query().
		Where(product.DeletedAtIsNil(), product.StatusEQ(product.StatusListed)).Count(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		pending, err := db.Client.SearchOutbox.Query().Where(searchoutbox.ProcessedAtIsNil()).Exist(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		var page struct{ Total int }
		d.h.Do("GET", "/api/v1/products?page_size=1", "", nil).OK(http.StatusOK, &page)
		if !pending && page.Total == listed {
			return d
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the search index never caught up: %d of %d products, outbox pending %v", page.Total, listed, pending)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// engine ranks by the shop's search: GET /api/v1/products?q=&page_size=10,
// with no store and the default (relevance) order.
func (d *demo) engine(_ context.Context, query string) ([]string, error) {
	v := url.Values{"q": {query}, "page_size": {strconv.Itoa(searcheval.Depth)}}
	res := d.h.Do("GET", "/api/v1/products?"+v.Encode(), "", nil)
	if res.Status != http.StatusOK {
		return nil, fmt.Errorf("status %d: %s", res.Status, res.Body)
	}
	return searcheval.SearchTitles(res.Body)
}

// evaluate runs the judged set through the engine and the LIKE baseline.
func (d *demo) evaluate(tb testing.TB) (engine, baseline searcheval.Run) {
	tb.Helper()
	ctx := context.Background()
	queries, err := searcheval.Judged()
	if err != nil {
		tb.Fatal(err)
	}
	engine.Name, baseline.Name = "engine", "LIKE"
	if engine.Outcomes, err = searcheval.Evaluate(ctx, queries, d.engine); err != nil {
		tb.Fatal(err)
	}
	if baseline.Outcomes, err = searcheval.Evaluate(ctx, queries, searcheval.Like(d.db.Client)); err != nil {
		tb.Fatal(err)
	}
	return engine, baseline
}
