package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"entgo.io/ent/dialect"

	"wemart/server/storage"
	"wemart/server/stores"
)

// A bulk load of stores writes them in one transaction through prepared
// multi-row INSERTs (ent's bulk create rebuilds, and SQLite re-parses, a
// 20,000-parameter statement for every thousand rows). On SQLite it also
// drops the stores table's secondary indexes inside that transaction and
// builds them again, sorted, once the rows are in: inserting a million rows
// at random places of six B-trees, a thousand rows a transaction, rewrote
// most of their pages at every commit (28 GB of writes for a 646 MB
// database). DDL is transactional in SQLite, so a load that fails leaves
// the table, its indexes and the stores counter as they were.

// bulkRows is how many rows one prepared INSERT carries: 20 columns × 500
// rows is 10,000 parameters, under SQLite's 32,766 and PostgreSQL's 65,535.
const bulkRows = 500

// bulkLoader inserts rows of one table's columns on a transaction.
type bulkLoader struct {
	tx      *sql.Tx
	dialect string
	table   string
	cols    []string
	full    *sql.Stmt // the statement for bulkRows rows, prepared once
	args    []any     // the pending rows' values
	ids     []int     // the ids of the rows inserted (RETURNING id)
}

func newBulkLoader(tx *sql.Tx, dialectName, table string, cols []string) *bulkLoader {
	return &bulkLoader{tx: tx, dialect: dialectName, table: table, cols: cols,
		args: make([]any, 0, bulkRows*len(cols))}
}

// insertSQL is a multi-row INSERT of rows rows of the loader's columns.
func (l *bulkLoader) insertSQL(rows int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", l.table, strings.Join(l.cols, ", "))
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range l.cols {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			if l.dialect == dialect.Postgres {
				fmt.Fprintf(&b, "$%d", n)
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	b.WriteString(" RETURNING id")
	return b.String()
}

// add queues rows (their values in the loader's column order, one row or
// several), inserting bulkRows of them at a time.
func (l *bulkLoader) add(ctx context.Context, values ...any) error {
	l.args = append(l.args, values...)
	full := bulkRows * len(l.cols)
	for len(l.args) >= full {
		if l.full == nil {
			stmt, err := l.tx.PrepareContext(ctx, l.insertSQL(bulkRows))
			if err != nil {
				return fmt.Errorf("prepare the insert into %s: %w", l.table, err)
			}
			l.full = stmt
		}
		if err := l.exec(ctx, l.full, l.args[:full]); err != nil {
			return err
		}
		l.args = append(l.args[:0], l.args[full:]...)
	}
	return nil
}

// flush inserts the rows still queued and closes the prepared statement.
func (l *bulkLoader) flush(ctx context.Context) error {
	defer func() {
		if l.full != nil {
			l.full.Close()
		}
	}()
	if len(l.args) == 0 {
		return nil
	}
	stmt, err := l.tx.PrepareContext(ctx, l.insertSQL(len(l.args)/len(l.cols)))
	if err != nil {
		return fmt.Errorf("prepare the insert into %s: %w", l.table, err)
	}
	defer stmt.Close()
	if err := l.exec(ctx, stmt, l.args); err != nil {
		return err
	}
	l.args = l.args[:0]
	return nil
}

// exec runs stmt with args and keeps the ids it returns.
func (l *bulkLoader) exec(ctx context.Context, stmt *sql.Stmt, args []any) error {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("insert into %s: %w", l.table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return err
		}
		l.ids = append(l.ids, id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insert into %s: %w", l.table, err)
	}
	return nil
}

// bulkTx runs load in one transaction on a connection of its own, with the
// stores table's secondary indexes dropped during load and built afterwards
// on SQLite. (Not on PostgreSQL, where DROP INDEX would lock the table
// against every reader until the load commits, and whose writes were not
// the problem.) On SQLite the load holds the write lock from start to end
// (a minute for a million stores): a server writing to the same file
// meanwhile waits, or fails after its busy timeout.
func bulkTx(ctx context.Context, db *storage.DB, load func(tx *sql.Tx) error) (err error) {
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if db.Dialect == dialect.SQLite {
		// Up to two helper threads for sorting the index builds; the
		// connection goes back to the pool with none.
		if _, err := conn.ExecContext(ctx, "PRAGMA threads = 2"); err != nil {
			return err
		}
		defer func() {
			if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA threads = 0"); err == nil {
				err = rerr
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var rebuild []string
	if db.Dialect == dialect.SQLite {
		if rebuild, err = dropIndexes(ctx, tx, db.Dialect, "stores"); err != nil {
			return err
		}
	}
	if err := load(tx); err != nil {
		return err
	}
	for _, ddl := range rebuild {
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("build index: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if db.Dialect == dialect.SQLite {
		// Fold the load into the database file now and give the WAL's
		// space back, rather than leave a WAL as large as the load.
		_, err = conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	return err
}

// dropIndexes drops table's secondary indexes (those the schema declared,
// not the ones backing the primary key or constraints) inside tx and returns
// the statements that create them again, exactly as they were created.
func dropIndexes(ctx context.Context, tx *sql.Tx, dialectName, table string) ([]string, error) {
	q := "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name"
	if dialectName == dialect.Postgres {
		q = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 " +
			"AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace) ORDER BY indexname"
	}
	rows, err := tx.QueryContext(ctx, q, table)
	if err != nil {
		return nil, err
	}
	var names, ddl []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			rows.Close()
			return nil, err
		}
		names, ddl = append(names, name), append(ddl, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+strings.ReplaceAll(name, `"`, `""`)+`"`); err != nil {
			return nil, fmt.Errorf("drop index %s: %w", name, err)
		}
	}
	return ddl, nil
}

// storeLoad inserts n synthetic stores made from rng after bumping the
// stores counter once, so running servers' store indexes load the new rows,
// and returns their ids in the order they were made. The rows are made (H3
// cells, text) on another goroutine while this one inserts them.
func storeLoad(ctx context.Context, tx *sql.Tx, dialectName string, rng *rand.Rand, n int, progress Progress) ([]int, error) {
	v, err := stores.BumpVersionSQL(ctx, tx)
	if err != nil {
		return nil, err
	}
	width := len(storeColumns)
	batches, made := make(chan []any, 4), make(chan error, 1)
	stop := make(chan struct{})
	go func() {
		defer close(batches)
		batch := make([]any, 0, bulkRows*width)
		made <- storeRows(rng, n, v, func(i int, row ...any) error {
			batch = append(batch, row...)
			if len(batch) < cap(batch) && i+1 < n {
				return nil
			}
			select {
			case batches <- batch:
			case <-stop:
				return errStopped
			}
			batch = make([]any, 0, bulkRows*width)
			return nil
		})
	}()
	l := newBulkLoader(tx, dialectName, "stores", storeColumns)
	err = func() error {
		defer func() {
			close(stop)
			for range batches { // the maker is done with rng once it closes batches
			}
		}()
		done := 0
		for batch := range batches {
			if err := l.add(ctx, batch...); err != nil {
				return err
			}
			done += len(batch) / width
			if done%batchSize == 0 || done == n {
				progress.report("stores", done, n)
			}
		}
		return nil
	}()
	if err == nil {
		err = <-made
	}
	if err == nil {
		err = l.flush(ctx)
	}
	if err != nil {
		return nil, err
	}
	// RETURNING lists a statement's rows in no promised order; ids grow in
	// the order the rows were inserted.
	slices.Sort(l.ids)
	return l.ids, nil
}

// errStopped ends making rows nobody will insert.
var errStopped = errors.New("stopped")
