package catalog_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wemart/server/apitest"
	"wemart/server/internal/benchtable"
	"wemart/server/seed"
	"wemart/server/storage/storagetest"
)

// The hot reads benchmark: 100000 synthetic products (`wemart seed
// --products 100000 --seed 1`) and 10 stores each stocking 5000 SKUs,
// served by the real router over loopback HTTP, 32 clients at once.
const (
	readsProducts    = 100000
	readsStores      = 10
	readsStock       = 5000
	readsConcurrency = 32
	readsCartLines   = 8
	readsShoppers    = 64
	readsPhase       = 1500 * time.Millisecond
	readsRounds      = 3
)

// load is what a phase of readsConcurrency clients did.
type load struct {
	n       int
	elapsed time.Duration
	lat     []time.Duration
}

func (l load) rate() float64 { return float64(l.n) / l.elapsed.Seconds() }

func (l load) p99() time.Duration {
	s := slices.Clone(l.lat)
	slices.Sort(s)
	return s[len(s)*99/100]
}

func (l *load) add(o load) {
	l.n += o.n
	l.elapsed += o.elapsed
	l.lat = append(l.lat, o.lat...)
}

// hammer sends requests from readsConcurrency clients for d: path(i) is the
// i-th request's path, sent with the bearer token tokens[i%len(tokens)]
// (none if tokens is empty); every answer must be 200.
func hammer(b *testing.B, client *http.Client, base string, tokens []string, d time.Duration, path func(i int) string) load {
	b.Helper()
	var next atomic.Int64
	var mu sync.Mutex
	var out load
	var failed atomic.Value
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range readsConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			for time.Now().Before(deadline) {
				i := int(next.Add(1))
				req, _ := http.NewRequest(http.MethodGet, base+path(i), nil)
				if len(tokens) > 0 {
					req.Header.Set("Authorization", "Bearer "+tokens[i%len(tokens)])
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					failed.Store(fmt.Sprintf("%s: %d", req.URL.Path, res.StatusCode))
					return
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			out.lat = append(out.lat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.elapsed, out.n = time.Since(start), len(out.lat)
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	return out
}

// BenchmarkReadsHTTP measures the reads every shopper makes, against GET
// /healthz on the same server at the same concurrency, phases interleaved
// so all see the same machine: the store catalogue listing (GET
// /api/v1/products?store_id=&page_size=20, the first pages at each store;
// goals: ≥ 0.2 of /healthz req/s, p99 ≤ 6× its p99) and the cart reads
// of readsShoppers shoppers, each cart of readsCartLines lines (GET
// /api/v1/cart; goal ≥ 0.25 of /healthz req/s).
// The server is the app's router alone (apitest's spec validation is left
// out: it would cost more than the handlers measured).
func BenchmarkReadsHTTP(b *testing.B) {
	for _, engine := range storagetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			t0 := time.Now()
			products := readsProducts
			if n, err := strconv.Atoi(os.Getenv("WEMART_BENCH_READS_PRODUCTS")); err == nil && n > 0 {
				products = n // a smaller catalogue while iterating
			}
			db := storagetest.New(b, engine)
			sum, err := seed.Synthetic(ctx, db, seed.Spec{Stores: readsStores, Products: products, Seed: 1,
				StockPerStore: readsStock}, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("seeded in %v", time.Since(t0))
			// The app builds its index from the database at start; the
			// seed's outbox rows would only apply the same products again
			// (issue 15's start-up row, not what this measures).
			if _, err := db.Client.SearchOutbox.Delete().Exec(ctx); err != nil {
				b.Fatal(err)
			}
			t0 = time.Now()
			h := apitest.New(b, db)
			b.Logf("serving (index built) in %v", time.Since(t0))
			srv := httptest.NewServer(h.App.Echo)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * readsConcurrency}}
			defer client.CloseIdleConnections()

			// A shopper with a cart of stocked SKUs at the first store.
			var st struct {
				Items []struct{ ID int }
			}
			h.Do("GET", "/admin/v1/stores?page_size=100", h.AdminToken, nil).OK(http.StatusOK, &st)
			if len(st.Items) != sum.Stores {
				b.Fatalf("%d stores listed, %d seeded", len(st.Items), sum.Stores)
			}
			storeIDs := make([]int, len(st.Items))
			for i, s := range st.Items {
				storeIDs[i] = s.ID
			}
			// readsShoppers shoppers, each with a cart of readsCartLines
			// stocked SKUs at one store (shopper j at store j%readsStores):
			// the cart phase reads every one in turn, as many shoppers
			// would, not one cart over and over.
			stocked := make([][]int, len(storeIDs))
			for i, id := range storeIDs {
				var stock struct {
					Items []struct {
						SkuID     int   `json:"sku_id"`
						Available int64 `json:"available"`
					}
				}
				h.Do("GET", fmt.Sprintf("/admin/v1/stores/%d/stock?page_size=50", id), h.AdminToken, nil).
					OK(http.StatusOK, &stock)
				for _, s := range stock.Items {
					if s.Available > 0 {
						stocked[i] = append(stocked[i], s.SkuID)
					}
				}
				if len(stocked[i]) < readsCartLines {
					b.Fatalf("store %d stocks %d of its first 50 SKUs, want %d", id, len(stocked[i]), readsCartLines)
				}
			}
			tokens := make([]string, readsShoppers)
			cartPaths := make([]string, readsShoppers)
			for j := range readsShoppers {
				var login struct{ Token string }
				h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": fmt.Sprintf("reads-bench-%d", j)}).
					OK(http.StatusOK, &login)
				tokens[j] = login.Token
				si := j % len(storeIDs)
				for l := range readsCartLines {
					sku := stocked[si][(j/len(storeIDs)+l)%len(stocked[si])]
					h.Do("PUT", "/api/v1/cart/items", login.Token, map[string]any{"store_id": storeIDs[si], "sku_id": sku, "quantity": 1}).
						OK(http.StatusOK, nil)
				}
				cartPaths[j] = fmt.Sprintf("/api/v1/cart?store_id=%d", storeIDs[si])
				var cart struct{ Items []struct{} }
				h.Do("GET", cartPaths[j], login.Token, nil).OK(http.StatusOK, &cart)
				if len(cart.Items) != readsCartLines {
					b.Fatalf("cart has %d lines, want %d", len(cart.Items), readsCartLines)
				}
			}

			healthz := func(int) string { return "/healthz" }
			listing := func(i int) string {
				// Pages 1-3 of every store's catalogue, in turn.
				return fmt.Sprintf("/api/v1/products?store_id=%d&page_size=20&page=%d", storeIDs[i%len(storeIDs)], 1+(i/len(storeIDs))%3)
			}
			// Request i reads shopper i%readsShoppers's cart with their token.
			cart := func(i int) string { return cartPaths[i%readsShoppers] }
			// Warm up every path (connections, caches, the index's files).
			hammer(b, client, srv.URL, nil, readsPhase/3, healthz)
			hammer(b, client, srv.URL, nil, readsPhase/3, listing)
			hammer(b, client, srv.URL, tokens, readsPhase/3, cart)
			if path := os.Getenv("WEMART_BENCH_PROFILE"); path != "" {
				// A CPU profile of the listing, then of the cart read, alone.
				for _, phase := range []struct {
					name   string
					tokens []string
					path   func(int) string
				}{{"listing", nil, listing}, {"cart", tokens, cart}} {
					f, err := os.Create(path + "." + engine + "." + phase.name)
					if err != nil {
						b.Fatal(err)
					}
					if err := pprof.StartCPUProfile(f); err != nil {
						b.Fatal(err)
					}
					hammer(b, client, srv.URL, phase.tokens, 5*readsPhase, phase.path)
					pprof.StopCPUProfile()
					f.Close()
				}
			}
			for b.Loop() {
				var health, list, carts load
				for range readsRounds {
					health.add(hammer(b, client, srv.URL, nil, readsPhase, healthz))
					list.add(hammer(b, client, srv.URL, nil, readsPhase, listing))
					carts.add(hammer(b, client, srv.URL, tokens, readsPhase, cart))
				}
				name := map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[engine]
				hp99, lp99 := ms(health.p99()), ms(list.p99())
				note := fmt.Sprintf("%d products, %d concurrent; p99 %.2f ms vs /healthz %.2f ms", sum.Products, readsConcurrency, lp99, hp99)
				benchtable.Report(b, benchtable.Row{Measure: "store catalogue listing req/s", Engine: name,
					Value: list.rate(), Unit: "req/s", Baseline: health.rate(), BaseUnit: "req/s", BaseName: "GET /healthz req/s",
					Goal: "ratio ≥ 0.2", Met: list.rate() >= 0.2*health.rate(), Note: note})
				benchtable.Report(b, benchtable.Row{Measure: "store catalogue listing p99", Engine: name,
					Value: lp99, Unit: "ms", Baseline: hp99, BaseUnit: "ms", BaseName: "GET /healthz p99",
					Goal: "ratio ≤ 6", Met: lp99 <= 6*hp99, Note: fmt.Sprintf("%d concurrent", readsConcurrency)})
				benchtable.Report(b, benchtable.Row{Measure: "cart read req/s", Engine: name,
					Value: carts.rate(), Unit: "req/s", Baseline: health.rate(), BaseUnit: "req/s", BaseName: "GET /healthz req/s",
					Goal: "ratio ≥ 0.25", Met: carts.rate() >= 0.25*health.rate(),
					Note: fmt.Sprintf("%d shoppers' carts of %d lines, %d concurrent; p99 %.2f ms",
						readsShoppers, readsCartLines, readsConcurrency, ms(carts.p99()))})
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
