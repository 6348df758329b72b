package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// run is one whole run: set up, load with kills, settle, check, report,
// all within cfg.Deadline. It returns the exit code and leaves nothing
// running and no database.
func run(ctx context.Context, cfg config) int {
	began := time.Now()
	end := began.Add(cfg.Deadline)
	lo, hi := pauses(cfg, cfg.Duration)
	fmt.Printf("chaos: seed %d (set CHAOS_SEED=%d to replay the choices), load %s, %d servers behind haproxy, kill every %s–%s, deadline %s\n",
		cfg.Seed, cfg.Seed, cfg.Duration, cfg.Servers, lo.Round(10*time.Millisecond), hi.Round(10*time.Millisecond), cfg.Deadline)
	// Every phase but the clean-up runs within runCtx, which ends
	// reserveCleanup before the deadline; the clean-up has the rest.
	runCtx, cancel := context.WithDeadline(ctx, end.Add(-reserveCleanup))
	defer cancel()
	phase := "setup"
	// stop says why the run could not go on: interrupted, out of time (in
	// which phase), or err.
	stop := func(err error) int {
		switch {
		case ctx.Err() != nil:
			err = fmt.Errorf("interrupted during the %s phase", phase)
		case runCtx.Err() != nil:
			return outOfTime(cfg, phase, began, err)
		}
		return fail(err)
	}
	removeStaleDirs(os.TempDir())
	dir, err := makeWorkDir(os.TempDir())
	if err != nil {
		return fail(err)
	}
	keep := cfg.Keep
	defer func() {
		if keep {
			markKept(dir)
			fmt.Printf("chaos: logs and data dirs kept in %s\n", dir)
			return
		}
		os.RemoveAll(dir)
	}()
	db, err := createDatabase(runCtx, cfg.Postgres)
	if err != nil {
		keep = true
		return stop(err)
	}
	defer func() {
		// The clean-up's slice of the deadline (at least a few seconds,
		// whatever happened before).
		cctx, ccancel := context.WithDeadline(context.Background(), latest(end, time.Now().Add(5*time.Second)))
		defer ccancel()
		if err := db.drop(cctx); err != nil {
			fmt.Fprintf(os.Stderr, "chaos: dropping database %s: %v\n", db.name, err)
		}
	}()
	f, err := newFleet(cfg, dir, db.url)
	if err != nil {
		keep = true
		return stop(err)
	}
	defer f.stopAll()
	if err := f.migrate(runCtx); err != nil {
		keep = true
		return stop(err)
	}
	if err := f.startAll(runCtx); err != nil {
		keep = true
		return stop(err)
	}
	c := newClient(f.lbURL, fmt.Sprintf("chaos%d", cfg.Seed))
	d := newDriver(cfg, c, f.admin)
	if err := d.setup(runCtx); err != nil {
		keep = true
		return stop(err)
	}
	setupTook := time.Since(began)
	fmt.Printf("chaos: fleet up and store stocked in %s (database %s, work dir %s)\n", setupTook.Round(time.Millisecond), db.name, dir)

	// The load: shoppers and kills for cfg.Duration; then the payments
	// still scheduled are made and every process killed comes back, within
	// the run's deadline.
	phase = "load"
	loadStart := time.Now()
	loadCtx, stopLoad := context.WithTimeout(runCtx, cfg.Duration)
	k := &killer{f: f, cfg: cfg}
	done := make(chan struct{})
	go func() { k.run(loadCtx, runCtx); close(done) }()
	go progress(loadCtx, loadStart, c, d.books)
	d.load(loadCtx, runCtx)
	stopLoad()
	<-done
	if runCtx.Err() != nil {
		keep = true
		return stop(fmt.Errorf("waiting for the last payments and for every process killed to come back"))
	}
	loadTook := time.Since(loadStart)

	// Settling: until nothing is in flight, for at most cfg.Settle, and
	// never into the checks' slice of the deadline.
	phase = "settle"
	bound := min(cfg.Settle, time.Until(end.Add(-reserveCleanup-reserveCheck)))
	fmt.Printf("chaos: load over after %s; every process is back; waiting for the fleet to settle (at most %s)\n",
		loadTook.Round(time.Millisecond), bound.Round(time.Second))
	pg, err := pgx.Connect(runCtx, db.url)
	if err != nil {
		keep = true
		return stop(err)
	}
	defer pg.Close(context.Background())
	settleStart := time.Now()
	unsettled, err := settle(runCtx, d, pg, "http://"+f.sandbox.addr, bound)
	if err != nil {
		keep = true
		return stop(err)
	}
	settleTook := time.Since(settleStart)

	phase = "check"
	rep, err := check(runCtx, pg, "http://"+f.sandbox.addr, d, c, f, cfg)
	if err != nil {
		keep = true
		return stop(err)
	}
	if unsettled != "" {
		why := "the fleet did not settle within " + bound.Round(time.Second).String()
		if bound < cfg.Settle {
			why += fmt.Sprintf(" (cut short from %s: the run's deadline, CHAOS_DEADLINE=%s, ran out while settling)", cfg.Settle, cfg.Deadline)
		}
		rep.violations = append([]string{why + ": " + unsettled}, rep.violations...)
	}
	k.mu.Lock()
	for _, e := range k.failures {
		rep.violations = append(rep.violations, "a killed process did not come back: "+e)
	}
	rep.kills, rep.restarts = [2]int{k.serverKills, k.sbxKills}, k.restarts
	k.mu.Unlock()
	rep.took = [4]time.Duration{setupTook, loadTook, settleTook, time.Since(began)}
	if err := os.WriteFile(filepath.Join(dir, "requests-5xx.log"), []byte(strings.Join(rep.failedCalls, "\n")+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
	}
	rep.print(os.Stdout, cfg)
	if len(rep.violations) > 0 {
		keep = true
		return 1
	}
	return 0
}

// outOfTime reports a run stopped by its deadline, naming the phase.
func outOfTime(cfg config, phase string, began time.Time, err error) int {
	fmt.Fprintf(os.Stderr, "chaos: FAIL: out of time in the %s phase, %s after the start: the run's deadline is %s "+
		"(CHAOS_DEADLINE, for a load of %s), of which the last %s are kept for the checks and the clean-up (%v)\n",
		phase, time.Since(began).Round(time.Second), cfg.Deadline, cfg.Duration, reserveCheck+reserveCleanup, err)
	return 1
}

// latest is the later of a and b.
func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// progress prints what the load has done so far, every 15 s.
func progress(ctx context.Context, start time.Time, c *client, b *books) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if ctx.Err() != nil {
			return
		}
		c.mu.Lock()
		n := len(c.calls)
		c.mu.Unlock()
		b.mu.Lock()
		orders, paid := len(b.orders), b.tally.paysTaken
		b.mu.Unlock()
		fmt.Printf("chaos: %6.1fs %d requests, %d orders acknowledged, %d paid\n", time.Since(start).Seconds(), n, orders, paid)
	}
}

// fail reports an error that stopped the run.
func fail(err error) int {
	fmt.Fprintln(os.Stderr, "chaos: the run could not complete:", err)
	return 2
}

// sandboxRecords is what the checks read of GET /sandbox/records.
type sandboxRecords struct {
	Pending      int             `json:"pending"`
	Transactions []sandboxTx     `json:"transactions"`
	Refunds      []sandboxRefund `json:"refunds"`
}

// sandboxTx is a WeChat Pay transaction as the sandbox holds it.
type sandboxTx struct {
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	TradeState    string `json:"trade_state"`
	Total         int64  `json:"total"`
	Refunded      int64  `json:"refunded"`
}

// sandboxRefund is a WeChat Pay refund as the sandbox holds it; Reason is
// the one the merchant sent.
type sandboxRefund struct {
	OutRefundNo string `json:"out_refund_no"`
	OutTradeNo  string `json:"out_trade_no"`
	Status      string `json:"status"`
	Refund      int64  `json:"refund"`
	Reason      string `json:"reason"`
}

// readRecords reads the sandbox's records directly from it.
func readRecords(ctx context.Context, base string) (sandboxRecords, error) {
	var rec sandboxRecords
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/sandbox/records", nil)
	if err != nil {
		return rec, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return rec, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return rec, fmt.Errorf("GET /sandbox/records: %s", res.Status)
	}
	return rec, json.NewDecoder(res.Body).Decode(&rec)
}

// settle waits until nothing is in flight any more: no order waits for
// payment, no refund for review or for WeChat Pay, no notification for an
// answer. Staff approve the refunds waiting for review meanwhile (nobody
// dies now). It polls rather than sleeps, up to bound, and returns what
// was still in flight if the fleet did not settle.
func settle(ctx context.Context, d *driver, pg *pgx.Conn, sandboxURL string, bound time.Duration) (string, error) {
	rng := rand.New(rand.NewPCG(d.cfg.Seed, 2))
	deadline, last := time.Now().Add(bound), time.Now()
	for {
		var pending, requested, processing, refunding int
		if err := pg.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM orders WHERE status = 'pending_payment'),
			(SELECT count(*) FROM refunds WHERE status = 'requested'),
			(SELECT count(*) FROM refunds WHERE status = 'processing'),
			(SELECT count(*) FROM orders WHERE status = 'refunding')`).Scan(&pending, &requested, &processing, &refunding); err != nil {
			return "", err
		}
		if requested > 0 {
			d.review(ctx, rng, 1)
		}
		rec, err := readRecords(ctx, sandboxURL)
		if err != nil {
			return "", err
		}
		settling := 0
		for _, r := range rec.Refunds {
			if r.Status == "PROCESSING" {
				settling++
			}
		}
		state := fmt.Sprintf("%d orders pending payment, %d refunds waiting for review, %d refunds processing, %d orders refunding, "+
			"%d notifications unacknowledged, %d refunds processing at WeChat Pay", pending, requested, processing, refunding, rec.Pending, settling)
		if pending+requested+processing+refunding+rec.Pending+settling == 0 {
			return "", nil
		}
		if time.Now().After(deadline) {
			return state, nil
		}
		if time.Since(last) >= 15*time.Second {
			fmt.Printf("chaos: settling: %s\n", state)
			last = time.Now()
		}
		if !sleep(ctx, time.Second) {
			return "", ctx.Err()
		}
	}
}
