package storage_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestDropStat4ReachesOpenConnections: a connection that loaded
// ANALYZE's value samples plans with them (here: the index on a skewed
// column, for one of its rare values); once DropStat4 has run on another
// connection of the pool, it plans from the per-table statistics alone —
// a server already running while `wemart seed` analyzed the file stops
// re-planning its statements without a restart.
func TestDropStat4ReachesOpenConnections(t *testing.T) {
	ctx := context.Background()
	db := storagetest.New(t, "sqlite")
	pinned, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pinned.Close()
	for _, q := range []string{
		`CREATE TABLE skew (a INTEGER, b INTEGER)`,
		`CREATE INDEX skew_a ON skew (a)`,
		`CREATE INDEX skew_b ON skew (b)`,
		// a: 100 values of 100 rows; b: 0 but for ten rows, each its own.
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
		 INSERT INTO skew SELECT i % 100, CASE WHEN i < 10 THEN i + 1 ELSE 0 END FROM n`,
		`ANALYZE`,
	} {
		if _, err := pinned.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	plan := func(c *sql.Conn) string {
		t.Helper()
		rows, err := c.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT * FROM skew WHERE a = 7 AND b = 5`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			out = append(out, detail)
		}
		return strings.Join(out, "; ")
	}
	if p := plan(pinned); !strings.Contains(p, "skew_b") {
		t.Skipf("this SQLite plans %q with samples: it keeps none (built without STAT4)", p)
	}
	if err := storage.DropStat4(ctx, db.SQL); err != nil {
		t.Fatal(err)
	}
	// A statement that reads the file notices the schema changed (an
	// EXPLAIN alone does not read it).
	if _, err := pinned.ExecContext(ctx, `SELECT count(*) FROM skew WHERE a = 1`); err != nil {
		t.Fatal(err)
	}
	if p := plan(pinned); !strings.Contains(p, "skew_a") {
		t.Fatalf("the open connection still plans with the samples after DropStat4: %s", p)
	}
	var left int
	if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'").Scan(&left); err != nil || left != 0 {
		t.Fatalf("sqlite_stat4 still there (%d, %v)", left, err)
	}
}
