package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// database is the run's own PostgreSQL database, created fresh and dropped
// at the end.
type database struct {
	admin string // the administrative URL it was created through
	name  string
	url   string // wemart's WEMART_DATABASE_URL
}

// createDatabase creates wemart_chaos_<pid> on the server of adminURL.
func createDatabase(ctx context.Context, adminURL string) (*database, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return nil, fmt.Errorf("CHAOS_POSTGRES: %w", err)
	}
	d := &database{admin: adminURL, name: fmt.Sprintf("wemart_chaos_%d", os.Getpid())}
	own := *u
	own.Path = "/" + d.name
	d.url = own.String()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL (CHAOS_POSTGRES): %w", err)
	}
	defer conn.Close(ctx)
	if err := dropStale(ctx, conn); err != nil {
		return nil, err
	}
	ident := pgx.Identifier{d.name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return nil, err
	}
	// Commits do not wait for the WAL to reach the disk: PostgreSQL itself is
	// never killed here, so every commit a wemart process saw is kept all
	// the same, and the shared machine's disk is spared thousands of fsyncs.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" SET synchronous_commit = off"); err != nil {
		return nil, err
	}
	return d, nil
}

// drop drops the database, whoever is still connected (DROP DATABASE
// waits for a checkpoint, which a busy disk makes slow: ctx bounds it).
func (d *database) drop(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, d.admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.name}.Sanitize()+" WITH (FORCE)")
	return err
}

// dropStale drops the databases of earlier runs whose process is gone (a
// run killed with SIGKILL cannot drop its own).
func dropStale(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'wemart\\_chaos\\_%'")
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, name := range names {
		pid, err := strconv.Atoi(strings.TrimPrefix(name, "wemart_chaos_"))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue // that run is still going
		}
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("dropping %s, left by an earlier run: %w", name, err)
		}
		fmt.Printf("chaos: dropped database %s, left by an earlier run\n", name)
	}
	return nil
}
