// Package indexer keeps the search index in step with the catalogue: changes
// enqueue products in the search outbox inside their own transactions
// (Enqueue), one process at a time applies the outbox in order (Service),
// and Reindex rebuilds a whole new index generation from the database while
// the current one keeps answering.
package indexer

import (
	"context"
	"slices"

	"wemart/ent"
	"wemart/ent/counter"
	"wemart/server/errs"
)

// Enqueue records, in the transaction client belongs to, that these
// products' search documents may have changed. Call it in the same
// transaction as the change, so the index cannot miss a committed change.
func Enqueue(ctx context.Context, client *ent.Client, productIDs ...int) (err error) {
	defer errs.Op(&err, "indexer.Enqueue")
	ids := slices.Clone(productIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return nil
	}
	rows := make([]*ent.SearchOutboxCreate, len(ids))
	for i, id := range ids {
		rows[i] = client.SearchOutbox.Create().SetProductID(id)
	}
	return client.SearchOutbox.CreateBulk(rows...).Exec(ctx)
}

// EnqueueUnlessUnbuilt is Enqueue for bulk loads (seed): it records nothing
// while no index generation has been built or started, since the first
// build reads every product from the database. It holds the rebuild
// counter's row (creating it at 0) until the transaction ends, so that a
// first build starting meanwhile waits for the transaction and then reads
// its products, or, started first, is seen here and the products queued.
func EnqueueUnlessUnbuilt(ctx context.Context, client *ent.Client, productIDs ...int) (err error) {
	defer errs.Op(&err, "indexer.EnqueueUnlessUnbuilt")
	if err := client.Counter.Create().SetID(buildKey).SetValue(0).OnConflictColumns(counter.FieldID).
		Update(func(u *ent.CounterUpsert) { u.AddValue(0) }).Exec(ctx); err != nil {
		return err
	}
	builds, err := counterValue(ctx, client, buildKey)
	if err != nil || builds == 0 {
		return err
	}
	return Enqueue(ctx, client, productIDs...)
}
