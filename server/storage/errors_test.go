package storage_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// named wraps err the way the services name their operations: the
// predicates must see through it.
func named(err error) error { return fmt.Errorf("orders.Create: inventory.Reserve: %w", err) }

// refusedAddr is a loopback address nothing listens on.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestIsUnavailable: the failures of a database that cannot serve now, as
// the drivers report them, are unavailable, named or not; the client's own
// mistakes and plain bugs are not.
func TestIsUnavailable(t *testing.T) {
	addr := refusedAddr(t)
	_, dialErr := net.Dial("tcp", addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, connectErr := pgconn.Connect(ctx, "postgres://wemart@"+addr+"/wemart?connect_timeout=2")
	if dialErr == nil || connectErr == nil {
		t.Fatalf("connecting to a closed port: dial %v, pgconn %v", dialErr, connectErr)
	}
	unavailable := map[string]error{
		"refused dial":           dialErr,
		"refused pg connect":     connectErr,
		"dropped mid-read":       io.ErrUnexpectedEOF,
		"pg conn closed":         pgconn.ErrConnClosed,
		"bad conn":               driver.ErrBadConn,
		"conn done":              sql.ErrConnDone,
		"deadlock":               &pgconn.PgError{Severity: "ERROR", Code: "40P01", Message: "deadlock detected"},
		"serialization":          &pgconn.PgError{Severity: "ERROR", Code: "40001", Message: "could not serialize access"},
		"too many connections":   &pgconn.PgError{Severity: "FATAL", Code: "53300", Message: "sorry, too many clients already"},
		"admin shutdown":         &pgconn.PgError{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"},
		"connection failure":     &pgconn.PgError{Severity: "FATAL", Code: "08006", Message: "connection failure"},
		"rollback text":          errors.New("commit: database is locked (5) (SQLITE_BUSY); rollback: sql: transaction has already been committed or rolled back"),
		"reset by peer, as text": errors.New("read tcp 10.0.0.1:5432: read: connection reset by peer"),
	}
	for name, err := range unavailable {
		if !storage.IsUnavailable(err) || !storage.IsUnavailable(named(err)) {
			t.Errorf("%s (%v): not unavailable", name, err)
		}
	}
	available := map[string]error{
		"nil":               nil,
		"unique violation":  &pgconn.PgError{Severity: "ERROR", Code: "23505", Message: "duplicate key value violates unique constraint"},
		"syntax":            &pgconn.PgError{Severity: "ERROR", Code: "42601", Message: "syntax error"},
		"no rows":           sql.ErrNoRows,
		"a bug":             errors.New("inventory: cannot release 2 of SKU 3"),
		"cancelled request": context.Canceled,
	}
	for name, err := range available {
		if storage.IsUnavailable(err) || (err != nil && storage.IsUnavailable(named(err))) {
			t.Errorf("%s (%v): unavailable", name, err)
		}
	}
}

// TestSQLiteLockedIsUnavailable: a writer that finds the database locked by
// another connection past its busy timeout is unavailable (a retry may
// succeed), by SQLite's own error value.
func TestSQLiteLockedIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	holder, err := sql.Open("sqlite", storage.SQLiteDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	ctx := context.Background()
	tx, err := holder.BeginTx(ctx, nil) // IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	impatient, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer impatient.Close()
	_, err = impatient.BeginTx(ctx, nil)
	if err == nil {
		t.Fatal("a second writer began while the first held the lock")
	}
	if !storage.IsUnavailable(err) || !storage.IsUnavailable(named(err)) {
		t.Fatalf("locked database (%v) is not unavailable", err)
	}
}

// TestClosedDatabaseIsUnavailable: a pool closed under a request (a server
// shutting down) answers unavailable, not internal.
func TestClosedDatabaseIsUnavailable(t *testing.T) {
	db := storagetest.New(t, "sqlite")
	db.Close()
	_, err := db.Client.Store.Query().Count(context.Background())
	if err == nil || !storage.IsUnavailable(named(err)) {
		t.Fatalf("a query on a closed database: %v", err)
	}
}

// TestPostgresTerminatedConnectionIsUnavailable: a PostgreSQL backend
// terminated under a session (an operator, a failover) is unavailable, both
// the statement that sees it and the next use of the dead connection.
func TestPostgresTerminatedConnectionIsUnavailable(t *testing.T) {
	if len(storagetest.Engines()) < 2 {
		t.Skip(storagetest.EnvPostgres + " is not set")
	}
	db := storagetest.New(t, "postgres")
	ctx := context.Background()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
	if err == nil || !storage.IsUnavailable(named(err)) {
		t.Fatalf("terminating our own backend: %v", err)
	}
	_, err = conn.ExecContext(ctx, "SELECT 1")
	if err == nil || !storage.IsUnavailable(named(err)) {
		t.Fatalf("using the terminated connection: %v", err)
	}
}

// TestConflictNotFoundInvalid: ent's constraint, not-found and validation
// failures, from the real engines, are recognised through the names of the
// operations they passed through.
func TestConflictNotFoundInvalid(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		_, err := db.Client.Store.Get(ctx, 404)
		if !storage.IsNotFound(named(err)) || storage.IsConflict(named(err)) {
			t.Fatalf("missing store: %v", err)
		}
		db.Client.Counter.Create().SetID("stores").ExecX(ctx)
		err = db.Client.Counter.Create().SetID("stores").Exec(ctx)
		if !storage.IsConflict(named(err)) || storage.IsUnavailable(named(err)) {
			t.Fatalf("a second counter \"stores\": %v", err)
		}
		err = db.Client.Category.Create().SetName("").Exec(ctx)
		reason, ok := storage.Invalid(named(err))
		if !ok || reason != `validator failed for field "Category.name": value is less than the required length` {
			t.Fatalf("a category without a name: %v (reason %q)", err, reason)
		}
		if _, ok := storage.Invalid(named(errors.New(`ent: validator failed for field "Store.lat"`))); ok {
			t.Fatal("a plain error is not a validation failure")
		}
	})
}
