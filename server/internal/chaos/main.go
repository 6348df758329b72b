// Command chaos is `make chaos`: a fleet that must survive kill -9. It
// starts three PostgreSQL-backed `wemart serve` processes behind haproxy,
// sharing one token secret and one `wemart sandbox` (WeChat), drives
// shoppers through login, cart, checkout and payment (some notifications
// skipped) and staff through refunds and pickups, and meanwhile kills a
// random process with SIGKILL every few seconds and restarts it. Then it
// waits for the fleet to settle (unpaid orders expired, notifications and
// refunds delivered) and checks, from PostgreSQL and the sandbox's records,
// against what the driver itself asked for and was told, that no order,
// payment, refund or unit of stock was lost or made up, and that every
// 5xx is explained by a kill (haproxy's own answer while the server it
// chose was down, a server answering as it died or started, or the
// sandbox unreachable while it was down). It prints its figures and exits
// 1 on any violation, or when the run's deadline passes.
//
//	make build && go run ./server/internal/chaos
//
// Configuration (environment): CHAOS_SEED (random seed; printed),
// CHAOS_DURATION (load phase, 90s), CHAOS_DEADLINE (the whole run,
// CHAOS_DURATION + 3m), CHAOS_WORKERS (shopper goroutines, 8),
// CHAOS_POSTGRES (an administrative PostgreSQL URL; the run's database,
// wemart_chaos_<time>_<pid>_<random>, is made on it, leased while the run
// lives and dropped at exit), CHAOS_BINARY (bin/wemart), CHAOS_HAPROXY
// (haproxy, looked for on PATH and in /usr/sbin and /usr/local/sbin),
// CHAOS_KEEP=1 (keep the work directory with the logs even on success).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(2)
	}
	os.Exit(run(ctx, cfg))
}
