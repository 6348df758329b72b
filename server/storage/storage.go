// Package storage opens wemart's database through ent, on one of two real
// engines: an embedded SQLite file (the laptop default and the test fast path)
// or PostgreSQL (production). It also applies the versioned migrations that are
// generated from the ent schema (see migrate.go).
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"               // also registers the "sqlite" database/sql driver

	"wemart/ent"
	"wemart/server/redact"
)

// DB is an open database: the ent client plus the *sql.DB under it.
type DB struct {
	// Client is the ent client every service uses.
	Client *ent.Client
	// SQL is the raw pool, for migrations, health checks and bulk loads.
	SQL *sql.DB
	// Dialect is dialect.SQLite or dialect.Postgres.
	Dialect string
	// Location is the database's address with any password masked.
	Location string
}

// DefaultFile is the name of the embedded SQLite database inside the data dir.
const DefaultFile = "wemart.db"

// Open connects to the database named by rawURL: empty means the embedded SQLite
// file in dataDir (created if missing), "sqlite:<path>" an SQLite file elsewhere,
// and "postgres://..." or "postgresql://..." a PostgreSQL server.
func Open(ctx context.Context, rawURL, dataDir string) (*DB, error) {
	switch {
	case rawURL == "":
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		return openSQLite(ctx, filepath.Join(dataDir, DefaultFile), StmtCacheSize)
	case strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		if path == "" {
			return nil, errors.New("sqlite: URL names no file")
		}
		return openSQLite(ctx, path, StmtCacheSize)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL)
	default:
		return nil, fmt.Errorf("database URL must start with postgres:// or sqlite: (got %q)", Redact(rawURL))
	}
}

// SQLiteDSN is the modernc.org/sqlite DSN wemart uses for a database file: WAL so
// readers never block the writer, a busy timeout so writers queue instead of
// failing, immediate transactions so two writers never deadlock upgrading a read
// lock, and foreign keys on (SQLite's default is off).
func SQLiteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// No memory map: a connection that finds the database changed since
	// its last transaction unmaps all of it (and maps it again, page
	// faults and all, as it reads), so with orders being written every
	// read paid that, a munmap a read (TLB shootdowns on every core).
	q.Add("_pragma", "mmap_size(0)")
	q.Add("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// openSQLite opens the SQLite file at path, each connection keeping up to
// stmtCache prepared statements (0: none, see stmtConnector).
func openSQLite(ctx context.Context, path string, stmtCache int) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create database dir: %w", err)
		}
	}
	conn, err := sqlite.NewConnector(SQLiteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if stmtCache > 0 {
		conn = stmtConnector{Connector: conn, size: stmtCache}
	}
	db := sql.OpenDB(conn)
	// One writer at a time is SQLite's rule; a small pool keeps readers parallel
	// without piling up connections that would only wait on the write lock.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	// The process's writes take turns anyway (serialTx): they all go
	// through one connection of their own, kept open. A connection drops
	// its whole page cache whenever another one has written since its last
	// transaction, so writes spread over the pool read the pages every
	// write touches (an index's last leaf, a hot stock row) back from the
	// log each time; the one writer keeps them.
	writer := sql.OpenDB(conn)
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	out, err := finish(ctx, db, dialect.SQLite, "sqlite:"+path, func(reads dialect.Driver) dialect.Driver {
		return newSerialTx(reads, entsql.OpenDB(dialect.SQLite, writer))
	})
	if err != nil {
		writer.Close()
		return nil, err
	}
	if err := DropStat4(ctx, db); err != nil {
		out.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	return out, nil
}

// DropStat4 drops the value samples ANALYZE keeps in sqlite_stat4 of the
// SQLite database db (the per-table statistics of sqlite_stat1 stay). With
// samples, SQLite plans a statement for the values bound to it: a
// statement comparing an indexed column with a parameter — nearly every
// ent query — is parsed and planned again whenever a new value is bound,
// so a prepared statement saves nothing. wemart's queries are point and
// range lookups on their indexes, planned as well from sqlite_stat1's
// averages. The table is dropped, not emptied: a schema change, so every
// connection open on the file (another process's too) loads the
// statistics again before its next statement. `wemart seed` drops the
// samples right after its ANALYZE; opening a database drops any an older
// wemart left (a write at open only then).
func DropStat4(ctx context.Context, db *sql.DB) error {
	var n int
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'").Scan(&n)
	if err != nil || n == 0 {
		return err
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_stat4").Scan(&n); err != nil || n == 0 {
		return err
	}
	if _, err := db.ExecContext(ctx, "DROP TABLE sqlite_stat4"); err != nil {
		return fmt.Errorf("drop the planner's value samples: %w", err)
	}
	return nil
}

func openPostgres(ctx context.Context, rawURL string) (*DB, error) {
	db, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(25)
	db.SetMaxIdleConns(25)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return finish(ctx, db, dialect.Postgres, Redact(rawURL), nil)
}

// finish checks that db answers and returns it with its ent client, whose
// driver wrap makes of db's (nil: db's as it is).
func finish(ctx context.Context, db *sql.DB, dialectName, location string, wrap func(dialect.Driver) dialect.Driver) (*DB, error) {
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", location, err)
	}
	var drv dialect.Driver = entsql.OpenDB(dialectName, db)
	if wrap != nil {
		drv = wrap(drv)
	}
	return &DB{
		Client:   ent.NewClient(ent.Driver(drv)),
		SQL:      db,
		Dialect:  dialectName,
		Location: location,
	}, nil
}

// Ping reports whether the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error { return db.SQL.PingContext(ctx) }

// Close closes the pool.
func (db *DB) Close() error { return db.Client.Close() }

// Redact masks the password of a database URL so it can be logged.
func Redact(rawURL string) string { return redact.URL(rawURL) }
