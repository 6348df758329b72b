package stores

import (
	"context"
	"database/sql"

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

// bumpVersionSQL is the statement of bumpVersion in plain SQL (the same text
// on SQLite, which has had UPSERT and RETURNING since 3.35, and PostgreSQL).
const bumpVersionSQL = "INSERT INTO counters (id, value) VALUES ('" + counterName + "', 1) " +
	"ON CONFLICT (id) DO UPDATE SET value = counters.value + 1 RETURNING value"

// BumpVersionSQL is BumpVersion for bulk loaders that write stores through
// database/sql rather than ent: it bumps the stores counter inside tx and
// returns the value the rows written in tx must carry as their version.
func BumpVersionSQL(ctx context.Context, tx *sql.Tx) (_ int64, err error) {
	defer errs.Op(&err, "stores.BumpVersionSQL")
	var v int64
	err = tx.QueryRowContext(ctx, bumpVersionSQL).Scan(&v)
	return v, err
}
