package stores_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/store"
	"wemart/server/apitest"
	"wemart/server/geo"
	"wemart/server/seed"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/stores"
)

// The nearby benchmarks run on 100000 synthetic stores from `wemart seed`
// (seed 1), with queries spread like shoppers over the same area, radius
// 5 km, limit 20: the defaults of GET /api/v1/stores/nearby.
const (
	benchStores = 100000
	benchRadius = 5000
	benchLimit  = 20
)

var (
	fixturesMu sync.Mutex
	fixtures   = map[string]*storage.DB{}
)

// seeded returns a database of engine holding the benchmark stores, seeded
// once per test binary.
func seeded(b *testing.B, engine string) *storage.DB {
	b.Helper()
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if db, ok := fixtures[engine]; ok {
		return db
	}
	db := storagetest.New(fixtureTB{b}, engine)
	if _, err := seed.Synthetic(context.Background(), db, seed.Spec{Stores: benchStores, Seed: 1}, nil); err != nil {
		b.Fatal(err)
	}
	fixtures[engine] = db
	return db
}

// fixtureTB keeps a seeded database alive for the whole benchmark binary:
// cleanups registered on a sub-benchmark would close it after its first use.
type fixtureTB struct{ *testing.B }

func (fixtureTB) Cleanup(func()) {}

func (f fixtureTB) TempDir() string {
	dir, err := osMkdirTemp()
	if err != nil {
		f.Fatal(err)
	}
	return dir
}

func queries(n int) []geo.Point {
	rng := rand.New(rand.NewPCG(7, 7))
	out := make([]geo.Point, n)
	for i := range out {
		out[i] = geo.Point{Lat: 31.2304 + rng.NormFloat64()*0.10, Lng: 121.4737 + rng.NormFloat64()*0.12}
	}
	return out
}

func loadPlaces(b *testing.B, db *storage.DB) []geo.Place[*ent.Store] {
	b.Helper()
	rows, err := db.Client.Store.Query().Where(store.DeletedAtIsNil()).All(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	out := make([]geo.Place[*ent.Store], len(rows))
	for i, r := range rows {
		out[i] = geo.Place[*ent.Store]{ID: r.ID, Point: geo.Point{Lat: r.Lat, Lng: r.Lng}, Value: r}
	}
	return out
}

// byLat is the bounding-box baseline: places sorted by latitude, a binary
// search for the latitude band, a longitude test, then exact distances.
type byLat []geo.Place[*ent.Store]

func (s byLat) nearest(q geo.Query[*ent.Store]) []geo.Hit[*ent.Store] {
	dLat := q.RadiusM / 111320
	lo := sort.Search(len(s), func(i int) bool { return s[i].Point.Lat >= q.Point.Lat-dLat })
	hi := sort.Search(len(s), func(i int) bool { return s[i].Point.Lat > q.Point.Lat+dLat })
	dLng := dLat / cosDeg(q.Point.Lat)
	var band []geo.Place[*ent.Store]
	for _, p := range s[lo:hi] {
		if p.Point.Lng >= q.Point.Lng-dLng && p.Point.Lng <= q.Point.Lng+dLng {
			band = append(band, p)
		}
	}
	return geo.BruteForce(band, q)
}

// timeEach runs fn over the queries until about d has passed and returns the
// mean time per query.
func timeEach(pts []geo.Point, d time.Duration, fn func(geo.Point)) time.Duration {
	start, n := time.Now(), 0
	for time.Since(start) < d {
		fn(pts[n%len(pts)])
		n++
	}
	return time.Since(start) / time.Duration(n)
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

// BenchmarkNearbyInProcess compares, in one run over the same 100000 stores,
// measuring every store, a bounding-box prefilter, and the H3 ring search
// over the in-memory index. It reports microseconds per query for each and
// how many times faster H3 is (target: ≥ 100× brute force).
func BenchmarkNearbyInProcess(b *testing.B) {
	db := seeded(b, "sqlite")
	places := loadPlaces(b, db)
	sorted := slices.Clone(byLat(places))
	slices.SortFunc(sorted, func(a, c geo.Place[*ent.Store]) int {
		switch {
		case a.Point.Lat < c.Point.Lat:
			return -1
		case a.Point.Lat > c.Point.Lat:
			return 1
		}
		return 0
	})
	ix, err := stores.NewIndex(db)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := ix.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	pts := queries(1000)
	q := func(p geo.Point) geo.Query[*ent.Store] {
		return geo.Query[*ent.Store]{Point: p, RadiusM: benchRadius, Limit: benchLimit}
	}
	for b.Loop() {
		brute := timeEach(pts, 300*time.Millisecond, func(p geo.Point) { geo.BruteForce(places, q(p)) })
		bbox := timeEach(pts, 300*time.Millisecond, func(p geo.Point) { sorted.nearest(q(p)) })
		h3 := timeEach(pts, 300*time.Millisecond, func(p geo.Point) {
			if _, err := ix.Search(ctx, geo.Query[*stores.Entry]{Point: p, RadiusM: benchRadius, Limit: benchLimit}); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(us(brute), "brute_us/query")
		b.ReportMetric(us(bbox), "bbox_us/query")
		b.ReportMetric(us(h3), "h3_us/query")
		b.ReportMetric(float64(brute)/float64(h3), "h3_vs_brute_x")
		b.ReportMetric(float64(bbox)/float64(h3), "h3_vs_bbox_x")
	}
}

// BenchmarkNearbySQL runs the same searches through the database on each
// engine: every row read and measured, a bounding-box WHERE on the (lat, lng)
// index, and the H3 rings as WHERE h3_r8 IN (...) on the indexed columns.
func BenchmarkNearbySQL(b *testing.B) {
	for _, engine := range storagetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := seeded(b, engine)
			ctx := context.Background()
			pts := queries(200)
			src := stores.SQLSource{Client: db.Client}
			for b.Loop() {
				brute := timeEach(pts[:3], 2*time.Second, func(p geo.Point) {
					geo.BruteForce(loadPlaces(b, db), geo.Query[*ent.Store]{Point: p, RadiusM: benchRadius, Limit: benchLimit})
				})
				bbox := timeEach(pts, time.Second, func(p geo.Point) {
					dLat := benchRadius / 111320.0
					dLng := dLat / cosDeg(p.Lat)
					rows, err := db.Client.Store.Query().Where(
						store.LatGTE(p.Lat-dLat), store.LatLTE(p.Lat+dLat), store.LngGTE(p.Lng-dLng), store.LngLTE(p.Lng+dLng)).All(ctx)
					if err != nil {
						b.Fatal(err)
					}
					band := make([]geo.Place[*ent.Store], 0, len(rows))
					for _, r := range rows {
						if r.DeletedAt == nil {
							band = append(band, geo.Place[*ent.Store]{ID: r.ID, Point: geo.Point{Lat: r.Lat, Lng: r.Lng}})
						}
					}
					geo.BruteForce(band, geo.Query[*ent.Store]{Point: p, RadiusM: benchRadius, Limit: benchLimit})
				})
				h3 := timeEach(pts, time.Second, func(p geo.Point) {
					if _, err := geo.Nearest(ctx, src, geo.Query[*stores.Entry]{Point: p, RadiusM: benchRadius, Limit: benchLimit}); err != nil {
						b.Fatal(err)
					}
				})
				b.ReportMetric(us(brute), "brute_us/query")
				b.ReportMetric(us(bbox), "bbox_us/query")
				b.ReportMetric(us(h3), "h3_us/query")
				b.ReportMetric(float64(brute)/float64(h3), "h3_vs_brute_x")
				b.ReportMetric(float64(bbox)/float64(h3), "h3_vs_bbox_x")
			}
		})
	}
}

// BenchmarkNearbyHTTP serves the app on the 100000 stores and compares the
// median latency of GET /api/v1/stores/nearby with GET /healthz on the same
// server, over real loopback HTTP (target: within 5×).
func BenchmarkNearbyHTTP(b *testing.B) {
	for _, engine := range storagetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			h := apitest.New(b, seeded(b, engine))
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			get := func(path string) time.Duration {
				start := time.Now()
				res, err := client.Get(h.URL + path)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("%s: %d", path, res.StatusCode)
				}
				return time.Since(start)
			}
			pts := queries(500)
			for b.Loop() {
				var health, near []time.Duration
				for i := range 2000 { // interleaved, so both see the same machine
					health = append(health, get("/healthz"))
					p := pts[i%len(pts)]
					near = append(near, get(fmt.Sprintf("/api/v1/stores/nearby?lat=%.6f&lng=%.6f", p.Lat, p.Lng)))
				}
				hp, np := median(health), median(near)
				b.ReportMetric(us(hp), "healthz_p50_us")
				b.ReportMetric(us(np), "nearby_p50_us")
				b.ReportMetric(float64(np)/float64(hp), "nearby_vs_healthz_x")
			}
		})
	}
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
