package seed

import (
	"context"
	"fmt"
	"math/rand/v2"

	"wemart/schema/types"
	"wemart/server/catalog"
	"wemart/server/errs"
	"wemart/server/inventory"
	"wemart/server/media"
	"wemart/server/storage"
	"wemart/server/stores"
	"wemart/server/synonyms"
)

// Demo loads the demo chain into an empty database, through the same services
// staff use, so the demo obeys every rule real data does: every product
// with a picture (DemoPictures), kept in store. It is deterministic.
func Demo(ctx context.Context, db *storage.DB, store media.Store, progress Progress) (_ Summary, err error) {
	defer errs.Op(&err, "seed.Demo")
	if ok, err := Empty(ctx, db); err != nil {
		return Summary{}, err
	} else if !ok {
		return Summary{}, ErrNotEmpty
	}
	var sum Summary
	rng := rand.New(rand.NewPCG(2026, 11))
	storeSvc, err := stores.New(db, nil)
	if err != nil {
		return Summary{}, err
	}
	cat := catalog.New(db.Client)

	var storeIDs []int
	for i, s := range demoStores {
		in := stores.Input{
			Name: "wemart " + s.name, Address: "上海市" + s.address, City: "上海",
			Phone: fmt.Sprintf("021-6%03d%04d", 100+i, 1000+i*37), Lat: &s.lat, Lng: &s.lng,
			Pickup: ptr(true), Delivery: ptr(s.delivery),
		}
		if !s.allDay {
			in.OpeningHours = daily("07:00", "23:00")
		}
		if s.delivery {
			in.DeliveryRadiusM, in.DeliveryFeeFen, in.DeliveryMinFen = 3000, 500, 2000
		}
		st, err := storeSvc.Create(ctx, in)
		if err != nil {
			return sum, fmt.Errorf("store %s: %w", s.name, err)
		}
		storeIDs = append(storeIDs, st.ID)
		progress.report("stores", i+1, len(demoStores))
	}
	sum.Stores = len(storeIDs)

	var skuIDs []int
	total := 0
	for _, c := range demoCatalogue {
		total += len(c.items)
	}
	barcode := int64(690123400000)
	for ci, c := range demoCatalogue {
		category, err := cat.CreateCategory(ctx, catalog.CategoryInput{Name: c.name, Sort: ci})
		if err != nil {
			return sum, err
		}
		sum.Categories++
		for _, it := range c.items {
			in := catalog.ProductInput{Title: it.title, CategoryID: &category.ID, Aliases: demoAliases[it.title],
				Description: it.title + "，门店现货，支持到店自提与同城配送。"}
			for _, k := range it.skus {
				barcode++
				code := ean13(barcode)
				in.Skus = append(in.Skus, catalog.SkuInput{Name: k.name, PriceFen: &k.priceFen, Barcode: &code})
			}
			p, err := cat.CreateProduct(ctx, in)
			if err != nil {
				return sum, fmt.Errorf("product %s: %w", it.title, err)
			}
			sum.Products++
			for _, k := range p.Edges.Skus {
				skuIDs = append(skuIDs, k.ID)
			}
			progress.report("products", sum.Products, total)
		}
	}
	sum.Skus = len(skuIDs)
	if sum.Synonyms, err = DemoSynonyms(ctx, db); err != nil {
		return sum, err
	}
	if sum.Pictures, err = DemoPictures(ctx, db, store); err != nil {
		return sum, err
	}
	progress.report("pictures", sum.Pictures, sum.Products)

	// Every store stocks every SKU; a few run low so the low-stock list has
	// something to show.
	lines := make([]inventory.Opening, 0, len(storeIDs)*len(skuIDs))
	for _, storeID := range storeIDs {
		for _, skuID := range skuIDs {
			n := int64(5 + rng.IntN(60))
			if rng.IntN(20) == 0 {
				n = int64(rng.IntN(4))
			}
			lines = append(lines, inventory.Opening{StoreID: storeID, SkuID: skuID, OnHand: n})
		}
	}
	if err := loadStock(ctx, db, lines, "demo opening stock", progress); err != nil {
		return sum, err
	}
	sum.StockRows = len(lines)
	return sum, analyze(ctx, db)
}

// DemoSynonyms gives the search the demo's synonym groups (可乐, coke, cola;
// 方便面, 泡面, instant noodles; ...) when there are no groups at all, and
// returns how many it created: seeding the demo runs it, and so does
// `wemart seed --demo --if-empty` on a database seeded before the demo had
// them. Groups staff made, or changed, are never touched; a list staff
// emptied is filled again by the latter.
func DemoSynonyms(ctx context.Context, db *storage.DB) (int, error) {
	groups := make([]synonyms.Input, len(demoSynonyms))
	for i, terms := range demoSynonyms {
		groups[i] = synonyms.Input{Terms: terms}
	}
	return synonyms.New(db.Client).SeedIfEmpty(ctx, groups)
}

func daily(open, close string) []types.OpeningPeriod {
	out := make([]types.OpeningPeriod, 7)
	for i := range out {
		out[i] = types.OpeningPeriod{Weekday: i + 1, Open: open, Close: close}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
