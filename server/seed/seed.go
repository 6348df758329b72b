// Package seed fills a database with data to look at or to measure: the demo
// chain (`wemart seed --demo`: Shanghai stores, a Chinese supermarket
// catalogue, stock everywhere) and deterministic synthetic data of any size
// (`wemart seed --stores N --products M --seed S`) loaded in batches.
package seed

import (
	"context"
	"errors"
	"fmt"

	"entgo.io/ent/dialect"

	"wemart/ent"
	"wemart/server/errs"
	"wemart/server/inventory"
	"wemart/server/storage"
)

// ErrNotEmpty is returned when seeding a database that already has stores.
var ErrNotEmpty = errors.New("the database already has stores; seed only loads into an empty one")

// Progress is told how far a stage of seeding has come.
type Progress func(stage string, done, total int)

func (p Progress) report(stage string, done, total int) {
	if p != nil {
		p(stage, done, total)
	}
}

// Summary counts what a seed created.
type Summary struct {
	Stores, Categories, Products, Skus, StockRows int
	// Pictures counts the products given a picture.
	Pictures int
	// Synonyms counts the search synonym groups created.
	Synonyms int
	// Coupons counts the coupon templates created.
	Coupons int
}

// String is the summary as the seed command prints it.
func (s Summary) String() string {
	out := fmt.Sprintf("%d stores, %d categories, %d products, %d SKUs, %d stock rows",
		s.Stores, s.Categories, s.Products, s.Skus, s.StockRows)
	if s.Pictures > 0 {
		out += fmt.Sprintf(", %d product pictures", s.Pictures)
	}
	if s.Coupons > 0 {
		out += fmt.Sprintf(", %d coupon templates", s.Coupons)
	}
	if s.Synonyms > 0 {
		out += fmt.Sprintf(", %d search synonym groups", s.Synonyms)
	}
	return out
}

// Empty reports whether db has no stores yet.
func Empty(ctx context.Context, db *storage.DB) (_ bool, err error) {
	defer errs.Op(&err, "seed.Empty")
	n, err := db.Client.Store.Query().Count(ctx)
	return n == 0, err
}

// batchSize rows go into one multi-row INSERT: under SQLite's 32766 and
// PostgreSQL's 65535 bind parameters for the widest table (stores, ~22 columns).
const batchSize = 1000

// loadStock opens stock rows through package inventory (the one writer of
// stock and its ledger), in batches, one transaction a batch.
func loadStock(ctx context.Context, db *storage.DB, lines []inventory.Opening, reason string, progress Progress) error {
	for start := 0; start < len(lines); start += batchSize {
		batch := lines[start:min(start+batchSize, len(lines))]
		err := storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
			return inventory.Open(ctx, tx, batch, reason)
		})
		if err != nil {
			return fmt.Errorf("load stock: %w", err)
		}
		progress.report("stock", start+len(batch), len(lines))
	}
	return nil
}

// analyze refreshes the planner's statistics after a bulk load (SQLite never
// gathers them by itself; PostgreSQL would, eventually), so queries pick the
// selective index from the first request on. On SQLite it keeps only the
// per-table statistics (storage.DropStat4: value samples would have every
// prepared statement planned again for each new value bound to it). On PostgreSQL it names the
// tables of wemart's schema: a bare ANALYZE there reads every table of the
// database, other schemas and the system catalogues included.
func analyze(ctx context.Context, db *storage.DB) error {
	stmt := "ANALYZE"
	if db.Dialect == dialect.Postgres {
		var tables string
		if err := db.SQL.QueryRowContext(ctx, "SELECT coalesce(string_agg(quote_ident(tablename), ', '), '') "+
			"FROM pg_tables WHERE schemaname = current_schema()").Scan(&tables); err != nil {
			return err
		}
		stmt += " " + tables
	}
	if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
		return err
	}
	if db.Dialect == dialect.SQLite {
		return storage.DropStat4(ctx, db.SQL)
	}
	return nil
}

// ean13 makes a valid EAN-13 from a 12-digit body by appending its check digit.
func ean13(body int64) string {
	digits := fmt.Sprintf("%012d", body)
	sum := 0
	for i, r := range digits {
		d := int(r - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return digits + fmt.Sprint((10-sum%10)%10)
}
