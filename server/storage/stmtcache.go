package storage

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"strings"
)

// StmtCacheSize is how many prepared statements each SQLite connection
// keeps (least recently used first out). ent's statements are a few
// hundred texts in all; an IN list of every length is a text of its own.
const StmtCacheSize = 256

// stmtConnector opens SQLite connections that keep their prepared
// statements: SQLite spends longer parsing and planning a typical ent
// query than running it, and database/sql prepares every statement
// afresh and finalizes it after one use. Each connection keeps an LRU of
// prepared statements by query text, closes a statement on eviction and
// all of them with the connection. Correct by construction where it
// matters:
//
//   - a connection is used by one goroutine at a time (database/sql's
//     rule), transactions included: a statement prepared outside a
//     transaction runs inside one on the same connection as SQLite allows;
//   - a statement whose rows are still open is busy: the same text asked
//     for again meanwhile (a query nested in a row loop) runs uncached;
//   - a schema change (a migration, another process's) makes SQLite
//     re-prepare the statement at its next step (sqlite3_prepare_v2's
//     contract); a statement that fails is dropped from the cache, so an
//     error is never served from it twice;
//   - only single data statements (SELECT, INSERT, UPDATE, DELETE, WITH,
//     REPLACE) are cached; scripts, DDL and PRAGMAs run as before.
type stmtConnector struct {
	driver.Connector
	size int
}

// Connect opens a connection with its statement cache.
func (c stmtConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newStmtConn(conn, c.size)
}

// sqliteConn is what wemart needs of a modernc.org/sqlite connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtConn is a connection with a statement cache.
type stmtConn struct {
	sqliteConn
	size  int
	lru   *list.List // of *cachedStmt, most recently used first
	byKey map[string]*list.Element
}

type cachedStmt struct {
	query string
	stmt  driver.Stmt
	busy  bool // its rows are open
}

func newStmtConn(conn driver.Conn, size int) (driver.Conn, error) {
	c, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, errors.New("storage: the sqlite driver's connection lacks an interface the statement cache needs")
	}
	return &stmtConn{sqliteConn: c, size: size, lru: list.New(), byKey: map[string]*list.Element{}}, nil
}

// cacheable reports whether query is a single data statement worth keeping.
func cacheable(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	if len(q) < 4 {
		return false
	}
	if i := strings.IndexByte(q, ';'); i >= 0 && strings.TrimSpace(q[i+1:]) != "" {
		return false // a script
	}
	switch {
	case len(q) >= 6 && (strings.EqualFold(q[:6], "SELECT") || strings.EqualFold(q[:6], "INSERT") ||
		strings.EqualFold(q[:6], "UPDATE") || strings.EqualFold(q[:6], "DELETE")):
		return true
	case len(q) >= 7 && strings.EqualFold(q[:7], "REPLACE"):
		return true
	case strings.EqualFold(q[:4], "WITH"):
		return true
	}
	return false
}

// get returns the idle cached statement of query, preparing it if need be;
// nil (and no error) when the cached one is busy or query is not cached.
func (c *stmtConn) get(ctx context.Context, query string) (*cachedStmt, error) {
	if !cacheable(query) {
		return nil, nil
	}
	if e, ok := c.byKey[query]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		return cs, nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{query: query, stmt: st}
	c.byKey[query] = c.lru.PushFront(cs)
	for c.lru.Len() > c.size {
		if !c.evict(c.lru.Back().Value.(*cachedStmt)) {
			break // the oldest is busy: the cache grows for a moment
		}
	}
	return cs, nil
}

// evict drops cs from the cache and closes it, unless its rows are open
// (false): then it is closed when they are.
func (c *stmtConn) evict(cs *cachedStmt) bool {
	if e, ok := c.byKey[cs.query]; ok && e.Value == cs {
		delete(c.byKey, cs.query)
		c.lru.Remove(e)
	}
	if cs.busy {
		return false
	}
	_ = cs.stmt.Close()
	return true
}

// ExecContext runs query through its cached statement.
func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	res, err := cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	if err != nil {
		c.evict(cs)
	}
	return res, err
}

// QueryContext runs query through its cached statement, busy until the
// rows are closed.
func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.evict(cs)
		return nil, err
	}
	sr, ok := rows.(sqliteRows)
	if !ok {
		rows.Close()
		c.evict(cs)
		return nil, errors.New("storage: the sqlite driver's rows lack an interface the statement cache needs")
	}
	cs.busy = true
	return &stmtRows{sqliteRows: sr, c: c, cs: cs}, nil
}

// Close closes every cached statement, then the connection.
func (c *stmtConn) Close() error {
	for e := c.lru.Front(); e != nil; e = e.Next() {
		_ = e.Value.(*cachedStmt).stmt.Close()
	}
	c.lru.Init()
	c.byKey = nil
	return c.sqliteConn.Close()
}

// sqliteRows is what modernc.org/sqlite's rows offer: the column types
// (database/sql's ColumnTypes) are passed on.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// stmtRows are the rows of a cached statement: closing them frees it.
type stmtRows struct {
	sqliteRows
	c      *stmtConn
	cs     *cachedStmt
	failed bool
}

// Next reads the next row, noting a failure (the statement is then dropped).
func (r *stmtRows) Next(dest []driver.Value) error {
	err := r.sqliteRows.Next(dest)
	if err != nil && err != io.EOF {
		r.failed = true
	}
	return err
}

// Close closes the rows (resetting the statement for its next use).
func (r *stmtRows) Close() error {
	err := r.sqliteRows.Close()
	if r.cs == nil {
		return err
	}
	cs := r.cs
	r.cs = nil
	cs.busy = false
	if e, cached := r.c.byKey[cs.query]; !cached || e.Value != cs || err != nil || r.failed {
		// Evicted while busy, or it failed: close it now.
		r.c.evict(cs)
	}
	return err
}
