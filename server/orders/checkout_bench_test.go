package orders_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// Checkout benchmark shape: 50 shoppers checking out at once, each placing
// 40 orders of 1-3 lines picked from 200 SKUs well stocked at one store, over
// real HTTP (JSAPI prepay against the in-process sandbox included).
const (
	benchShoppers = 50
	benchEach     = 40
	benchSkus     = 200
)

// bench is a store with stocked SKUs and logged-in shoppers.
type bench struct {
	h       *apitest.Harness
	storeID int
	skus    []int
	tokens  []string
	client  *http.Client
}

func newBench(b *testing.B, db *storage.DB, shoppers int) *bench {
	b.Helper()
	// Each shopper places benchEach orders as fast as it can: the per-shopper
	// limits are lifted, since this measures the checkout path, not the policy.
	h := apitest.New(b, db, func(c *config.Config, _ *app.Options) {
		c.ShopperOpenOrders, c.ShopperCheckoutsPerMinute = 1000, 100000
	})
	be := &bench{h: h, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}}
	var st struct{ ID int }
	h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": "压测店", "lat": 31.23, "lng": 121.47}).
		OK(http.StatusCreated, &st)
	be.storeID = st.ID
	for i := range benchSkus {
		var p struct{ Skus []struct{ ID int } }
		h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": fmt.Sprintf("商品 %d", i),
			"skus": []map[string]any{{"name": "标准装", "price_fen": 100 + i}}}).OK(http.StatusCreated, &p)
		be.skus = append(be.skus, p.Skus[0].ID)
		h.Do("PUT", fmt.Sprintf("/admin/v1/stores/%d/stock/%d", st.ID, p.Skus[0].ID), h.AdminToken,
			map[string]any{"on_hand": 1_000_000}).OK(http.StatusOK, nil)
	}
	for i := range shoppers {
		var l struct{ Token string }
		h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": fmt.Sprintf("bench-%d", i)}).OK(http.StatusOK, &l)
		be.tokens = append(be.tokens, l.Token)
	}
	return be
}

// checkout places one order and reports its latency and status.
func (be *bench) checkout(token, key string, lines []map[string]int) (time.Duration, int, error) {
	body, _ := json.Marshal(map[string]any{"store_id": be.storeID, "fulfilment": "pickup", "items": lines})
	req, _ := http.NewRequest("POST", be.h.URL+"/api/v1/orders", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json") // as wx.request sends it
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	start := time.Now()
	res, err := be.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return time.Since(start), res.StatusCode, nil
}

// BenchmarkCheckout reports checkout latency for one shopper alone, then
// throughput and latency with 50 shoppers checking out concurrently, with
// GET /healthz under the same load as the baseline of the machine's noise.
func BenchmarkCheckout(b *testing.B) {
	for _, engine := range storagetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			be := newBench(b, storagetest.New(b, engine), benchShoppers)
			for b.Loop() {
				// One shopper alone first: the latency without queueing.
				var alone []time.Duration
				for i := range 100 {
					d, status, err := be.checkout(be.tokens[0], fmt.Sprintf("s-%d-%d", time.Now().UnixNano(), i),
						[]map[string]int{{"sku_id": be.skus[i%benchSkus], "quantity": 1}})
					if err != nil || status != http.StatusCreated {
						b.Fatalf("checkout: %d %v", status, err)
					}
					alone = append(alone, d)
				}
				slices.Sort(alone)
				b.ReportMetric(ms(alone[len(alone)/2]), "alone_p50_ms")

				var mu sync.Mutex
				var lat, health []time.Duration
				var wg sync.WaitGroup
				done, sampled := make(chan struct{}), make(chan struct{})
				go func() { // the baseline: a trivial request under the same load
					defer close(sampled)
					for {
						select {
						case <-done:
							return
						default:
						}
						t := time.Now()
						res, err := be.client.Get(be.h.URL + "/healthz")
						if err == nil {
							_, _ = io.Copy(io.Discard, res.Body)
							res.Body.Close()
							health = append(health, time.Since(t))
						}
						time.Sleep(5 * time.Millisecond)
					}
				}()
				start := time.Now()
				for w := range benchShoppers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						rng := rand.New(rand.NewPCG(uint64(w), 1))
						for i := range benchEach {
							var lines []map[string]int
							for _, k := range rng.Perm(benchSkus)[:1+rng.IntN(3)] {
								lines = append(lines, map[string]int{"sku_id": be.skus[k], "quantity": 1 + rng.IntN(3)})
							}
							d, status, err := be.checkout(be.tokens[w], fmt.Sprintf("b-%d-%d-%d", time.Now().UnixNano(), w, i), lines)
							if err != nil || status != http.StatusCreated {
								b.Errorf("checkout: %d %v", status, err)
								return
							}
							mu.Lock()
							lat = append(lat, d)
							mu.Unlock()
						}
					}()
				}
				wg.Wait()
				elapsed := time.Since(start)
				close(done)
				<-sampled
				slices.Sort(lat)
				slices.Sort(health)
				b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "orders/s")
				b.ReportMetric(ms(lat[len(lat)/2]), "p50_ms")
				b.ReportMetric(ms(lat[len(lat)*99/100]), "p99_ms")
				if len(health) > 0 {
					b.ReportMetric(ms(health[len(health)/2]), "healthz_p50_ms")
				}
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
