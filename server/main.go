// Command wemart is the whole backend in one binary: `wemart serve` runs the
// HTTP API, `wemart migrate` brings a database's schema up to date, and
// `wemart seed` loads demo or synthetic data. Configuration comes from the
// environment (see README.md); the defaults need nothing installed.
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
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "wemart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	root := rootCommand()
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}
