package seed

import (
	"context"
	"fmt"
	"math/rand/v2"

	"wemart/schema/types"
	"wemart/server/catalog"
	"wemart/server/coupons"
	"wemart/server/errs"
	"wemart/server/inventory"
	"wemart/server/media"
	"wemart/server/shelfver"
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
	var dairy int
	for ci, c := range demoCatalogue {
		category, err := cat.CreateCategory(ctx, catalog.CategoryInput{Name: c.name, Sort: ci})
		if err != nil {
			return sum, err
		}
		if c.name == "乳品" {
			dairy = category.ID
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
	if sum.Coupons, err = demoCoupons(ctx, db, dairy); err != nil {
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
	// Servers already running drop the shelves they keep (catalog.Shelves).
	if err := shelfver.BumpChain(ctx, db.Client); err != nil {
		return sum, err
	}
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

// demoCoupons are coupon templates for the coupon centre to show: a
// welcome coupon, a spend-more coupon and a percent off the dairy shelf.
func demoCoupons(ctx context.Context, db *storage.DB, dairy int) (int, error) {
	svc := coupons.New(db.Client, nil)
	templates := []coupons.TemplateInput{
		{Name: "新人专享 满20减5", Description: "全场通用", DiscountFen: ptr[int64](500), MinSpendFen: ptr[int64](2000),
			Total: ptr(100000), PerShopper: ptr(1), ValidDays: ptr(7)},
		{Name: "满99减15", Description: "全场通用，每人可领 2 张", DiscountFen: ptr[int64](1500), MinSpendFen: ptr[int64](9900),
			Total: ptr(100000), PerShopper: ptr(2), ValidDays: ptr(14)},
		{Name: "乳品 9 折", Description: "乳品类商品九折，最多减 ¥10", PercentOff: ptr(10), MaxDiscountFen: ptr[int64](1000),
			MinSpendFen: ptr[int64](0), Total: ptr(100000), PerShopper: ptr(1), ValidDays: ptr(7), CategoryIDs: []int{dairy}},
	}
	for i, in := range templates {
		if _, err := svc.CreateTemplate(ctx, in); err != nil {
			return i, fmt.Errorf("coupon template %s: %w", in.Name, err)
		}
	}
	return len(templates), nil
}

func daily(open, close string) []types.OpeningPeriod {
	out := make([]types.OpeningPeriod, 7)
	for i := range out {
		out[i] = types.OpeningPeriod{Weekday: i + 1, Open: open, Close: close}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
