package seed

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"wemart/ent"
	"wemart/ent/store"
	"wemart/server/errs"
	"wemart/server/geo"
	"wemart/server/indexer"
	"wemart/server/inventory"
	"wemart/server/shelfver"
	"wemart/server/storage"
	"wemart/server/stores"
)

// Spec sizes a synthetic data set. The same Spec always produces the same data.
type Spec struct {
	Stores   int
	Products int
	Seed     uint64
	// SkusPerProduct is the number of SKUs of each product (default 2).
	SkusPerProduct int
	// StockPerStore is how many SKUs each store stocks (default none).
	StockPerStore int
}

// Shanghai-sized area the synthetic stores spread over (GCJ-02): most cluster
// around the centre as a real chain does, the rest anywhere in the box.
const (
	centreLat, centreLng = 31.2304, 121.4737
	minLat, maxLat       = 30.70, 31.50
	minLng, maxLng       = 121.00, 121.90
)

// Synthetic loads spec's stores, categories, products, SKUs and stock into an
// empty database with multi-row inserts.
func Synthetic(ctx context.Context, db *storage.DB, spec Spec, progress Progress) (_ Summary, err error) {
	defer errs.Op(&err, "seed.Synthetic")
	if spec.SkusPerProduct <= 0 {
		spec.SkusPerProduct = 2
	}
	if spec.StockPerStore < 0 {
		spec.StockPerStore = 0
	}
	if ok, err := Empty(ctx, db); err != nil {
		return Summary{}, err
	} else if !ok {
		return Summary{}, ErrNotEmpty
	}
	rng := rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x5eed))
	var sum Summary

	storeIDs, err := syntheticStores(ctx, db, rng, spec.Stores, progress)
	if err != nil {
		return sum, err
	}
	sum.Stores = len(storeIDs)

	catIDs, err := syntheticCategories(ctx, db)
	if err != nil {
		return sum, err
	}
	sum.Categories = len(catIDs)

	skuIDs, products, err := syntheticProducts(ctx, db, rng, spec, catIDs, progress)
	if err != nil {
		return sum, err
	}
	sum.Products, sum.Skus = products, len(skuIDs)

	perStore := min(spec.StockPerStore, len(skuIDs))
	if perStore > 0 {
		lines := make([]inventory.Opening, 0, len(storeIDs)*perStore)
		for i, storeID := range storeIDs {
			// A window of consecutive SKUs, starting somewhere different per store.
			start := (i * 7919) % len(skuIDs)
			for j := range perStore {
				lines = append(lines, inventory.Opening{StoreID: storeID, SkuID: skuIDs[(start+j)%len(skuIDs)], OnHand: int64(rng.IntN(100))})
			}
		}
		if err := loadStock(ctx, db, lines, "synthetic seed", progress); err != nil {
			return sum, err
		}
		sum.StockRows = len(lines)
	}
	// Servers already running drop the shelves they keep (catalog.Shelves).
	if err := shelfver.BumpChain(ctx, db.Client); err != nil {
		return sum, err
	}
	return sum, analyze(ctx, db)
}

// syntheticPoint draws a store location: 70% normally around the centre,
// 30% uniformly over the box, always inside the box.
func syntheticPoint(rng *rand.Rand) geo.Point {
	for {
		var p geo.Point
		if rng.IntN(10) < 7 {
			p = geo.Point{Lat: centreLat + rng.NormFloat64()*0.10, Lng: centreLng + rng.NormFloat64()*0.12}
		} else {
			p = geo.Point{Lat: minLat + rng.Float64()*(maxLat-minLat), Lng: minLng + rng.Float64()*(maxLng-minLng)}
		}
		if p.Lat >= minLat && p.Lat <= maxLat && p.Lng >= minLng && p.Lng <= maxLng {
			// Six decimals (~0.1 m): what a map picker gives, and stable in text.
			p.Lat, p.Lng = math.Round(p.Lat*1e6)/1e6, math.Round(p.Lng*1e6)/1e6
			return p
		}
	}
}

var districts = []string{"黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区", "宝山区", "嘉定区", "浦东新区", "松江区"}
var streets = []string{"中山路", "人民路", "淮海路", "南京路", "延安路", "四川路", "世纪大道", "张杨路", "漕宝路", "长寿路"}

// storeColumns are the columns a synthetic store is inserted with, in the
// order storeGen.row gives their values (the others keep their defaults).
var storeColumns = []string{"created_at", "updated_at", "name", "address", "city", "phone", "lat", "lng",
	"h3_r5", "h3_r7", "h3_r8", "timezone", "opening_hours", "status", "pickup", "delivery",
	"delivery_radius_m", "delivery_fee_fen", "delivery_min_fen", "version"}

// syntheticStores inserts n synthetic stores in one bulk transaction (see
// bulkTx) and returns their ids in the order they were made.
func syntheticStores(ctx context.Context, db *storage.DB, rng *rand.Rand, n int, progress Progress) ([]int, error) {
	if n == 0 {
		return nil, nil
	}
	var ids []int
	err := bulkTx(ctx, db, func(tx *sql.Tx) (err error) {
		ids, err = storeLoad(ctx, tx, db.Dialect, rng, n, progress)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("insert stores: %w", err)
	}
	return ids, nil
}

// storeRows makes n synthetic stores of the given version and gives each
// row's values (in storeColumns order, as ent would write them: times in
// UTC, the opening hours as JSON) to add, with its number from 0.
func storeRows(rng *rand.Rand, n int, version int64, add func(i int, row ...any) error) error {
	hours, err := json.Marshal(stores.AllDay())
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for i := range n {
		p := syntheticPoint(rng)
		cells, err := geo.CellsOf(p)
		if err != nil {
			return err
		}
		radius := []int{0, 2000, 3000, 5000}[rng.IntN(4)]
		status := store.StatusOpen
		if rng.IntN(50) == 0 {
			status = store.StatusClosed
		}
		name := fmt.Sprintf("wemart 门店 %06d", i+1)
		address := fmt.Sprintf("上海市%s%s%d号", districts[rng.IntN(len(districts))], streets[rng.IntN(len(streets))], 1+rng.IntN(2000))
		pickup := rng.IntN(10) > 0
		err = add(i, now, now, name, address, "上海", "", p.Lat, p.Lng, cells.R5, cells.R7, cells.R8,
			"Asia/Shanghai", hours, string(status), pickup, radius > 0, radius, int64(radius/10), int64(0), version)
		if err != nil {
			return err
		}
	}
	return nil
}

func syntheticCategories(ctx context.Context, db *storage.DB) ([]int, error) {
	builders := make([]*ent.CategoryCreate, len(demoCatalogue))
	for i, c := range demoCatalogue {
		builders[i] = db.Client.Category.Create().SetName(c.name).SetSort(i)
	}
	cats, err := db.Client.Category.CreateBulk(builders...).Save(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(cats))
	for i, c := range cats {
		ids[i] = c.ID
	}
	return ids, nil
}

// Synthetic product titles mix a brand, a demo product line and an English
// word, so Chinese, English and mixed queries all find a spread of results.
var flavours = []string{"原味", "低糖", "经典", "家庭装", "便携装", "有机", "进口", "限定", "清爽", "浓香"}
var english = []string{"Classic", "Organic", "Fresh", "Premium", "Lite", "Family", "Mini", "Gold", "Select", "Daily"}

func syntheticProducts(ctx context.Context, db *storage.DB, rng *rand.Rand, spec Spec, catIDs []int, progress Progress) ([]int, int, error) {
	var items []demoItem
	var itemCat []int
	for ci, c := range demoCatalogue {
		for _, it := range c.items {
			items = append(items, it)
			itemCat = append(itemCat, catIDs[ci])
		}
	}
	skuIDs := make([]int, 0, spec.Products*spec.SkusPerProduct)
	barcode := int64(692000000000)
	made := 0
	for start := 0; start < spec.Products; start += batchSize {
		size := min(batchSize, spec.Products-start)
		picks := make([]int, size)
		err := storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
			builders := make([]*ent.ProductCreate, size)
			for i := range builders {
				k := rng.IntN(len(items))
				picks[i] = k
				title := fmt.Sprintf("%s %s %s #%d", items[k].title, flavours[rng.IntN(len(flavours))],
					english[rng.IntN(len(english))], start+i+1)
				builders[i] = tx.Product.Create().SetTitle(title).SetCategoryID(itemCat[k]).
					SetImages([]string{}).SetSales(int64(rng.IntN(5000)))
			}
			products, err := tx.Product.CreateBulk(builders...).Save(ctx)
			if err != nil {
				return fmt.Errorf("insert products: %w", err)
			}
			skus := make([]*ent.SkuCreate, 0, size*spec.SkusPerProduct)
			for i, p := range products {
				base := items[picks[i]].skus[0].priceFen
				for j := range spec.SkusPerProduct {
					barcode++
					code := ean13(barcode)
					price := base*int64(j+1) + int64(rng.IntN(200))
					skus = append(skus, tx.Sku.Create().SetProductID(p.ID).SetName(fmt.Sprintf("规格%d", j+1)).
						SetPriceFen(price).SetBarcode(code).SetSort(j))
				}
			}
			ids := make([]int, len(products))
			for i, p := range products {
				ids[i] = p.ID
			}
			if err := indexer.EnqueueUnlessUnbuilt(ctx, tx.Client(), ids...); err != nil {
				return err
			}
			for from := 0; from < len(skus); from += batchSize {
				created, err := tx.Sku.CreateBulk(skus[from:min(from+batchSize, len(skus))]...).Save(ctx)
				if err != nil {
					return fmt.Errorf("insert SKUs: %w", err)
				}
				for _, k := range created {
					skuIDs = append(skuIDs, k.ID)
				}
			}
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
		made += size
		progress.report("products", made, spec.Products)
	}
	return skuIDs, made, nil
}
