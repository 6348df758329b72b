package main

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
)

// config is what one run is told (see the package comment for the
// variables).
type config struct {
	// Seed drives every random choice of the run (who buys what, who pays,
	// which process dies when); timing still differs between runs.
	Seed uint64
	// Duration is the load phase: shoppers shop and processes die.
	Duration time.Duration
	// Postgres is an administrative URL of the PostgreSQL server the
	// run's database is created on.
	Postgres string
	// Binary is the wemart binary (make build).
	Binary string
	// HAProxy is the haproxy executable.
	HAProxy string
	// Keep keeps the work directory (logs, data dirs) after a clean run.
	Keep bool

	// Servers is how many `wemart serve` processes sit behind haproxy.
	Servers int
	// Workers are the shoppers' goroutines; each plays Shoppers/Workers
	// shoppers in turn.
	Workers, Shoppers int
	// KillMin and KillMax bound the pause between two kills.
	KillMin, KillMax time.Duration
	// SandboxKills is how many of the kills hit the sandbox.
	SandboxKills int
	// TTL is WEMART_ORDER_TTL (the minimum: expiry happens within the run).
	TTL time.Duration
	// Settle bounds the wait for the fleet to go quiet after the load.
	Settle time.Duration
	// Deadline bounds the whole run, from start to the database dropped:
	// each phase is cut short when it would pass it.
	Deadline time.Duration
	// Grace is how long after a process is healthy again a 502/503 still
	// counts as caused by its death.
	Grace time.Duration
}

// Slices of the run's deadline kept for the phases after the load: the
// checks and reporting, and the clean-up (every process killed, the
// database dropped). A deadline must leave room for both and some setup.
const (
	reserveCheck   = 20 * time.Second
	reserveCleanup = 20 * time.Second
	minOverhead    = reserveCheck + reserveCleanup + 5*time.Second
)

// loadConfig reads the configuration from the environment (getenv).
func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{
		Duration: 90 * time.Second,
		Postgres: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		Binary:   "bin/wemart",
		HAProxy:  "haproxy",
		Servers:  3, Workers: 8, Shoppers: 120,
		KillMin: 3 * time.Second, KillMax: 6 * time.Second, SandboxKills: 2,
		TTL: time.Minute, Grace: 2 * time.Second,
	}
	if v := getenv("CHAOS_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return cfg, fmt.Errorf("CHAOS_SEED must be a non-negative integer (got %q)", v)
		}
		cfg.Seed = s
	} else {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return cfg, err
		}
		cfg.Seed = binary.LittleEndian.Uint64(b[:]) % 1_000_000_000
	}
	if v := getenv("CHAOS_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 10*time.Second || d > time.Hour {
			return cfg, fmt.Errorf("CHAOS_DURATION must be a duration from 10s to 1h, like 90s (got %q)", v)
		}
		cfg.Duration = d
	}
	if v := getenv("CHAOS_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return cfg, fmt.Errorf("CHAOS_WORKERS must be a number of shopper goroutines from 1 to 64 (got %q)", v)
		}
		cfg.Workers = n
	}
	for name, dst := range map[string]*string{"CHAOS_POSTGRES": &cfg.Postgres, "CHAOS_BINARY": &cfg.Binary, "CHAOS_HAPROXY": &cfg.HAProxy} {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	cfg.Keep = getenv("CHAOS_KEEP") == "1"
	// About 2½ minutes more than the load is a normal run; 3 minutes more
	// bound it (a 90 s load: 4m30s, so that make chaos stays under 5).
	cfg.Deadline = cfg.Duration + 3*time.Minute
	if v := getenv("CHAOS_DEADLINE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < cfg.Duration+minOverhead {
			return cfg, fmt.Errorf("CHAOS_DEADLINE must be a duration of at least CHAOS_DURATION + %s (%s), like 5m (got %q)",
				minOverhead, cfg.Duration+minOverhead, v)
		}
		cfg.Deadline = d
	}
	// Unpaid orders placed at the end of the load expire a TTL later; the
	// rest (notification retries, refunds the sweeper resubmits after 30 s
	// or asks about after a minute) fits in another 90 s.
	cfg.Settle = cfg.TTL + 90*time.Second
	return cfg, nil
}
