package stores

import (
	"context"

	"wemart/ent"
	"wemart/ent/counter"
	"wemart/server/errs"
)

// counterName is the counter bumped by every change to any store.
const counterName = "stores"

// bumpVersion increments the stores counter inside tx and returns its new
// value, which the changed rows carry in their version column. On PostgreSQL
// the counter row stays locked until tx commits, so versions commit in order:
// a process that sees counter N sees every row of version ≤ N.
func bumpVersion(ctx context.Context, tx *ent.Tx) (int64, error) {
	err := tx.Counter.Create().SetID(counterName).SetValue(1).
		OnConflictColumns(counter.FieldID).
		Update(func(u *ent.CounterUpsert) { u.AddValue(1) }).
		Exec(ctx)
	if err != nil {
		return 0, err
	}
	c, err := tx.Counter.Get(ctx, counterName)
	if err != nil {
		return 0, err
	}
	return c.Value, nil
}

// BumpVersion is bumpVersion for bulk loaders (package seed) that write
// stores without this package.
func BumpVersion(ctx context.Context, tx *ent.Tx) (_ int64, err error) {
	defer errs.Op(&err, "stores.BumpVersion")
	return bumpVersion(ctx, tx)
}
