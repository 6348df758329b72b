package storage

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// serialTx hands out SQLite transactions, and lets single write statements
// outside transactions run, one at a time within the process. SQLite has one
// writer at a time anyway (wemart begins every transaction IMMEDIATE), but
// its busy handler polls with sleeps of up to 100 ms, so under contention a
// waiting writer idles long after the lock is free, and a lone UPDATE can
// starve behind a queue of transactions. A Go semaphore (the slot) queues
// writers in the process instead and wakes the next one the moment the
// lock is free; the busy timeout still arbitrates between processes (a
// `wemart seed` next to a server). Reads outside transactions are not
// affected.
//
// Transactions and writes outside them run on writer, a pool of one
// connection (see openSQLite); reads outside transactions on the pool.
//
// Group commit: the transactions that queue for the slot while one runs
// share its commit. Each is a savepoint (SAVEPOINT, then RELEASE or
// ROLLBACK TO) in a transaction on the writer, the group; a transaction
// that ends while others wait hands the slot on with the group still
// open, and the group commits when the last of those ends (or it holds
// maxGroup, or began maxGroupAge ago). A committing transaction returns when its group has
// committed, with the group's outcome: no caller hears "committed" before
// its writes are, and if the commit fails, every transaction of the group
// fails. A commit is most of the cost of a small SQLite transaction (the
// log frames of every page it touched, which the transactions of a group
// share: the last leaf of each index, the hot stock rows), so under load
// the writes cost a fraction of what they did; an idle process commits
// each at once. What a transaction of a group sees of the ones before it
// is what it would see had they committed: they ran before it, one at a
// time. Statements in a transaction run to the end even if their caller's
// context ends: SQLite interrupts a statement by rolling back the whole
// transaction, which is the group's. A statement failing in a way that
// makes SQLite roll the transaction back (a full disk, an I/O error, out
// of memory, busy) fails the group at once: no later statement of the
// transaction runs outside it. The price: a transaction's Commit can wait
// for the transactions that began within maxGroupAge after it ended, to
// their end, long or short.
//
// The rules it adds: code holding a transaction must not write through
// the client outside it (it would wait for itself), nor write while it
// holds the rows of a writing query outside a transaction (an INSERT ...
// RETURNING: they hold the writer's one connection until closed). wemart
// does neither; on SQLite each was already a 10-second stall and a
// failure, and now waits until its context ends. And a transaction must
// not wait for another goroutine's transaction to commit: that one may
// be waiting for its group, which waits for this one to end.
type serialTx struct {
	dialect.Driver
	writer *stdsql.DB
	slot   chan struct{}
	// waiting counts the goroutines waiting for the slot.
	waiting atomic.Int32
	// open is the group transactions join, or nil; only the slot's
	// holder reads or changes it.
	open *group
	// commits counts the groups committed (tests read it).
	commits atomic.Int64
}

// maxGroup and maxGroupAge cap a group: no transaction joins one that
// holds maxGroup, or that began maxGroupAge ago, so that the first of them
// waits for few others.
const (
	maxGroup    = 32
	maxGroupAge = 5 * time.Millisecond
)

// closeWait bounds how long Close waits for a running transaction.
const closeWait = 5 * time.Second

// savepoint names each transaction's savepoint in its group.
const savepoint = "wemart_tx"

// group is a transaction on the writer whose commit transactions share.
type group struct {
	conn    *stdsql.Conn
	tx      *stdsql.Tx
	began   time.Time
	members int           // transactions that joined it
	flusher bool          // a flush is queued for it
	done    chan struct{} // closed when it committed or failed
	err     error         // its outcome, once done
}

// newSerialTx returns reads (outside transactions) to d, transactions
// and writes to writer.
func newSerialTx(d dialect.Driver, writer *stdsql.DB) *serialTx {
	return &serialTx{Driver: d, writer: writer, slot: make(chan struct{}, 1)}
}

// Close commits an open group, then closes both pools. It waits for a
// transaction still running at most closeWait (closing under one fails it).
func (s *serialTx) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeWait)
	defer cancel()
	if s.take(ctx) == nil {
		if g := s.open; g != nil {
			s.commit(g)
		}
		s.give()
	}
	return errors.Join(s.Driver.Close(), s.writer.Close())
}

// Tx waits for the process's turn to write (or for ctx to end), then
// begins: a savepoint in the open group, or a new group.
func (s *serialTx) Tx(ctx context.Context) (dialect.Tx, error) {
	if err := s.take(ctx); err != nil {
		return nil, err
	}
	g, err := s.join(ctx)
	if err != nil {
		s.give()
		return nil, err
	}
	return &member{s: s, g: g, eq: entsql.Conn{ExecQuerier: g.tx}}, nil
}

// join begins a transaction in the open group, or in a new one (the
// caller holds the slot).
func (s *serialTx) join(ctx context.Context) (*group, error) {
	if s.open == nil {
		// The connection is waited for as long as ctx allows; the
		// transaction outlives ctx (it is the group's).
		conn, err := s.writer.Conn(ctx)
		if err != nil {
			return nil, err
		}
		tx, err := conn.BeginTx(context.Background(), nil)
		if err != nil {
			conn.Close()
			return nil, err
		}
		s.open = &group{conn: conn, tx: tx, began: time.Now(), done: make(chan struct{})}
	}
	g := s.open
	if _, err := g.tx.Exec("SAVEPOINT " + savepoint); err != nil {
		s.fail(g, err)
		return nil, err
	}
	g.members++
	return g, nil
}

// settle, by the slot's holder after a transaction of g ended, commits g
// unless writers wait for the slot and g has room: then the slot passes
// on with g open, and a flush queued behind those writers commits it if
// none of them does.
func (s *serialTx) settle(g *group) {
	waiting := s.waiting.Load()
	if g.flusher {
		waiting-- // the flush is not a writer to wait for
	}
	if waiting > 0 && g.members < maxGroup && time.Since(g.began) < maxGroupAge {
		if !g.flusher {
			g.flusher = true
			go s.flush(g)
		}
		s.give()
		return
	}
	s.commit(g)
	s.give()
}

// flush commits g when its turn comes, unless g ended before.
func (s *serialTx) flush(g *group) {
	_ = s.take(context.Background())
	if s.open == g {
		s.commit(g)
	}
	s.give()
}

// commit commits g and tells its transactions (the caller holds the slot).
func (s *serialTx) commit(g *group) {
	s.open = nil
	s.commits.Add(1)
	g.err = g.tx.Commit()
	if g.err != nil {
		g.err = fmt.Errorf("commit (shared by %d transactions): %w", g.members, g.err)
	}
	g.conn.Close()
	close(g.done)
}

// fail ends g after err left it in a state no transaction of it can
// commit from: it rolls back, and each of its transactions that ended
// in a commit fails with err (the caller holds the slot).
func (s *serialTx) fail(g *group, err error) {
	s.open = nil
	_ = g.tx.Rollback()
	g.conn.Close()
	g.err = fmt.Errorf("a transaction sharing this one's commit failed: %w", err)
	close(g.done)
}

// inTx runs a write outside a transaction as a transaction of its own, so
// that it joins the open group.
func (s *serialTx) inTx(ctx context.Context, write func(m *member) error) error {
	tx, err := s.Tx(ctx)
	if err != nil {
		return err
	}
	m := tx.(*member)
	if err := write(m); err != nil {
		if rerr := m.Rollback(); rerr != nil {
			return fmt.Errorf("%w (rollback: %v)", err, rerr)
		}
		return err
	}
	return m.Commit()
}

// member is one transaction in a group.
type member struct {
	s      *serialTx
	g      *group
	eq     entsql.Conn
	ended  bool
	failed error // a statement's failure that ended the group
}

// Exec runs a statement in the transaction, to its end.
func (m *member) Exec(ctx context.Context, query string, args, v any) error {
	if m.ended {
		return stdsql.ErrTxDone
	}
	return m.check(m.eq.Exec(context.WithoutCancel(ctx), query, args, v))
}

// Query runs a query in the transaction, to its end.
func (m *member) Query(ctx context.Context, query string, args, v any) error {
	if m.ended {
		return stdsql.ErrTxDone
	}
	return m.check(m.eq.Query(context.WithoutCancel(ctx), query, args, v))
}

// ExecContext is Exec for database/sql-level callers.
func (m *member) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	if m.ended {
		return nil, stdsql.ErrTxDone
	}
	res, err := m.g.tx.ExecContext(context.WithoutCancel(ctx), query, args...)
	return res, m.check(err)
}

// QueryContext is Query for database/sql-level callers.
func (m *member) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	if m.ended {
		return nil, stdsql.ErrTxDone
	}
	rows, err := m.g.tx.QueryContext(context.WithoutCancel(ctx), query, args...)
	return rows, m.check(err)
}

// check fails the group at once when err is a failure after which SQLite
// rolls a transaction back by itself (so that no later statement of this
// one runs outside any transaction), and returns err.
func (m *member) check(err error) error {
	if err != nil && m.failed == nil && m.s.open == m.g && rolledBack(err) {
		m.failed = err
		m.s.fail(m.g, err)
	}
	return err
}

// rolledBack reports an SQLite failure after which SQLite may have rolled
// the transaction back: a full disk, an I/O error, out of memory, an
// interrupt, busy, a corrupt file.
func rolledBack(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_INTERRUPT,
		sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CORRUPT:
		return true
	}
	return false
}

// Commit releases the transaction's savepoint, passes the slot on and
// returns once its group committed, with the group's outcome.
func (m *member) Commit() error {
	if m.ended {
		return stdsql.ErrTxDone
	}
	m.ended = true
	if m.failed != nil {
		m.s.give()
		return m.failed
	}
	g := m.g
	if _, err := g.tx.Exec("RELEASE " + savepoint); err != nil {
		m.s.fail(g, err)
		m.s.give()
		return err
	}
	m.s.settle(g)
	<-g.done
	return g.err
}

// Rollback undoes the transaction (not the others of its group) and
// passes the slot on.
func (m *member) Rollback() error {
	if m.ended {
		return stdsql.ErrTxDone
	}
	m.ended = true
	if m.failed != nil {
		m.s.give()
		return nil // the group rolled back already
	}
	g := m.g
	_, err := g.tx.Exec("ROLLBACK TO " + savepoint)
	if err == nil {
		_, err = g.tx.Exec("RELEASE " + savepoint)
	}
	if err != nil {
		m.s.fail(g, err)
		m.s.give()
		return err
	}
	m.s.settle(g)
	return nil
}

// execQuerier is the database/sql-level access ent's sql driver and its
// transactions offer (ent's sql/execquery feature uses it).
type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
}

// take waits for the process's turn to write, or for ctx to end.
func (s *serialTx) take(ctx context.Context) error {
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
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

// Exec runs a statement outside a transaction; one that writes runs as a
// transaction of its own (joining the open group).
func (s *serialTx) Exec(ctx context.Context, query string, args, v any) error {
	if writes(query) {
		return s.inTx(ctx, func(m *member) error { return m.Exec(ctx, query, args, v) })
	}
	return s.Driver.Exec(ctx, query, args, v)
}

// Query runs a query outside a transaction. A writing one (an INSERT ...
// RETURNING) waits its turn, and has the open group commit first: its rows
// are read after it returns, on the writer's one connection.
func (s *serialTx) Query(ctx context.Context, query string, args, v any) error {
	if writes(query) {
		if err := s.takeAlone(ctx); err != nil {
			return err
		}
		defer s.give()
		return entsql.Conn{ExecQuerier: s.writer}.Query(ctx, query, args, v)
	}
	return s.Driver.Query(ctx, query, args, v)
}

// ExecContext is Exec for database/sql-level callers.
func (s *serialTx) ExecContext(ctx context.Context, query string, args ...any) (res stdsql.Result, err error) {
	if writes(query) {
		err = s.inTx(ctx, func(m *member) error {
			res, err = m.ExecContext(ctx, query, args...)
			return err
		})
		return res, err
	}
	return s.Driver.(execQuerier).ExecContext(ctx, query, args...)
}

// QueryContext is Query for database/sql-level callers. A writing query
// waits its turn only until it returns its rows, but its rows hold the
// writer's connection until they are closed: the next write waits for that.
func (s *serialTx) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	if writes(query) {
		if err := s.takeAlone(ctx); err != nil {
			return nil, err
		}
		defer s.give()
		return s.writer.QueryContext(ctx, query, args...)
	}
	return s.Driver.(execQuerier).QueryContext(ctx, query, args...)
}

// takeAlone takes the slot for a write outside any group: the open group
// commits first.
func (s *serialTx) takeAlone(ctx context.Context) error {
	if err := s.take(ctx); err != nil {
		return err
	}
	if g := s.open; g != nil {
		s.commit(g)
	}
	return nil
}
