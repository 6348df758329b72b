package storage

import (
	"context"
	stdsql "database/sql"
	"errors"
	"strings"
	"sync"

	"entgo.io/ent/dialect"
)

// serialTx hands out SQLite transactions, and lets single write statements
// outside transactions run, one at a time within the process. SQLite has one
// writer at a time anyway (wemart begins every transaction IMMEDIATE), but
// its busy handler polls with sleeps of up to 100 ms, so under contention a
// waiting writer idles long after the lock is free, and a lone UPDATE can
// starve behind a queue of transactions. A Go semaphore queues writers in
// the process instead and wakes the next one the moment the lock is free;
// the busy timeout still arbitrates between processes (a `wemart seed` next
// to a server). Reads outside transactions are not affected.
//
// Transactions and writes outside them run on writer, a pool of one
// connection (see openSQLite); reads outside transactions on the pool.
//
// The rules it adds: code holding a transaction must not write through
// the client outside it (it would wait for itself), nor write while it
// holds the rows of a writing query outside a transaction (an INSERT ...
// RETURNING: they hold the writer's one connection until closed). wemart
// does neither; on SQLite each was already a 10-second stall and a
// failure, and now waits until its context ends.
type serialTx struct {
	dialect.Driver
	writer dialect.Driver
	slot   chan struct{}
}

// newSerialTx returns reads (outside transactions) to d, transactions
// and writes to writer.
func newSerialTx(d, writer dialect.Driver) *serialTx {
	return &serialTx{Driver: d, writer: writer, slot: make(chan struct{}, 1)}
}

// Close closes both pools.
func (s *serialTx) Close() error {
	return errors.Join(s.Driver.Close(), s.writer.Close())
}

// Tx waits for the process's turn to write (or for ctx to end), then begins.
func (s *serialTx) Tx(ctx context.Context) (dialect.Tx, error) {
	if err := s.take(ctx); err != nil {
		return nil, err
	}
	tx, err := s.writer.Tx(ctx)
	if err != nil {
		s.give()
		return nil, err
	}
	return &serialized{Tx: tx, release: sync.OnceFunc(s.give)}, nil
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

// take waits for the process's turn to write, or for ctx to end.
func (s *serialTx) take(ctx context.Context) error {
	select {
	case s.slot <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *serialTx) give() { <-s.slot }

// writes reports whether a statement changes data (and so takes SQLite's
// write lock).
func writes(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	if len(q) < 6 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "INSERT", "UPDATE", "DELETE", "REPLAC":
		return true
	}
	return false
}

// Exec runs a statement outside a transaction, in turn if it writes.
func (s *serialTx) Exec(ctx context.Context, query string, args, v any) error {
	if writes(query) {
		if err := s.take(ctx); err != nil {
			return err
		}
		defer s.give()
		return s.writer.Exec(ctx, query, args, v)
	}
	return s.Driver.Exec(ctx, query, args, v)
}

// Query runs a query outside a transaction (an INSERT ... RETURNING is a
// write and waits its turn).
func (s *serialTx) Query(ctx context.Context, query string, args, v any) error {
	if writes(query) {
		if err := s.take(ctx); err != nil {
			return err
		}
		defer s.give()
		return s.writer.Query(ctx, query, args, v)
	}
	return s.Driver.Query(ctx, query, args, v)
}

// ExecContext is Exec for database/sql-level callers.
func (s *serialTx) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	if writes(query) {
		if err := s.take(ctx); err != nil {
			return nil, err
		}
		defer s.give()
		return s.writer.(execQuerier).ExecContext(ctx, query, args...)
	}
	return s.Driver.(execQuerier).ExecContext(ctx, query, args...)
}

// QueryContext passes through to the driver; a writing query runs on the
// writer. It waits its turn only until it returns its rows, but its rows
// hold the writer's connection until they are closed: the next write
// waits for that.
func (s *serialTx) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	if writes(query) {
		if err := s.take(ctx); err != nil {
			return nil, err
		}
		defer s.give()
		return s.writer.(execQuerier).QueryContext(ctx, query, args...)
	}
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
