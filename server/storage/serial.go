package storage

import (
	"context"
	stdsql "database/sql"
	"sync"

	"entgo.io/ent/dialect"
)

// serialTx hands out SQLite transactions one at a time within the process.
// SQLite has one writer at a time anyway (wemart begins every transaction
// IMMEDIATE), but its busy handler polls with sleeps of up to 100 ms, so
// under contention a waiting writer idles long after the lock is free. A Go
// semaphore queues writers in the process instead and wakes the next one
// the moment a transaction ends; the busy timeout still arbitrates between
// processes (a `wemart seed` next to a server). Reads outside transactions
// are not affected.
type serialTx struct {
	dialect.Driver
	slot chan struct{}
}

func newSerialTx(d dialect.Driver) *serialTx {
	return &serialTx{Driver: d, slot: make(chan struct{}, 1)}
}

// Tx waits for the process's turn to write (or for ctx to end), then begins.
func (s *serialTx) Tx(ctx context.Context) (dialect.Tx, error) {
	select {
	case s.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	tx, err := s.Driver.Tx(ctx)
	if err != nil {
		<-s.slot
		return nil, err
	}
	return &serialized{Tx: tx, release: sync.OnceFunc(func() { <-s.slot })}, nil
}

// serialized is a transaction that gives the turn back when it ends.
type serialized struct {
	dialect.Tx
	release func()
}

// Commit commits and gives the turn back.
func (t *serialized) Commit() error {
	defer t.release()
	return t.Tx.Commit()
}

// Rollback rolls back and gives the turn back.
func (t *serialized) Rollback() error {
	defer t.release()
	return t.Tx.Rollback()
}

// execQuerier is the database/sql-level access ent's sql driver and its
// transactions offer (ent's sql/execquery feature uses it).
type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
}

// ExecContext passes through to the driver.
func (s *serialTx) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	return s.Driver.(execQuerier).ExecContext(ctx, query, args...)
}

// QueryContext passes through to the driver.
func (s *serialTx) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	return s.Driver.(execQuerier).QueryContext(ctx, query, args...)
}

// ExecContext passes through to the transaction.
func (t *serialized) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	return t.Tx.(execQuerier).ExecContext(ctx, query, args...)
}

// QueryContext passes through to the transaction.
func (t *serialized) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	return t.Tx.(execQuerier).QueryContext(ctx, query, args...)
}
