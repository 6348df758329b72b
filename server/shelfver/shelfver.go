// Package shelfver keeps the versions that say whether what a page of the
// catalogue shows (catalog.Shelves: a product's live SKUs, its prices at a
// store, whether it is available there) or what a cart line shows of its
// SKU (package cart: the names, the chain's price, the main picture,
// listed or gone) may have changed: one for the chain (products and SKUs)
// and one per store (its own prices, and which SKUs it has units of).
// Every write that changes one of those bumps a version in its own
// transaction. A reader that reads the versions before the shelves may
// keep what it read for as long as both versions stay what they were: a
// write that commits between the two reads is newer than the versions it
// is kept under, so the next read of the versions sees it move.
//
// The versions are rows of the counters table. A transaction bumps the
// store's version after the stock rows it writes and before products and
// the shopper's benefits (the lock order of package orders).
package shelfver

import (
	"context"
	"strconv"

	"wemart/ent"
	"wemart/ent/counter"
	"wemart/server/errs"
)

// chainKey is the counter of the chain's products and SKUs.
const chainKey = "shelves"

// storeKey is the counter of a store's prices and availability.
func storeKey(storeID int) string { return "shelves:" + strconv.Itoa(storeID) }

// Version is what the versions were when read.
type Version struct{ Chain, Store int64 }

// BumpChain moves the chain's version: a product or a SKU changed in a way
// a shelf or a cart line shows (listed or not, deleted, a SKU added,
// removed, renamed or repriced, the title or the main picture), or a bulk
// load wrote any number of them.
func BumpChain(ctx context.Context, client *ent.Client) error {
	return bump(ctx, client, chainKey)
}

// BumpStore moves storeID's version: its price of a SKU changed, or a SKU
// became available or unavailable there.
func BumpStore(ctx context.Context, client *ent.Client, storeID int) error {
	return bump(ctx, client, storeKey(storeID))
}

func bump(ctx context.Context, client *ent.Client, key string) (err error) {
	defer errs.Op(&err, "shelfver.bump")
	return client.Counter.Create().SetID(key).SetValue(1).OnConflictColumns(counter.FieldID).
		Update(func(u *ent.CounterUpsert) { u.AddValue(1) }).Exec(ctx)
}

// Read returns the chain's version and storeID's (0: no store, whose
// version is always 0), in one query.
func Read(ctx context.Context, client *ent.Client, storeID int) (_ Version, err error) {
	defer errs.Op(&err, "shelfver.Read")
	keys := []string{chainKey}
	if storeID != 0 {
		keys = append(keys, storeKey(storeID))
	}
	rows, err := client.Counter.Query().Where(counter.IDIn(keys...)).All(ctx)
	if err != nil {
		return Version{}, err
	}
	var v Version
	for _, r := range rows {
		if r.ID == chainKey {
			v.Chain = r.Value
		} else {
			v.Store = r.Value
		}
	}
	return v, nil
}

// ChainColumn is an SQL expression, the same in both dialects, whose value
// is the chain's version as Read gives it (NULL before the first bump:
// read it as 0). A query that selects it reads the version in the same
// snapshot as its rows, so what it reads of products and SKUs afterwards
// may be kept under that version.
func ChainColumn() string {
	return `(SELECT "` + counter.FieldValue + `" FROM "` + counter.Table + `" WHERE "` + counter.FieldID + `" = '` + chainKey + `')`
}
