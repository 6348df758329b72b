package storage

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"

	"entgo.io/ent/dialect"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"wemart/server/errs"
)

// The migrations are generated from the ent schema by `make migration` (see
// internal/migrategen) in goose's format, one directory per engine, and
// embedded so the binary carries them.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// MigrationsDir is the directory under server/storage that holds the migrations
// of an engine.
func MigrationsDir(dialectName string) string {
	if dialectName == dialect.Postgres {
		return "migrations/postgres"
	}
	return "migrations/sqlite"
}

func (db *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, MigrationsDir(db.Dialect))
	if err != nil {
		return nil, err
	}
	gd := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.Dialect == dialect.Postgres {
		gd = goose.DialectPostgres
		// Several processes may run `wemart migrate` at once during a rollout:
		// an advisory lock makes them take turns. The lock is per database and
		// schema, so migrations of unrelated schemas never wait on each other.
		var where string
		if err := db.SQL.QueryRowContext(context.Background(), "SELECT current_database() || '.' || current_schema()").Scan(&where); err != nil {
			return nil, err
		}
		h := fnv.New64a()
		h.Write([]byte("wemart-migrate:" + where))
		locker, err := lock.NewPostgresSessionLocker(
			lock.WithLockID(int64(h.Sum64()>>1)),
			lock.WithLockTimeout(1, 300), // try every second for five minutes
		)
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(gd, db.SQL, sub, opts...)
}

// Migrate applies every pending migration and returns the schema version the
// database is at afterwards.
func (db *DB) Migrate(ctx context.Context, log *slog.Logger) (_ int64, err error) {
	defer errs.Op(&err, "storage.DB.Migrate")
	p, err := db.provider()
	if err != nil {
		return 0, fmt.Errorf("load migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	return p.GetDBVersion(ctx)
}

// MigrateTo applies pending migrations up to and including version (tests
// use it to build databases of an older schema).
func (db *DB) MigrateTo(ctx context.Context, version int64) (err error) {
	defer errs.Op(&err, "storage.DB.MigrateTo")
	p, err := db.provider()
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// Versions lists the versions of the migrations this binary carries, oldest first.
func (db *DB) Versions() (_ []int64, err error) {
	defer errs.Op(&err, "storage.DB.Versions")
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, s := range p.ListSources() {
		out = append(out, s.Version)
	}
	return out, nil
}

// SchemaVersions returns the version the database is at and the newest version
// this binary carries.
func (db *DB) SchemaVersions(ctx context.Context) (current, target int64, err error) {
	defer errs.Op(&err, "storage.DB.SchemaVersions")
	p, err := db.provider()
	if err != nil {
		return 0, 0, fmt.Errorf("load migrations: %w", err)
	}
	return p.GetVersions(ctx)
}
