package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/indexer"
	"wemart/server/seed"
	"wemart/server/storage"
	"wemart/server/version"
)

const envHelp = `Configuration comes from the environment; every variable is optional:
  WEMART_ADDR            listen address (127.0.0.1:8080)
  WEMART_DATA_DIR        embedded database, search index, keys (./data)
  WEMART_DATABASE_URL    postgres://... (default: SQLite file in the data dir)
  WEMART_SEARCH_URL/_KEY a Meilisearch server (default: embedded index)
  WEMART_S3_ENDPOINT, _BUCKET, _ACCESS_KEY, _SECRET_KEY (_REGION, _PATH_STYLE, _PREFIX)
                         an S3-compatible bucket for pictures (default: files in the data dir)
  WEMART_MEDIA_URL       public base URL of the pictures (a CDN; default: /media/ on this server)
  WEMART_PREVIEW_DIR     the mini program's built browser preview, served at /shop/ in
                         sandbox mode (default miniprogram/dist-h5)
  WEMART_WECHAT_MODE     live, or sandbox (the default only on a laptop-shaped
                         configuration: loopback address, no https public URL,
                         no PostgreSQL, no token secret)
  WEMART_SANDBOX_URL     a shared sandbox (wemart sandbox) instead of one per server
  WEMART_ADMIN_USER/_PASSWORD  bootstrap admin account
  WEMART_METRICS_ADDR    serve Prometheus metrics (GET /metrics) on this address of its own
  WEMART_METRICS_TOKEN   or on the main listener, to requests with this bearer token (≥ 32 chars)
  WEMART_PPROF           true: also serve Go's profiles (/debug/pprof/) on WEMART_METRICS_ADDR
See README.md for the full table. Unknown WEMART_* variables are warned about at start.`

func rootCommand() *cobra.Command {
	info := version.Get()
	root := &cobra.Command{
		Use:           "wemart",
		Short:         "wemart: the backend of an O2O store chain selling through a WeChat Mini Program",
		Long:          "wemart: the backend of an O2O store chain selling through a WeChat Mini Program.\n\n" + envHelp,
		Version:       info.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// --version prints what `wemart version` prints.
	root.SetVersionTemplate(info.String())
	root.AddCommand(serveCommand(), migrateCommand(), seedCommand(), reindexCommand(), sandboxCommand(), versionCommand(info))
	return root
}

func versionCommand(info version.Info) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build time",
		Long: "Print the version (git describe), the commit and the build time of this binary, as\n" +
			"`make build` stamped them; a binary built otherwise reports what the Go toolchain\n" +
			"recorded. Also `wemart --version`.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), info.String())
			return err
		},
	}
}

// setup loads and validates the configuration and logs its summary.
func setup() (config.Config, *slog.Logger, error) {
	cfg, err := config.Load()
	if err != nil {
		return cfg, nil, err
	}
	log := app.NewLogger(cfg)
	info := version.Get()
	log.Info("config", append(cfg.Summary(), "version", info.Version, "commit", info.Commit)...)
	for _, u := range config.Unknown(os.Environ()) {
		log.Warn(u.String(), "variable", u.Name, "did_you_mean", u.Closest)
	}
	return cfg, log, nil
}

// setupDB is setup plus the database, opened and made current by
// app.OpenDB. The caller closes it.
func setupDB(ctx context.Context) (config.Config, *slog.Logger, *storage.DB, error) {
	cfg, log, err := setup()
	if err != nil {
		return cfg, nil, nil, err
	}
	db, err := app.OpenDB(ctx, cfg, log)
	return cfg, log, db, err
}

func serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API until SIGINT/SIGTERM",
		Long: "Serve the shopper API (/api/v1), the staff API (/admin/v1), WeChat callbacks and,\n" +
			"in sandbox mode, the local WeChat sandbox; Prometheus metrics at GET /metrics when\n" +
			"WEMART_METRICS_ADDR or WEMART_METRICS_TOKEN is set. On the embedded SQLite default the\n" +
			"database is created and migrated on start; PostgreSQL must be migrated first\n" +
			"with `wemart migrate`. On SIGTERM in-flight requests finish before exit.\n\n" + envHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, log, db, err := setupDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			ln, err := app.Listen(cfg)
			if err != nil {
				return err
			}
			defer ln.Close()
			mln, err := app.ListenMetrics(cfg)
			if err != nil {
				return err
			}
			if mln != nil {
				defer mln.Close()
			}
			a, err := app.New(ctx, cfg, log, db, app.Options{SelfURL: app.SelfURL(ln.Addr()), MetricsListener: mln})
			if err != nil {
				return err
			}
			return a.Serve(ctx, ln)
		},
	}
}

func sandboxCommand() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "sandbox [--addr host:port]",
		Short: "Serve only the WeChat sandbox, for a fleet of servers to share",
		Long: "Serve the WeChat sandbox (the simulated api.weixin.qq.com and WeChat Pay under\n" +
			"/sandbox/) on its own until SIGINT/SIGTERM, so that several `wemart serve`\n" +
			"processes see one WeChat: start them with WEMART_WECHAT_MODE=sandbox and\n" +
			"WEMART_SANDBOX_URL=http://<this address>. They take the sandbox's made-up\n" +
			"identity from GET /sandbox/identity and forward /sandbox/ requests here;\n" +
			"notifications go to the notify URL each prepay named (WEMART_PUBLIC_URL +\n" +
			"/wechat/pay/notify). Identity and journal live in $WEMART_DATA_DIR/sandbox;\n" +
			"one process at a time may use them.\n\n" +
			"  --addr   listen address (default $WEMART_SANDBOX_ADDR, or 127.0.0.1:8090)\n\n" + envHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := setup()
			if err != nil {
				return err
			}
			if addr != "" {
				cfg.SandboxAddr = addr
			}
			ln, err := app.ListenSandbox(cfg)
			if err != nil {
				return err
			}
			defer ln.Close()
			return app.ServeSandbox(cmd.Context(), cfg, log, ln)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address (default $WEMART_SANDBOX_ADDR, or 127.0.0.1:8090)")
	return cmd
}

func migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations",
		Long: "Apply every pending migration to the configured database (the embedded SQLite\n" +
			"file, or WEMART_DATABASE_URL) and print the schema version. Safe to run from\n" +
			"several processes at once on PostgreSQL (they take turns on an advisory lock).\n\n" + envHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := setup()
			if err != nil {
				return err
			}
			db, err := storage.Open(cmd.Context(), cfg.DatabaseURL, cfg.DataDir)
			if err != nil {
				return err
			}
			defer db.Close()
			v, err := db.Migrate(cmd.Context(), log)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "database %s is at schema version %d\n", db.Location, v)
			return nil
		},
	}
}

func seedCommand() *cobra.Command {
	var (
		demo, ifEmpty bool
		spec          seed.Spec
	)
	cmd := &cobra.Command{
		Use:   "seed (--demo | --stores N --products M [--seed S])",
		Short: "Load demo or synthetic data into an empty database",
		Long: "Load data into an empty database (a database with stores is refused).\n\n" +
			"  --demo       a believable demo: 21 stores across Shanghai, 200+ products with\n" +
			"               Chinese titles in 12 categories, each with a picture (kept in the\n" +
			"               media store: $WEMART_DATA_DIR/media or WEMART_S3_*), stock in every\n" +
			"               store, English names for most products, and search synonym groups.\n" +
			"               With --if-empty on a demo seeded before, it puts back the pictures the\n" +
			"               demo's products show, and gives the search the demo's synonym groups\n" +
			"               when there are none.\n" +
			"  --stores N --products M [--seed S]\n" +
			"               deterministic synthetic data for benchmarks: N stores spread over\n" +
			"               a Shanghai-sized area, M products; the same seed gives the same data.\n\n" + envHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if demo == (spec.Stores > 0 || spec.Products > 0) {
				return fmt.Errorf("give either --demo or --stores/--products")
			}
			ctx := cmd.Context()
			cfg, log, db, err := setupDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			store, err := app.MediaStore(cfg)
			if err != nil {
				return err
			}
			if ifEmpty {
				if empty, err := seed.Empty(ctx, db); err != nil {
					return err
				} else if !empty {
					if demo {
						// A demo whose media directory was lost gets its
						// pictures back; no product is given one.
						if err := seed.RestoreDemoPictures(ctx, db, store); err != nil {
							return err
						}
						groups, err := seed.DemoSynonyms(ctx, db)
						if err != nil {
							return err
						}
						log.Info("seed skipped: the database already has data", "media", store.Describe(), "synonym_groups_added", groups)
						return nil
					}
					log.Info("seed skipped: the database already has data")
					return nil
				}
			}
			start := time.Now()
			var sum seed.Summary
			progress := newProgress()
			if demo {
				sum, err = seed.Demo(ctx, db, store, progress.report)
			} else {
				sum, err = seed.Synthetic(ctx, db, spec, progress.report)
			}
			progress.finish()
			if err != nil {
				return err
			}
			took := time.Since(start)
			fmt.Fprintf(cmd.OutOrStdout(), "seeded %s in %s (%.0f stores/s)\n",
				sum, took.Round(time.Millisecond), float64(sum.Stores)/took.Seconds())
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&demo, "demo", false, "load the demo chain")
	f.BoolVar(&ifEmpty, "if-empty", false, "do nothing (successfully) if the database already has data")
	f.IntVar(&spec.Stores, "stores", 0, "number of synthetic stores")
	f.IntVar(&spec.Products, "products", 0, "number of synthetic products")
	f.Uint64Var(&spec.Seed, "seed", 1, "random seed of the synthetic data")
	f.IntVar(&spec.SkusPerProduct, "skus-per-product", 2, "SKUs of each synthetic product")
	f.IntVar(&spec.StockPerStore, "stock-per-store", 0, "SKUs each synthetic store stocks (each row also writes a ledger row)")
	return cmd
}

func reindexCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the catalogue search index from the database",
		Long: "Build a new generation of the search index (the embedded one in the data dir,\n" +
			"or Meilisearch with WEMART_SEARCH_URL) from the database while the current one\n" +
			"keeps answering, replay the changes made meanwhile, and switch to it: running\n" +
			"servers follow within a second. Safe to run while serving.\n\n" + envHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, log, db, err := setupDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			p := newProgress()
			start := time.Now()
			gen, err := indexer.Reindex(ctx, db, app.SearchEngine(cfg), log, func(done, total int) { p.report("products", done, total) })
			p.finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "search index generation %d built and published in %s\n", gen, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
}

// progress draws one bar per seeding stage on a terminal and nothing otherwise.
type progress struct {
	tty   bool
	stage string
	bar   *progressbar.ProgressBar
}

func newProgress() *progress { return &progress{tty: term.IsTerminal(int(os.Stderr.Fd()))} }

func (p *progress) report(stage string, done, total int) {
	if !p.tty {
		return
	}
	if stage != p.stage {
		p.finish()
		p.stage = stage
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription(fmt.Sprintf("%-8s", stage)), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"), progressbar.OptionThrottle(100*time.Millisecond))
	}
	_ = p.bar.Set(done)
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(os.Stderr)
		p.bar = nil
	}
}
