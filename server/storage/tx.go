package storage

import (
	"context"
	"fmt"

	"wemart/ent"
)

// WithTx runs fn in a transaction of client and commits when fn returns nil;
// on an error or a panic it rolls back. Every multi-row change in wemart (a
// stock change and its ledger row, an order and its reservations) goes through
// here, so it is all or nothing.
func WithTx(ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) error) (err error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return fmt.Errorf("%w (rollback: %v)", err, rerr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}
