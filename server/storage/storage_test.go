package storage_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

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
			if err := db.Client.Schema.WriteTo(ctx, &plan); err != nil {
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
