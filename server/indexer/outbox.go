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
