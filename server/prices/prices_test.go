package prices_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"wemart/ent/product"
	"wemart/schema/types"
	"wemart/search"
	"wemart/server/errs"
	"wemart/server/prices"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestRanges: a product's range at a store takes each live SKU at the
// store's own price where it has one, else the chain price; products
// without a price of the store's own, unlisted or deleted ones are absent.
func TestRanges(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		c := db.Client
		newStore := func() int {
			return c.Store.Create().SetName("S").SetLat(31).SetLng(121).SetH3R5(1).SetH3R7(1).SetH3R8(1).
				SetOpeningHours([]types.OpeningPeriod{}).SaveX(ctx).ID
		}
		a, b := newStore(), newStore()
		sku := func(productID int, fen int64) int {
			k := c.Sku.Create().SetProductID(productID).SetName("x").SetPriceFen(fen).SaveX(ctx)
			for _, st := range []int{a, b} {
				c.Stock.Create().SetStoreID(st).SetSkuID(k.ID).SetOnHand(1).ExecX(ctx)
			}
			return k.ID
		}
		milk := c.Product.Create().SetTitle("milk").SaveX(ctx).ID
		small, big := sku(milk, 100), sku(milk, 300)
		gone := sku(milk, 50)
		c.Sku.UpdateOneID(gone).SetDeletedAt(time.Now().UTC()).ExecX(ctx)
		hidden := c.Product.Create().SetTitle("hidden").SetStatus(product.StatusUnlisted).SaveX(ctx).ID
		hiddenSku := sku(hidden, 100)
		plain := c.Product.Create().SetTitle("plain").SaveX(ctx).ID
		sku(plain, 700)

		svc := prices.New(c)
		by := prices.Staff(1)
		set := func(store, k int, fen int64) {
			t.Helper()
			if _, err := svc.Set(ctx, by, store, k, prices.SetInput{PriceFen: &fen}); err != nil {
				t.Fatal(err)
			}
		}
		set(a, small, 500) // dearer than the big pack at A
		set(a, hiddenSku, 10)
		set(b, big, 90)
		if _, err := svc.Set(ctx, by, a, gone, prices.SetInput{PriceFen: new(int64)}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a deleted SKU priced: %v", err)
		}

		got, err := svc.Ranges(ctx, a, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[int]search.PriceRange{milk: {MinFen: 300, MaxFen: 500}}; !reflect.DeepEqual(got, want) {
			t.Fatalf("ranges at A: %v, want %v", got, want)
		}
		if got, _ = svc.Ranges(ctx, b, nil); !reflect.DeepEqual(got, map[int]search.PriceRange{milk: {MinFen: 90, MaxFen: 100}}) {
			t.Fatalf("ranges at B: %v", got)
		}
		if got, _ = svc.Ranges(ctx, a, []int{plain}); len(got) != 0 {
			t.Fatalf("ranges at A of the plain product only: %v", got)
		}
		if got, _ = svc.Ranges(ctx, a, []int{}); len(got) != 0 {
			t.Fatalf("ranges of no products: %v", got)
		}
		if err := svc.Clear(ctx, by, a, small); err != nil {
			t.Fatal(err)
		}
		if got, _ = svc.Ranges(ctx, a, nil); len(got) != 0 {
			t.Fatalf("ranges at A after dropping its price: %v", got)
		}
	})
}

func TestEffective(t *testing.T) {
	own := int64(0)
	if prices.Effective(100, nil) != 100 || prices.Effective(100, &own) != 0 {
		t.Fatal("a store's own price (even a free one) beats the chain's; none leaves the chain's")
	}
}
