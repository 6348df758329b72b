package storage

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"wemart/ent"
)

// The storage layer's failures, recognised here so that the API's error
// handler only maps them to codes: a database that cannot serve right now
// (IsUnavailable), a write a constraint refused (IsConflict), a row that is
// not there (IsNotFound) and a value the schema refused (Invalid). Each sees
// through wrapping (errors.Is and errors.As), so a failure named by the
// operations it passed through is still recognised.

// IsUnavailable reports whether err says a backing store cannot serve the
// request now but may in a moment: a refused or dropped connection (any
// network failure, also one mid-request: "unexpected EOF", "conn closed"),
// PostgreSQL shutting down, out of connections or rolling the transaction
// back in a serialization or deadlock conflict, or SQLite still busy after
// its busy timeout.
func IsUnavailable(err error) bool {
	return err != nil && (dropped(err) || pgUnavailable(err) || sqliteBusy(err) || unavailableText(err))
}

// dropped reports a connection that failed, was closed under the request,
// or that database/sql or pgx gave up on.
func dropped(err error) bool {
	var ne net.Error
	var oe *net.OpError
	var ce *pgconn.ConnectError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.As(err, &ce) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || pgconn.Timeout(err) || pgconn.SafeToRetry(err)
}

// pgUnavailable reports a PostgreSQL error of class 08 (connection
// exception), 53 (insufficient resources) or 57P (operator intervention),
// or 40001 and 40P01: the transaction lost a serialization or deadlock
// conflict and was rolled back, so a retry is safe (the log line of the
// 503 still shows it: a deadlock is a lock-order bug).
func pgUnavailable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") || strings.HasPrefix(pe.Code, "57P") ||
		pe.Code == "40001" || pe.Code == "40P01"
}

// sqliteBusy reports SQLite's SQLITE_BUSY or SQLITE_LOCKED (with any
// extended code): another writer held the lock past the busy timeout.
func sqliteBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	primary := se.Code() & 0xff
	return primary == sqlite3.SQLITE_BUSY || primary == sqlite3.SQLITE_LOCKED
}

// unavailableText recognises the same failures by their text: some layers
// (a rollback after a failed commit, say) keep only that.
func unavailableText(err error) bool {
	msg := err.Error()
	for _, sign := range []string{"database is locked", "SQLITE_BUSY", "sql: database is closed",
		"unexpected EOF", "conn closed", "connection reset by peer", "broken pipe", "bad connection"} {
		if strings.Contains(msg, sign) {
			return true
		}
	}
	return false
}

// IsConflict reports whether err is a write that a unique, foreign-key or
// check constraint refused (PostgreSQL's class 23, SQLite's "UNIQUE
// constraint failed" and kin), as ent reports it. A constraint failure of
// raw SQL is not one: wemart's raw statements guard their own conditions,
// so such a failure is a bug, not the client's conflict.
func IsConflict(err error) bool { return ent.IsConstraintError(err) }

// IsNotFound reports whether err is a lookup of one row that found none.
func IsNotFound(err error) bool { return ent.IsNotFound(err) }

// Invalid reports whether err is a value the ent schema's validators
// refused, and why: the field and the rule, without ent's "ent: " prefix
// or the operations the failure passed through.
func Invalid(err error) (reason string, ok bool) {
	var ve *ent.ValidationError
	if !errors.As(err, &ve) {
		return "", false
	}
	return strings.TrimPrefix(ve.Error(), "ent: "), true
}
