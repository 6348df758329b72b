package orders

import (
	"context"
	"fmt"
	"testing"

	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestReadKeysAtTheLimit: one shared read of sharedReadKeys (shopper,
// key) pairs — the most a read takes, padded with repeats — finds exactly
// the orders made with those pairs: not another shopper's order with the
// same key, not a key nobody used.
func TestReadKeysAtTheLimit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newService(t, db, Options{})
		a := db.Client.Shopper.Create().SetOpenid("o-keys-a").SaveX(ctx)
		b := db.Client.Shopper.Create().SetOpenid("o-keys-b").SaveX(ctx)
		store := bareStore(ctx, db)
		place := func(shopperID int, key string) int {
			return bareOrder(ctx, db, shopperID, store.ID, fmt.Sprintf("W-%s-%d", key, shopperID), key, "h-"+key).ID
		}
		used := map[shopperKey]int{}
		for i := range 40 { // shopper a used keys k0..k39; b used k0..k9 too
			used[shopperKey{a.ID, fmt.Sprintf("k%d", i)}] = place(a.ID, fmt.Sprintf("k%d", i))
			if i < 10 {
				used[shopperKey{b.ID, fmt.Sprintf("k%d", i)}] = place(b.ID, fmt.Sprintf("k%d", i))
			}
		}
		var asked []shopperKey
		for i := range sharedReadKeys - 6 {
			if i%2 == 0 {
				asked = append(asked, shopperKey{a.ID, fmt.Sprintf("k%d", i/2)})
			} else { // not b's k0..k4, which a asks for (a match on shoppers × keys would find them)
				asked = append(asked, shopperKey{b.ID, fmt.Sprintf("k%d", i/2+5)})
			}
		}
		asked = append(asked, shopperKey{a.ID + b.ID + 1, "k0"}) // nobody's
		for len(asked) < sharedReadKeys {
			asked = append(asked, asked[len(asked)-1]) // as the batch pads
		}
		got, err := s.readKeys(ctx, struct{}{}, asked)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, k := range asked {
			id, ok := used[k]
			if ok && (got[k].id != id || got[k].hash != "h-"+k.key) {
				t.Fatalf("%+v: got %+v, want order %d", k, got[k], id)
			}
			if _, found := got[k]; found != ok {
				t.Fatalf("%+v: found %v, used %v", k, found, ok)
			}
		}
		for k := range got {
			if _, ok := used[k]; ok {
				want++
			}
		}
		if len(got) != want || want != 40+5 {
			t.Fatalf("read %d orders, want the 45 asked for and used", len(got))
		}
	})
}
