package prices_test

import (
	"context"
	"testing"

	"wemart/ent"
	"wemart/schema/types"
	"wemart/server/prices"
	"wemart/server/storage/storagetest"
)

// BenchmarkRanges reads the price ranges of a store that prices 100 or 1000
// of 10000 products its own way (two SKUs each): what a price-sorted or
// price-filtered search at that store reads from the database.
func BenchmarkRanges(b *testing.B) {
	for _, engine := range storagetest.Engines() {
		for _, own := range []int{100, 1000} {
			b.Run(engine+"/"+map[int]string{100: "100", 1000: "1000"}[own], func(b *testing.B) {
				ctx := context.Background()
				db := storagetest.New(b, engine)
				c := db.Client
				st := c.Store.Create().SetName("S").SetLat(31).SetLng(121).SetH3R5(1).SetH3R7(1).SetH3R8(1).
					SetOpeningHours([]types.OpeningPeriod{}).SaveX(ctx)
				const products = 10000
				var ps []*ent.ProductCreate
				for range products {
					ps = append(ps, c.Product.Create().SetTitle("p"))
				}
				var ids []int
				for start := 0; start < products; start += 500 {
					for _, p := range c.Product.CreateBulk(ps[start : start+500]...).SaveX(ctx) {
						ids = append(ids, p.ID)
					}
				}
				var ks []*ent.SkuCreate
				for _, id := range ids {
					ks = append(ks, c.Sku.Create().SetProductID(id).SetName("a").SetPriceFen(100),
						c.Sku.Create().SetProductID(id).SetName("b").SetPriceFen(300))
				}
				var skus []*ent.Sku
				for start := 0; start < len(ks); start += 500 {
					skus = append(skus, c.Sku.CreateBulk(ks[start:start+500]...).SaveX(ctx)...)
				}
				var rows []*ent.StockCreate
				for i, k := range skus {
					r := c.Stock.Create().SetStoreID(st.ID).SetSkuID(k.ID).SetOnHand(5)
					if i%2 == 0 && i/2%(products/own) == 0 {
						r.SetPriceFen(200)
					}
					rows = append(rows, r)
				}
				for start := 0; start < len(rows); start += 500 {
					c.Stock.CreateBulk(rows[start : start+500]...).ExecX(ctx)
				}
				if _, err := db.SQL.ExecContext(ctx, "ANALYZE"); err != nil { // production tables have statistics
					b.Fatal(err)
				}
				svc := prices.New(c)
				for b.Loop() {
					r, err := svc.Ranges(ctx, st.ID, nil)
					if err != nil || len(r) != own {
						b.Fatalf("%d ranges, %v", len(r), err)
					}
				}
			})
		}
	}
}
