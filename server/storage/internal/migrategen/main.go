// Command migrategen writes a new versioned migration for each engine from the
// difference between the ent schema and the existing migrations, replayed on a
// clean development database (in-memory SQLite; a scratch database on the
// PostgreSQL server named by WEMART_DEV_POSTGRES). It never edits existing files.
//
//	go run ./server/storage/internal/migrategen -name add_widgets
//
// A generated migration may be edited by hand (Atlas rebuilds a SQLite table
// where an in-place ALTER would do, for example); -rehash then rewrites each
// directory's atlas.sum so the next diff replays the edited files.
//
//	go run ./server/storage/internal/migrategen -rehash
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"

	atlas "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"wemart/ent/migrate"
)

func main() {
	name := flag.String("name", "", "name of the migration (snake_case)")
	root := flag.String("dir", "server/storage", "the storage package directory")
	pgURL := flag.String("postgres", envOr("WEMART_DEV_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL server for the scratch schema")
	rehash := flag.Bool("rehash", false, "rewrite atlas.sum after editing migrations by hand")
	flag.Parse()
	if *rehash {
		for _, engine := range []string{"sqlite", "postgres"} {
			if err := rehashDir(filepath.Join(*root, "migrations", engine)); err != nil {
				log.Fatalf("%s: %v", engine, err)
			}
		}
		return
	}
	if *name == "" {
		log.Fatal("-name is required")
	}
	ctx := context.Background()
	if err := diffSQLite(ctx, filepath.Join(*root, "migrations/sqlite"), *name); err != nil {
		log.Fatalf("sqlite: %v", err)
	}
	if err := diffPostgres(ctx, filepath.Join(*root, "migrations/postgres"), *name, *pgURL); err != nil {
		log.Fatalf("postgres: %v", err)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func diff(ctx context.Context, db *sql.DB, dialectName, dir, name string) error {
	gd, err := sqltool.NewGooseDir(dir)
	if err != nil {
		return err
	}
	m, err := schema.NewMigrate(entsql.OpenDB(dialectName, db),
		schema.WithDir(gd),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dialectName),
		schema.WithFormatter(sqltool.GooseFormatter),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
	if err != nil {
		return err
	}
	if err := m.NamedDiff(ctx, name, migrate.Tables...); err != nil {
		if err == atlas.ErrNoPlan {
			fmt.Printf("%s: no changes\n", dialectName)
			return nil
		}
		return err
	}
	fmt.Printf("%s: wrote a migration in %s\n", dialectName, dir)
	return nil
}

func diffSQLite(ctx context.Context, dir, name string) error {
	db, err := sql.Open("sqlite", "file:migrategen?mode=memory&_pragma=foreign_keys(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database, one connection
	return diff(ctx, db, dialect.SQLite, dir, name)
}

func diffPostgres(ctx context.Context, dir, name, rawURL string) error {
	admin, err := sql.Open("pgx", rawURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	// A whole scratch database, not a schema: Atlas replays into a clean realm.
	scratch := fmt.Sprintf("wemart_migrategen_%d", rand.Uint32())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+scratch); err != nil {
		return err
	}
	defer admin.ExecContext(ctx, "DROP DATABASE "+scratch+" WITH (FORCE)")
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	u.Path = "/" + scratch
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	return diff(ctx, db, dialect.Postgres, dir, name)
}

// rehashDir rewrites the checksum file of the migration directory dir.
func rehashDir(dir string) error {
	gd, err := sqltool.NewGooseDir(dir)
	if err != nil {
		return err
	}
	sum, err := gd.Checksum()
	if err != nil {
		return err
	}
	if err := atlas.WriteSumFile(gd, sum); err != nil {
		return err
	}
	fmt.Printf("rehashed %s\n", dir)
	return nil
}
