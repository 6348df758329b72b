package storage

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// openCached opens a fresh SQLite file whose connections keep size statements.
func openCached(t *testing.T, size int) *DB {
	t.Helper()
	db, err := openSQLite(context.Background(), filepath.Join(t.TempDir(), "cache.db"), size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// cacheOf runs fn with the statement cache of conn.
func cacheOf(t *testing.T, conn *sql.Conn, fn func(c *stmtConn)) {
	t.Helper()
	if err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stmtConn)
		if !ok {
			return fmt.Errorf("connection is a %T, not a *stmtConn", dc)
		}
		fn(c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func exec(t *testing.T, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, query string, args ...any) {
	t.Helper()
	if _, err := q.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func count(t *testing.T, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, query string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestStmtCacheReuses(t *testing.T) {
	ctx := context.Background()
	db := openCached(t, 4)
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec(t, conn, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
	for i := range 3 {
		exec(t, conn, "INSERT INTO t (v) VALUES (?)", fmt.Sprint(i))
	}
	var first *cachedStmt
	for i := range 5 {
		if n := count(t, conn, "SELECT count(*) FROM t WHERE id > ?", i); n != max(3-i, 0) {
			t.Fatalf("id > %d: %d rows", i, n)
		}
		cacheOf(t, conn, func(c *stmtConn) {
			e := c.byKey["SELECT count(*) FROM t WHERE id > ?"]
			if e == nil {
				t.Fatal("the SELECT is not cached")
			}
			if first == nil {
				first = e.Value.(*cachedStmt)
			} else if e.Value.(*cachedStmt) != first {
				t.Fatal("the SELECT was prepared again")
			}
		})
	}
	cacheOf(t, conn, func(c *stmtConn) {
		// The INSERT and the SELECT; the DDL is never kept.
		if c.byKey["INSERT INTO t (v) VALUES (?)"] == nil || c.byKey["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"] != nil {
			t.Fatalf("%d statements cached, the INSERT not among them or the CREATE among them", c.lru.Len())
		}
	})
}

func TestStmtCacheEvicts(t *testing.T) {
	ctx := context.Background()
	db := openCached(t, 3)
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec(t, conn, "CREATE TABLE t (id INTEGER PRIMARY KEY)")
	exec(t, conn, "INSERT INTO t (id) VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10)")
	for round := range 3 {
		for k := 1; k <= 8; k++ {
			if n := count(t, conn, fmt.Sprintf("SELECT count(*) FROM t WHERE id <= %d", k)); n != k {
				t.Fatalf("round %d, id <= %d: %d", round, k, n)
			}
		}
	}
	cacheOf(t, conn, func(c *stmtConn) {
		if c.lru.Len() != 3 || len(c.byKey) != 3 {
			t.Fatalf("%d statements cached (%d keys), want 3", c.lru.Len(), len(c.byKey))
		}
		// The most recent first.
		if got := c.lru.Front().Value.(*cachedStmt).query; got != "SELECT count(*) FROM t WHERE id <= 8" {
			t.Fatalf("most recent is %q", got)
		}
	})
}

// TestStmtCacheSchemaChange: a cached statement after the schema changed
// under it (here, from another connection, as a migration or another
// process would) is prepared again, not failed; one that no longer makes
// sense fails as an uncached one would, and works again once it does.
func TestStmtCacheSchemaChange(t *testing.T) {
	ctx := context.Background()
	db := openCached(t, 8)
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	other, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	exec(t, conn, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)")
	exec(t, conn, "INSERT INTO t (a) VALUES ('x')")
	columns := func() []string {
		rows, err := conn.QueryContext(ctx, "SELECT * FROM t")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return cols
	}
	if c := columns(); len(c) != 2 {
		t.Fatalf("columns %v", c)
	}
	exec(t, other, "ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT 7")
	if c := columns(); len(c) != 3 || c[2] != "b" {
		t.Fatalf("after ADD COLUMN: columns %v", c)
	}
	if n := count(t, conn, "SELECT count(*) FROM t WHERE a = ?", "x"); n != 1 {
		t.Fatalf("count %d", n)
	}
	exec(t, other, "CREATE INDEX t_a ON t (a)")
	if n := count(t, conn, "SELECT count(*) FROM t WHERE a = ?", "x"); n != 1 {
		t.Fatalf("after CREATE INDEX: count %d", n)
	}
	// Dropped: the statement fails (as a fresh one would) and leaves the cache.
	exec(t, other, "DROP TABLE t")
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM t WHERE a = ?", "x").Scan(&n); err == nil {
		t.Fatal("a query of a dropped table succeeded")
	}
	cacheOf(t, conn, func(c *stmtConn) {
		if c.byKey["SELECT count(*) FROM t WHERE a = ?"] != nil {
			t.Fatal("the failed statement stayed cached")
		}
	})
	exec(t, other, "CREATE TABLE t (a TEXT, id INTEGER PRIMARY KEY)")
	exec(t, other, "INSERT INTO t (a) VALUES ('x'), ('x')")
	if n := count(t, conn, "SELECT count(*) FROM t WHERE a = ?", "x"); n != 2 {
		t.Fatalf("recreated: count %d", n)
	}
	if c := columns(); len(c) != 2 || c[0] != "a" {
		t.Fatalf("recreated: columns %v", c)
	}
}

// TestStmtCacheNested runs a statement again while its rows are open (in a
// transaction, so on the same connection): the second runs uncached and
// both read what they should.
func TestStmtCacheNested(t *testing.T) {
	ctx := context.Background()
	db := openCached(t, 8)
	exec(t, db.SQL, "CREATE TABLE t (id INTEGER PRIMARY KEY, parent INTEGER)")
	exec(t, db.SQL, "INSERT INTO t (id, parent) VALUES (1, 0), (2, 1), (3, 1), (4, 2)")
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = "SELECT id FROM t WHERE parent = ? ORDER BY id"
	outer, err := tx.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var id int
		if err := outer.Scan(&id); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.QueryContext(ctx, q, id)
		if err != nil {
			t.Fatal(err)
		}
		var kids []int
		for inner.Next() {
			var k int
			if err := inner.Scan(&k); err != nil {
				t.Fatal(err)
			}
			kids = append(kids, k)
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(id, kids))
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[2 [4] 3 []]" {
		t.Fatalf("got %v", got)
	}
	// The cached statement is free again and reads afresh.
	if n := count(t, tx, "SELECT count(*) FROM t WHERE parent = ?", 1); n != 2 {
		t.Fatalf("count %d", n)
	}
}

// TestStmtCacheTransactions: cached statements serve inside and outside
// transactions of the same connection; a rolled-back write is gone, a
// committed one stays, whichever statement reads them.
func TestStmtCacheTransactions(t *testing.T) {
	ctx := context.Background()
	db := openCached(t, 8)
	db.SQL.SetMaxOpenConns(1) // every statement on one connection
	exec(t, db.SQL, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
	const ins, sel = "INSERT INTO t (v) VALUES (?)", "SELECT count(*) FROM t WHERE v = ?"
	exec(t, db.SQL, ins, 1)
	if n := count(t, db.SQL, sel, 1); n != 1 {
		t.Fatalf("count %d", n)
	}
	for i, commit := range []bool{false, true, false} {
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		exec(t, tx, ins, 2)
		if n := count(t, tx, sel, 2); n != 1+i/2 {
			t.Fatalf("round %d inside: count %d", i, n)
		}
		if commit {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, db.SQL, sel, 2); n != 1 {
		t.Fatalf("after: count %d, want the committed row only", n)
	}
	// A failing statement (a unique violation) leaves the cache, and the
	// same text works again afterwards.
	exec(t, db.SQL, "CREATE UNIQUE INDEX t_v ON t (v)")
	if _, err := db.SQL.ExecContext(ctx, ins, 1); err == nil {
		t.Fatal("duplicate inserted")
	}
	exec(t, db.SQL, ins, 3)
	if n := count(t, db.SQL, "SELECT count(*) FROM t"); n != 3 {
		t.Fatalf("count %d", n)
	}
}

// TestStmtCacheConcurrent: the pool's connections each keep their own
// statements while many goroutines read and write through ent's driver and
// the writer queue (run it with -race).
func TestStmtCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	db := openCached(t, 4)
	exec(t, db.SQL, "CREATE TABLE t (id INTEGER PRIMARY KEY, w INTEGER, n INTEGER)")
	const writers, each = 8, 40
	var wg sync.WaitGroup
	errc := make(chan error, writers*2)
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				// Through ent's driver and the writer queue, in a transaction.
				tx, err := db.Client.Tx(ctx)
				if err != nil {
					errc <- err
					return
				}
				_, err = tx.ExecContext(ctx, "INSERT INTO t (w, n) VALUES (?, ?)", w, i)
				if err == nil {
					err = tx.Commit()
				} else {
					_ = tx.Rollback()
				}
				if err != nil {
					errc <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := range each {
				// Several texts, more than a connection keeps.
				var n int
				q := fmt.Sprintf("SELECT count(*) FROM t WHERE w = ? AND n >= %d", i%6)
				if err := db.SQL.QueryRowContext(ctx, q, w).Scan(&n); err != nil {
					errc <- err
					return
				}
				if n > each {
					errc <- fmt.Errorf("writer %d has %d rows", w, n)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if n := count(t, db.SQL, "SELECT count(*) FROM t"); n != writers*each {
		t.Fatalf("%d rows, want %d", n, writers*each)
	}
}

func TestCacheable(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT 1":                              true,
		"  select * from t":                     true,
		"INSERT INTO t VALUES (1) RETURNING id": true,
		"update t set a = 1":                    true,
		"DELETE FROM t":                         true,
		"REPLACE INTO t VALUES (1)":             true,
		"WITH x AS (SELECT 1) SELECT * FROM x":  true,
		"SELECT 1;":                             true,
		"SELECT 1; SELECT 2":                    false,
		"CREATE TABLE t (a)":                    false,
		"PRAGMA wal_checkpoint":                 false,
		"BEGIN":                                 false,
		"":                                      false,
	} {
		if got := cacheable(q); got != want {
			t.Errorf("cacheable(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestOpenDropsStat4: ANALYZE's value samples (which make SQLite plan a
// statement again for every new bound value) are gone after an open; the
// table statistics stay.
func TestOpenDropsStat4(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stat4.db")
	db, err := openSQLite(ctx, path, StmtCacheSize)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db.SQL, "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER)")
	exec(t, db.SQL, "CREATE INDEX t_k ON t (k)")
	exec(t, db.SQL, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t (k) SELECT i % 7 FROM n")
	exec(t, db.SQL, "ANALYZE")
	if n := count(t, db.SQL, "SELECT count(*) FROM sqlite_stat4"); n == 0 {
		t.Fatal("ANALYZE kept no samples: this SQLite has no STAT4 and the test shows nothing")
	}
	db.Close()
	db, err = openSQLite(ctx, path, StmtCacheSize)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := count(t, db.SQL, "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'"); n != 0 {
		t.Fatal("the samples' table is still there")
	}
	if n := count(t, db.SQL, "SELECT count(*) FROM sqlite_stat1"); n == 0 {
		t.Fatal("the table statistics went too")
	}
	if n := count(t, db.SQL, "SELECT count(*) FROM t WHERE k = ?", 3); n != 286 { // i = 3, 10, ..., 1998
		t.Fatalf("k = 3: %d", n)
	}
	// A database that never saw ANALYZE opens as before.
	fresh := openCached(t, 4)
	if n := count(t, fresh.SQL, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'sqlite_stat%'"); n != 0 {
		t.Fatalf("%d statistics tables in a fresh database", n)
	}
}
