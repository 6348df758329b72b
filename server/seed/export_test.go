package seed

import (
	"context"
	"math/rand/v2"
	"time"

	"entgo.io/ent/dialect"

	"wemart/server/storage"
)

// RawStoreInsert is the floor BenchmarkSeedStores compares seeding with:
// the rows Synthetic makes for n stores from seed, made beforehand
// (untimed), written in one transaction through the same prepared multi-row
// INSERTs into the stores table with its secondary indexes dropped and not
// built again. It returns how long the writing took, commit included.
func RawStoreInsert(ctx context.Context, db *storage.DB, n int, seed uint64) (time.Duration, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	rows := make([][]any, 0, n)
	if err := storeRows(rng, n, 1, func(_ int, row ...any) error {
		rows = append(rows, row)
		return nil
	}); err != nil {
		return 0, err
	}
	start := time.Now()
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := dropIndexes(ctx, tx, db.Dialect, "stores"); err != nil {
		return 0, err
	}
	l := newBulkLoader(tx, db.Dialect, "stores", storeColumns)
	for _, row := range rows {
		if err := l.add(ctx, row...); err != nil {
			return 0, err
		}
	}
	if err := l.flush(ctx); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	if db.Dialect == dialect.SQLite {
		if _, err := db.SQL.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}
