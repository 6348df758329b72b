package orders_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/orderitem"
	"wemart/ent/stock"
	"wemart/ent/stockmovement"
	"wemart/server/internal/benchtable"
	"wemart/server/storage/storagetest"
)

// engineName is how the table names an engine.
func engineName(engine string) string {
	if engine == "postgres" {
		return "PostgreSQL"
	}
	return "SQLite"
}

// Shape of BenchmarkCheckoutCPU: cpuShoppers shoppers at once, each placing
// cpuEach orders of 1-3 lines of 200 well-stocked SKUs (after cpuWarm
// orders each to warm up); then each asks
// refusalsEach times for a SKU that sold out.
const (
	cpuShoppers  = 32
	cpuWarm      = 6
	cpuEach      = 25
	refusalsEach = 100
)

// BenchmarkCheckoutCPU measures the CPU a checkout costs wemart (and, on
// PostgreSQL, the database server), the WeChat sandbox excluded (it runs in
// another process, see startServer), beside the cryptography no checkout
// can do without, measured in the same run; and the CPU of a checkout
// refused because the SKU sold out, beside a real order's.
func BenchmarkCheckoutCPU(b *testing.B) {
	for _, engine := range storagetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := startServer(b, engine)
			storeID, skus := s.shop(201, 1_000_000)
			flash, skus := skus[200], skus[:200]
			tokens := s.shoppers("cpu", cpuShoppers)
			for b.Loop() {
				// Warm up: connections, caches, the first of everything. A
				// few orders of every shape per shopper, so that each of the
				// database pool's connections has run each statement (a
				// PostgreSQL backend's first plan of a statement loads the
				// catalogue, some 4-11 ms each: no running store pays that).
				waitAll(cpuShoppers, func(w int) {
					for i := range cpuWarm {
						lines := []map[string]int{}
						for k := range 1 + i%3 {
							lines = append(lines, map[string]int{"sku_id": skus[(w*7+i*3+k*61)%len(skus)], "quantity": 1})
						}
						s.mustPlace(tokens[w], fmt.Sprintf("warm-%d-%d-%d", time.Now().UnixNano(), w, i), storeID, lines)
					}
				})
				// The floor is timed in a burst before the orders and one
				// after, and the mean taken: on a shared machine one burst
				// of under a second can land on a slow or a quick moment.
				before := cryptoFloor(b)
				var orders atomic.Int64
				wemart, db := s.measure("checkout", func() {
					waitAll(cpuShoppers, func(w int) {
						rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
						for i := range cpuEach {
							var lines []map[string]int
							for _, k := range rng.Perm(len(skus))[:1+rng.IntN(3)] {
								lines = append(lines, map[string]int{"sku_id": skus[k], "quantity": 1 + rng.IntN(3)})
							}
							s.mustPlace(tokens[w], fmt.Sprintf("cpu-%d-%d-%d", time.Now().UnixNano(), w, i), storeID, lines)
							orders.Add(1)
						}
					})
				})
				after := cryptoFloor(b)
				floor := (before + after) / 2
				order := perUnit(wemart+db, int(orders.Load()))
				// The goal in milliseconds was set on a machine whose floor
				// was 3.56 ms; on a quicker one it is met with room to spare,
				// so the verdict also asks for the ratio it implies.
				limit := 5.5
				if engine == "postgres" {
					limit = 7
				}
				goal := fmt.Sprintf("≤ %g ms and ≤ %.4g× the floor", limit, limit/floorAtGoal)
				benchtable.Report(b, benchtable.Row{
					Measure: "checkout CPU per order, sandbox excluded", Engine: engineName(engine),
					Value: order, Unit: "ms", Baseline: ms(floor), BaseUnit: "ms",
					BaseName: "crypto floor (2 RSA-2048 signs + 1 verify; mean of a burst before and one after)", Goal: goal,
					Met: order <= limit && order <= limit/floorAtGoal*ms(floor),
					Note: fmt.Sprintf("%d orders of 1-3 lines by %d shoppers at once over HTTP; wemart %.2f ms + database server %.2f ms; "+
						"wemart in its own process, the sandbox in another; floor %.2f ms before, %.2f ms after", orders.Load(), cpuShoppers,
						perUnit(wemart, int(orders.Load())), perUnit(db, int(orders.Load())), ms(before), ms(after)),
				})

				// A flash sale's SKU, sold out by reservations.
				s.stock(storeID, flash, cpuShoppers)
				waitAll(cpuShoppers, func(w int) {
					s.mustPlace(tokens[w], fmt.Sprintf("flash-%d-%d", time.Now().UnixNano(), w), storeID,
						[]map[string]int{{"sku_id": flash, "quantity": 1}})
				})
				var refused atomic.Int64
				wemart, db = s.measure("refusal", func() {
					waitAll(cpuShoppers, func(w int) {
						for i := range refusalsEach {
							status, res, err := s.checkout(tokens[w], fmt.Sprintf("no-%d-%d-%d", time.Now().UnixNano(), w, i), storeID,
								[]map[string]int{{"sku_id": flash, "quantity": 1}})
							if err != nil || status != http.StatusConflict || errorCode(res) != "out_of_stock" {
								b.Errorf("a checkout of a sold-out SKU answered %d %v %s", status, err, res)
								return
							}
							refused.Add(1)
						}
					})
				})
				refusal := perUnit(wemart+db, int(refused.Load()))
				benchtable.Report(b, benchtable.Row{
					Measure: "refused checkout (out_of_stock) CPU", Engine: engineName(engine),
					Value: refusal, Unit: "ms", Baseline: order, BaseUnit: "ms",
					BaseName: "a placed order's CPU (row above)", Goal: "≤ 0.3 ms", Met: refusal <= 0.3,
					Note: fmt.Sprintf("%d refusals by %d shoppers at once; wemart %.3f ms + database server %.3f ms",
						refused.Load(), cpuShoppers, perUnit(wemart, int(refused.Load())), perUnit(db, int(refused.Load()))),
				})
			}
		})
	}
}

// floorAtGoal is the crypto floor (ms) of the machine the checkout's goals
// in milliseconds were set on: 5.5 ms there is 1.545 times it, 7 ms 1.966.
const floorAtGoal = 3.56

// mustPlace places an order, failing the benchmark otherwise.
func (s *server) mustPlace(token, key string, storeID int, lines []map[string]int) {
	status, res, err := s.checkout(token, key, storeID, lines)
	if err != nil || status != http.StatusCreated {
		s.b.Errorf("checkout: %d %v %s", status, err, res)
	}
}

// errorCode is the code of an error envelope.
func errorCode(body []byte) string {
	var e struct {
		Error struct{ Code string }
	}
	_ = json.Unmarshal(body, &e)
	return e.Error.Code
}

// Flash sale shape: flashShoppers shoppers at once for flashUnits units.
const (
	flashShoppers = 1000
	flashUnits    = 100
)

// BenchmarkFlashSale: 1000 shoppers at once for 100 units of one SKU,
// against wemart in a process of its own, after a first rush has warmed
// it. It reports how long until every
// shopper had an answer, beside 1000 GET /healthz sent the same way in the
// same run, and checks every time that exactly 100 orders got through, the
// other 900 were told out_of_stock, and the stock row agrees with its
// ledger and the orders.
func BenchmarkFlashSale(b *testing.B) {
	for _, engine := range storagetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := startServer(b, engine)
			storeID, skus := s.shop(11, 0)
			warm, skus := skus[10], skus[:10]
			tokens := s.shoppers("flash", flashShoppers)
			// A running server, not a cold one: a first rush of the same
			// shape (for another SKU) opens the database pool's connections
			// and plans each statement once on most of them (a PostgreSQL
			// backend's first plan of a statement loads the catalogue).
			s.stock(storeID, warm, flashUnits)
			waitAll(flashShoppers, func(i int) {
				if status, res, err := s.checkout(tokens[i], fmt.Sprintf("f-warm-%d", i), storeID,
					[]map[string]int{{"sku_id": warm, "quantity": 1}}); err != nil || (status != http.StatusCreated && errorCode(res) != "out_of_stock") {
					b.Errorf("warm-up checkout answered %d %v %s", status, err, res)
				}
			})
			round := 0
			for b.Loop() {
				sku := skus[round%len(skus)]
				round++
				s.stock(storeID, sku, flashUnits)
				health := waitAll(flashShoppers, func(i int) {
					if status, _, err := s.do("GET", "/healthz", "", "", nil); err != nil || status != http.StatusOK {
						b.Errorf("healthz: %d %v", status, err)
					}
				})
				var mu sync.Mutex
				var placed, sold int
				var rush time.Duration
				wemart, db := s.measure("flash", func() {
					rush = waitAll(flashShoppers, func(i int) {
						status, res, err := s.checkout(tokens[i], fmt.Sprintf("f-%d-%d", round, i), storeID,
							[]map[string]int{{"sku_id": sku, "quantity": 1}})
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err != nil:
							b.Error(err)
						case status == http.StatusCreated:
							placed++
						case status == http.StatusConflict && errorCode(res) == "out_of_stock":
							sold++
						default:
							b.Errorf("flash sale checkout answered %d %s", status, res)
						}
					})
				})
				if placed != flashUnits || sold != flashShoppers-flashUnits {
					b.Fatalf("%d placed, %d out of stock; want %d and %d", placed, sold, flashUnits, flashShoppers-flashUnits)
				}
				s.checkLedger(storeID, sku, flashUnits)
				benchtable.Report(b, benchtable.Row{
					Measure: "flash sale: 1000 shoppers for 100 units, all answered", Engine: engineName(engine),
					Value: ms(rush), Unit: "ms", Baseline: ms(health), BaseUnit: "ms",
					BaseName: "1000 GET /healthz from the same 1000 goroutines", Goal: "≤ 1000 ms, 0 oversold",
					Met: rush <= time.Second,
					Note: fmt.Sprintf("wemart in its own process (sandbox and clients in another); 100 placed, 900 out_of_stock, "+
						"stock = ledger = orders checked; the rush cost wemart %.0f ms CPU and the database server %.0f ms; "+
						"the baseline is this machine's time for 1000 requests at once", ms(wemart), ms(db)),
				})
			}
		})
	}
}

// checkLedger checks that the stock row of sku holds sold units reserved
// and none available, that its ledger adds up to it, and that the orders
// hold exactly those units.
func (s *server) checkLedger(storeID, sku int, sold int64) {
	s.b.Helper()
	ctx := context.Background()
	c := s.db.Client
	row, err := c.Stock.Query().Where(stock.StoreID(storeID), stock.SkuID(sku)).Only(ctx)
	if err != nil {
		s.b.Fatal(err)
	}
	var sums []struct {
		OnHand   int64 `json:"on_hand"`
		Reserved int64 `json:"reserved"`
	}
	err = c.StockMovement.Query().Where(stockmovement.StoreID(storeID), stockmovement.SkuID(sku)).
		Aggregate(ent.As(ent.Sum(stockmovement.FieldDeltaOnHand), "on_hand"), ent.As(ent.Sum(stockmovement.FieldDeltaReserved), "reserved")).
		Scan(ctx, &sums)
	if err != nil {
		s.b.Fatal(err)
	}
	reserves, err := c.StockMovement.Query().Where(stockmovement.StoreID(storeID), stockmovement.SkuID(sku),
		stockmovement.KindEQ(stockmovement.KindReserve)).Count(ctx)
	if err != nil {
		s.b.Fatal(err)
	}
	var units []struct {
		Sum int64 `json:"sum"`
	}
	if err := c.OrderItem.Query().Where(orderitem.SkuID(sku)).Aggregate(ent.Sum(orderitem.FieldQuantity)).Scan(ctx, &units); err != nil {
		s.b.Fatal(err)
	}
	if row.OnHand != sold || row.Reserved != sold || len(sums) != 1 || sums[0].OnHand != row.OnHand || sums[0].Reserved != row.Reserved ||
		reserves != int(sold) || len(units) != 1 || units[0].Sum != sold {
		s.b.Fatalf("stock %d on hand, %d reserved; ledger %+v with %d reservations; orders hold %+v units; want %d sold",
			row.OnHand, row.Reserved, sums, reserves, units, sold)
	}
}
