package storage

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"time"

	"wemart/ent"
	"wemart/ent/shopper"
	"wemart/server/errs"
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

// Skipped reports whether err is how an INSERT ... ON CONFLICT DO NOTHING
// says it inserted nothing: ent reads the new row's id back, and there is none.
// Callers that upsert this way treat it as "someone else inserted it first".
func Skipped(err error) bool { return errors.Is(err, stdsql.ErrNoRows) }

// LockShopper writes the shopper's row first thing in a transaction: on
// PostgreSQL the row lock is held until the transaction ends, so one
// shopper's limited writes (checkouts, cart lines, addresses) take turns
// and a count-then-insert inside counts what the others committed. SQLite
// runs one writer at a time anyway. One statement.
func LockShopper(ctx context.Context, tx *ent.Tx, shopperID int) (err error) {
	defer errs.Op(&err, "storage.LockShopper")
	n, err := tx.Shopper.Update().Where(shopper.ID(shopperID)).SetUpdatedAt(time.Now().UTC()).Save(ctx)
	if err == nil && n == 0 {
		return ShopperGone()
	}
	return err
}

// ShopperGone is the error for a request by a shopper whose row is not
// there (deleted since the token was issued): 401, as for a bad token.
func ShopperGone() error {
	return errs.E(errs.Unauthenticated, "this shopper no longer exists; log in again")
}
