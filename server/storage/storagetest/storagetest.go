// Package storagetest gives tests fresh, migrated databases on every engine
// wemart supports: SQLite always (a file in t.TempDir()), and PostgreSQL when
// WEMART_TEST_POSTGRES names a server (each test gets its own schema on it, so
// tests run in parallel and leave nothing behind).
package storagetest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"wemart/server/storage"
)

// EnvPostgres names the variable that points tests at a PostgreSQL server.
const EnvPostgres = "WEMART_TEST_POSTGRES"

// Engines lists the engines tests run on here: "sqlite", plus "postgres" when
// WEMART_TEST_POSTGRES is set.
func Engines() []string {
	if os.Getenv(EnvPostgres) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// Each runs fn as a parallel subtest on a fresh migrated database of every
// engine, and makes t itself parallel: tests built on Each share nothing but
// the PostgreSQL server, so they run beside each other (the engines of one
// test too), which is most of what keeps the suite's wall time down. A test
// that must run alone (one that sets the environment, say) does not use Each.
func Each(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	t.Parallel()
	for _, engine := range Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, New(t, engine))
		})
	}
}

// New returns a fresh, migrated database of engine, closed and removed when
// the test ends. A SQLite one is a copy of the file this test binary
// migrated once: the same bytes, without parsing every migration again for
// each test (the most expensive part of a small test under -race).
func New(t testing.TB, engine string) *storage.DB {
	t.Helper()
	if engine == "sqlite" {
		migrated, err := migratedSQLite()
		if err != nil {
			t.Fatalf("migrate sqlite: %v", err)
		}
		path := filepath.Join(t.TempDir(), "test.db")
		if err := os.WriteFile(path, migrated, 0o600); err != nil {
			t.Fatal(err)
		}
		return open(t, "sqlite:"+path)
	}
	db := Empty(t, engine)
	if _, err := db.Migrate(context.Background(), quiet); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return db
}

// Empty returns a fresh database of engine with no tables at all.
func Empty(t testing.TB, engine string) *storage.DB {
	t.Helper()
	switch engine {
	case "sqlite", "postgres":
	default:
		t.Fatalf("unknown engine %q", engine)
	}
	return open(t, URL(t, engine))
}

// open opens rawURL for the length of the test.
func open(t testing.TB, rawURL string) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), rawURL, "")
	if err != nil {
		t.Fatalf("open %s: %v", storage.Redact(rawURL), err)
	}
	t.Cleanup(func() { db.Close() })
	opened.Store(db, rawURL)
	return db
}

// opened maps each database this package opened to its URL (for Second).
var opened sync.Map

// Second opens the database db (one New, Empty or open made) once more, as
// another process would: its own connections, and on SQLite its own
// writer queue, so that only the database itself keeps two processes'
// writes apart. Closed when the test ends.
func Second(t testing.TB, db *storage.DB) *storage.DB {
	t.Helper()
	rawURL, ok := opened.Load(db)
	if !ok {
		t.Fatal("storagetest.Second: a database storagetest did not open")
	}
	return open(t, rawURL.(string))
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// migratedSQLite is the file of a freshly migrated SQLite database, made
// once per test binary (in a directory removed at once).
var migratedSQLite = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "wemart-storagetest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "test.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, "sqlite:"+path, "")
	if err != nil {
		return nil, err
	}
	_, err = db.Migrate(ctx, quiet)
	if err == nil {
		// Everything into the main file, so it alone is the database.
		_, err = db.SQL.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
})

// URL returns a database URL of a fresh empty database of engine, for tests
// that drive the binary or storage.Open themselves.
func URL(t testing.TB, engine string) string {
	t.Helper()
	if engine == "postgres" {
		return postgresSchema(t)
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
}

// postgresSchema creates a scratch schema on the WEMART_TEST_POSTGRES server and
// returns a URL whose connections use it; the schema is dropped at cleanup.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(EnvPostgres + " is not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("t_%d", rand.Uint64())
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		admin.Close()
		t.Fatalf("create schema on %s: %v", storage.Redact(base), err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP SCHEMA " + name + " CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
