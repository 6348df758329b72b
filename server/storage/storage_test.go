package storage_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"wemart/ent"
	"wemart/schema/types"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestMigrationsFromEmpty applies every migration to an empty database, checks
// the version, that a second run does nothing, and that the result is exactly
// what the ent schema describes: if this fails after a schema change, run
// `make migration name=...`.
func TestMigrationsFromEmpty(t *testing.T) {
	// ent's schema diff writes to the generated table definitions, which
	// are package variables: the engines take turns at it (a process of
	// wemart only ever diffs one).
	var diffing sync.Mutex
	for _, engine := range storagetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := storagetest.Empty(t, engine)
			before, target, err := db.SchemaVersions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if before != 0 || target == 0 {
				t.Fatalf("empty database: current %d, target %d", before, target)
			}
			v, err := db.Migrate(ctx, quiet)
			if err != nil {
				t.Fatal(err)
			}
			if v != target {
				t.Fatalf("migrated to %d, want %d", v, target)
			}
			if v2, err := db.Migrate(ctx, quiet); err != nil || v2 != v {
				t.Fatalf("second migrate: version %d, err %v", v2, err)
			}
			var plan strings.Builder
			diffing.Lock()
			err = db.Client.Schema.WriteTo(ctx, &plan)
			diffing.Unlock()
			if err != nil {
				t.Fatal(err)
			}
			if stmts := planStatements(plan.String()); len(stmts) > 0 {
				t.Fatalf("migrations drift from the ent schema; run `make migration name=...`. Missing:\n%s",
					strings.Join(stmts, "\n"))
			}
		})
	}
}

// planStatements keeps the DDL of an ent dry-run plan, dropping the
// transaction wrapper it always prints.
func planStatements(plan string) []string {
	var out []string
	for _, line := range strings.Split(plan, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "", line == "BEGIN;", line == "COMMIT;", strings.HasPrefix(line, "--"):
		default:
			out = append(out, line)
		}
	}
	return out
}

// TestStockChecksHold shows the database itself refuses an oversold or
// negative stock row, whatever the application does.
func TestStockChecksHold(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		c := db.Client
		st := c.Store.Create().SetName("S").SetLat(31).SetLng(121).SetH3R5(1).SetH3R7(1).SetH3R8(1).
			SetOpeningHours([]types.OpeningPeriod{}).SaveX(ctx)
		p := c.Product.Create().SetTitle("P").SaveX(ctx)
		sku := c.Sku.Create().SetProduct(p).SetName("x").SetPriceFen(100).SaveX(ctx)
		stock := c.Stock.Create().SetStoreID(st.ID).SetSkuID(sku.ID).SetOnHand(3).SaveX(ctx)

		for name, upd := range map[string]*ent.StockUpdateOne{
			"negative on_hand":       c.Stock.UpdateOne(stock).SetOnHand(-1),
			"reserved above on_hand": c.Stock.UpdateOne(stock).SetReserved(4),
			"negative reserved":      c.Stock.UpdateOne(stock).SetReserved(-1),
		} {
			if _, err := upd.Save(ctx); err == nil {
				t.Errorf("%s: the database accepted it", name)
			}
		}
		if got := c.Stock.GetX(ctx, stock.ID); got.OnHand != 3 || got.Reserved != 0 {
			t.Fatalf("stock changed: %+v", got)
		}
	})
}

func TestWithTxRollsBack(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		err := storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
			tx.Category.Create().SetName("gone").SaveX(ctx)
			return context.Canceled
		})
		if err != context.Canceled {
			t.Fatalf("WithTx = %v, want the callback's error", err)
		}
		if n := db.Client.Category.Query().CountX(ctx); n != 0 {
			t.Fatalf("%d categories survived a rollback", n)
		}
	})
}

// TestSQLiteRebuildsRunOutsideTransactions: SQLite can only switch foreign
// keys off outside a transaction, and goose wraps each migration in one. A
// generated migration that rebuilds a table (PRAGMA foreign_keys = off, copy,
// DROP, rename) would then drop a parent table with foreign keys on, losing
// or cascading rows. Such a migration must say "-- +goose NO TRANSACTION"
// (or the schema change be made so SQLite can alter in place).
func TestSQLiteRebuildsRunOutsideTransactions(t *testing.T) {
	files, err := filepath.Glob("migrations/sqlite/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "PRAGMA foreign_keys = off") && !strings.Contains(string(b), "+goose NO TRANSACTION") {
			t.Errorf("%s rebuilds a table inside a transaction (foreign keys stay on): add -- +goose NO TRANSACTION or make the change alterable in place", f)
		}
	}
}

// TestMigrationsKeepData builds a database at the first schema version,
// fills it through plain SQL (the current ent client does not speak old
// schemas), applies every later migration and checks that nothing was lost
// and every foreign key still holds.
func TestMigrationsKeepData(t *testing.T) {
	for _, engine := range storagetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := storagetest.Empty(t, engine)
			versions, err := db.Versions()
			if err != nil {
				t.Fatal(err)
			}
			if err := db.MigrateTo(ctx, versions[0]); err != nil {
				t.Fatal(err)
			}
			ph := func(n int) string {
				if engine == "postgres" {
					return fmt.Sprintf("$%d", n)
				}
				return "?"
			}
			now := time.Now().UTC()
			exec := func(q string, args ...any) {
				t.Helper()
				for i := len(args); i >= 1; i-- {
					q = strings.Replace(q, fmt.Sprintf("$%d", i), ph(i), 1)
				}
				if _, err := db.SQL.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO stores (id, created_at, updated_at, name, lat, lng, h3_r5, h3_r7, h3_r8, opening_hours) VALUES (7, $1, $2, 'S', 31.2, 121.4, 1, 2, 3, '[]')`, now, now)
			exec(`INSERT INTO store_delivery_cells (store_id, cell, resolution) VALUES (7, 12345, 9)`)
			exec(`INSERT INTO products (id, created_at, updated_at, title) VALUES (8, $1, $2, 'P')`, now, now)
			exec(`INSERT INTO skus (id, created_at, updated_at, product_id, name, price_fen) VALUES (9, $1, $2, 8, 'x', 100)`, now, now)
			exec(`INSERT INTO stocks (created_at, updated_at, store_id, sku_id, on_hand) VALUES ($1, $2, 7, 9, 5)`, now, now)
			exec(`INSERT INTO staff (created_at, updated_at, username, password_hash, role, store_id) VALUES ($1, $2, 'c', 'h', 'clerk', 7)`, now, now)

			if _, err := db.Migrate(ctx, quiet); err != nil {
				t.Fatal(err)
			}
			c := db.Client
			if st := c.Store.GetX(ctx, 7); st.Name != "S" || st.H3R8 != 3 {
				t.Fatalf("store after migrations: %+v", st)
			}
			if c.StoreDeliveryCell.Query().CountX(ctx) != 1 || c.Stock.Query().CountX(ctx) != 1 || c.Staff.Query().OnlyX(ctx).StoreID == nil {
				t.Fatal("rows referencing the store were lost or unlinked by a migration")
			}
			if st := c.Stock.Query().OnlyX(ctx); st.OnHand != 5 || st.PriceFen != nil {
				t.Fatalf("stock row after migrations: %+v (a store has no price of its own until staff set one)", st)
			}
			if engine == "sqlite" {
				rows, err := db.SQL.QueryContext(ctx, "PRAGMA foreign_key_check")
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				if rows.Next() {
					t.Fatal("foreign key violations after migrating")
				}
			}
		})
	}
}

// TestSQLiteWritesShareOneConnection: on SQLite a process's transactions,
// and its writes outside them, run on one connection of their own (whose
// page cache no other connection's write then resets); reads outside
// transactions run on the pool. A TEMP table lives on the connection that
// made it, so it shows which connection a statement ran on.
func TestSQLiteWritesShareOneConnection(t *testing.T) {
	db := storagetest.New(t, "sqlite")
	ctx := context.Background()
	if err := storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TEMP TABLE writer_marker (n INTEGER)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 { // transactions at once, and reads beside them
		wg.Add(2)
		go func() {
			defer wg.Done()
			errs <- storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO writer_marker (n) VALUES (?)", i)
				return err
			})
		}()
		go func() {
			defer wg.Done()
			_, err := db.Client.Category.Query().Count(ctx)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a transaction or read beside them: %v", err)
		}
	}
	if _, err := db.Client.ExecContext(ctx, "INSERT INTO writer_marker (n) VALUES (100)"); err != nil {
		t.Fatalf("a write outside a transaction did not run on the writer: %v", err)
	}
	rows, err := db.Client.QueryContext(ctx, "SELECT count(*) FROM writer_marker")
	if err == nil {
		rows.Close()
		t.Fatal("a read outside a transaction ran on the writer's connection")
	}
	var n int
	if err := storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT count(*) FROM writer_marker")
		if err != nil {
			return err
		}
		defer rows.Close()
		rows.Next()
		return rows.Scan(&n)
	}); err != nil || n != 21 {
		t.Fatalf("the writer holds %d rows (%v), want 21", n, err)
	}
}
