package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// database is the run's own PostgreSQL database, created fresh and dropped
// at the end. Its name is wemart_chaos_<created>_<pid>_<random> (created:
// PostgreSQL's clock, Unix seconds), and its comment a lease the run
// renews while it lives: "wemart chaos lease until <Unix seconds> host
// <name> pid <pid>". Runs on several hosts may share one PostgreSQL
// server: a run drops another's database only when its lease ran out by
// PostgreSQL's clock and nobody is connected to it (staleDatabase).
type database struct {
	admin string // the administrative URL it was created through
	name  string
	url   string // wemart's WEMART_DATABASE_URL

	stopLease context.CancelFunc
	leaseDone chan struct{}
}

// The lease: how long it lasts, and how often the run renews it.
const (
	leaseTTL   = 2 * time.Minute
	leaseRenew = 20 * time.Second
	dbPrefix   = "wemart_chaos_"
)

// createDatabase creates the run's database on the server of adminURL,
// after dropping the stale databases of runs that died, and keeps its
// lease until drop.
func createDatabase(ctx context.Context, adminURL string) (*database, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return nil, fmt.Errorf("CHAOS_POSTGRES: %w", err)
	}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL (CHAOS_POSTGRES): %w", err)
	}
	defer conn.Close(context.Background())
	if err := dropStale(ctx, conn); err != nil {
		return nil, err
	}
	var now int64
	if err := conn.QueryRow(ctx, "SELECT extract(epoch FROM now())::bigint").Scan(&now); err != nil {
		return nil, err
	}
	d := &database{admin: adminURL, name: fmt.Sprintf("%s%d_%d_%s", dbPrefix, now, os.Getpid(), secret(2))}
	own := *u
	own.Path = "/" + d.name
	d.url = own.String()
	ident := pgx.Identifier{d.name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return nil, err
	}
	if err := d.renew(ctx, conn); err != nil {
		return nil, err
	}
	// Commits do not wait for the WAL to reach the disk: PostgreSQL itself is
	// never killed here, so every commit a wemart process saw is kept all
	// the same, and the shared machine's disk is spared thousands of fsyncs.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" SET synchronous_commit = off"); err != nil {
		return nil, err
	}
	lctx, stop := context.WithCancel(context.Background())
	d.stopLease, d.leaseDone = stop, make(chan struct{})
	go d.keepLease(lctx)
	return d, nil
}

// renew sets the lease to run leaseTTL from now, by PostgreSQL's clock.
func (d *database) renew(ctx context.Context, conn *pgx.Conn) error {
	var until int64
	if err := conn.QueryRow(ctx, "SELECT extract(epoch FROM now())::bigint + $1", int64(leaseTTL/time.Second)).Scan(&until); err != nil {
		return err
	}
	host, _ := os.Hostname()
	lease := fmt.Sprintf("wemart chaos lease until %d host %s pid %d", until, host, os.Getpid())
	_, err := conn.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{d.name}.Sanitize()+" IS "+quote(lease))
	return err
}

// keepLease renews the lease every leaseRenew until ctx ends (a failed
// renewal is tried again at the next).
func (d *database) keepLease(ctx context.Context) {
	defer close(d.leaseDone)
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for sleep(ctx, leaseRenew) {
		if conn == nil || conn.IsClosed() {
			c, err := pgx.Connect(ctx, d.admin)
			if err != nil {
				continue
			}
			conn = c
		}
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := d.renew(rctx, conn); err != nil && ctx.Err() == nil {
			fmt.Fprintf(os.Stderr, "chaos: renewing the lease of database %s: %v\n", d.name, err)
		}
		cancel()
	}
}

// quote is s as an SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// drop stops renewing the lease and drops the database, whoever is still
// connected (DROP DATABASE waits for a checkpoint, which a busy disk makes
// slow: ctx bounds it).
func (d *database) drop(ctx context.Context) error {
	d.stopLease()
	<-d.leaseDone
	conn, err := pgx.Connect(ctx, d.admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.name}.Sanitize()+" WITH (FORCE)")
	return err
}

// dropStale drops the databases of runs that died without dropping their
// own (a run killed with SIGKILL cannot), on whichever host they ran.
func dropStale(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT d.datname, coalesce(shobj_description(d.oid, 'pg_database'), ''),
			extract(epoch FROM now())::bigint, (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname)
		FROM pg_database d WHERE d.datname LIKE 'wemart\_chaos\_%'`)
	if err != nil {
		return err
	}
	type row struct {
		name, comment  string
		now, connected int64
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.name, &x.comment, &x.now, &x.connected)
		return x, err
	})
	if err != nil {
		return err
	}
	for _, x := range found {
		stale, why := staleDatabase(x.name, x.comment, x.now, x.connected)
		if !stale {
			continue
		}
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{x.name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("dropping %s, left by an earlier run: %w", x.name, err)
		}
		fmt.Printf("chaos: dropped database %s, left by an earlier run (%s)\n", x.name, why)
	}
	return nil
}

// staleDatabase says whether a database named wemart_chaos_* with the
// comment given was left by a run that died: nobody is connected to it (a
// live run's servers are), and its lease ran out by PostgreSQL's clock
// (now), or, without a lease, it was made longer than a lease ago (a run
// that died between making it and leasing it) or by an older version of
// this tool (wemart_chaos_<pid>).
func staleDatabase(name, comment string, now, connected int64) (bool, string) {
	if connected > 0 {
		return false, ""
	}
	var until int64
	if _, err := fmt.Sscanf(comment, "wemart chaos lease until %d", &until); err == nil {
		return until < now, fmt.Sprintf("its lease ran out %ds ago: %s", now-until, comment)
	}
	parts := strings.Split(strings.TrimPrefix(name, dbPrefix), "_")
	switch {
	case len(parts) == 1 && digits(parts[0]):
		return true, "made by an older make chaos, nobody connected"
	case len(parts) == 3 && digits(parts[0]):
		created, _ := strconv.ParseInt(parts[0], 10, 64)
		return created+int64(leaseTTL/time.Second) < now, "never leased, made " + fmt.Sprint(now-created) + "s ago"
	}
	return false, ""
}

// digits reports whether s is a non-empty run of ASCII digits.
func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
