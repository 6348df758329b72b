package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// report is a run's figures and the violations the checks found.
type report struct {
	violations []string

	// requests made, by status (0: no answer) and by kind: 2xx, 4xx,
	// 5xx or none, and of those the ones no rule excused; the 5xx (or
	// none) excused, by rule (see excuse).
	requests int
	byStatus map[int]int
	byWhat   map[string]*[4]int
	excused  map[string]int
	// failedCalls describes every 5xx or missing answer, one a line.
	failedCalls []string

	kills    [2]int // servers, sandbox
	restarts int
	windows  []window

	orders struct {
		placed, acked, ambiguous                            int
		paid, refunded, expired, cancelled, late, completed int
		refundsFailed                                       int
	}
	sandbox map[string]int // transactions by trade state
	units   struct {
		sold, restocked int64
		rows            int
		// asked: the sandbox's refunds of the driver's asks; unasked: the
		// server's own, of late payments that found no stock.
		asked, unasked int
	}
	tally tally
	took  [4]time.Duration // setup, load, settle, all
}

// fail records a violation.
func (r *report) fail(format string, args ...any) {
	r.violations = append(r.violations, fmt.Sprintf(format, args...))
}

// print writes the summary table and the violations.
func (r *report) print(w io.Writer, cfg config) {
	t := r.tally
	line := func(k, format string, args ...any) { fmt.Fprintf(w, "  %-14s %s\n", k, fmt.Sprintf(format, args...)) }
	fmt.Fprintf(w, "\nchaos: summary (seed %d)\n", cfg.Seed)
	line("elapsed", "%s (setup %s, load %s, settle %s)", r.took[3].Round(time.Second), r.took[0].Round(100*time.Millisecond),
		r.took[1].Round(100*time.Millisecond), r.took[2].Round(100*time.Millisecond))
	var down time.Duration
	for _, wn := range r.windows {
		down += wn.To.Sub(wn.From)
	}
	line("kills", "%d (servers %d, sandbox %d), restarts %d, %s down in all", r.kills[0]+r.kills[1], r.kills[0], r.kills[1],
		r.restarts, down.Round(100*time.Millisecond))
	var statuses []string
	for _, s := range slices.Sorted(maps.Keys(r.byStatus)) {
		name := fmt.Sprint(s)
		if s == 0 {
			name = "none"
		}
		statuses = append(statuses, fmt.Sprintf("%s: %d", name, r.byStatus[s]))
	}
	line("requests", "%d — %s", r.requests, strings.Join(statuses, ", "))
	var excused int
	for _, n := range r.excused {
		excused += n
	}
	line("5xx excused", "%d: %d by haproxy while the server it chose was down or restarting, %d from a server itself "+
		"being killed or starting, %d unavailable while the sandbox was down", excused, r.excused[excuseHAProxy],
		r.excused[excuseRestart], r.excused[excuseSandbox])
	fmt.Fprintf(w, "  %-14s %8s %8s %8s %8s %8s\n", "", "total", "2xx", "4xx", "5xx/none", "not ok")
	for _, k := range slices.Sorted(maps.Keys(r.byWhat)) {
		c := r.byWhat[k]
		fmt.Fprintf(w, "  %-14s %8d %8d %8d %8d %8d\n", k, c[0]+c[1]+c[2], c[0], c[1], c[2], c[3])
	}
	line("checkouts", "%d tried: %d orders acknowledged, %d out of stock, %d over a shopper limit", t.checkouts,
		r.orders.acked, t.outOfStock, t.limited)
	line("orders", "%d placed (%d behind an ambiguous answer), %d paid, %d refunded (in part or whole), %d expired, "+
		"%d cancelled by shoppers, %d picked up, %d late payments", r.orders.placed, r.orders.ambiguous, r.orders.paid,
		r.orders.refunded, r.orders.expired, r.orders.cancelled, r.orders.completed, r.orders.late)
	line("payments", "cashier took %d (notifications skipped %d; %d paid around expiry), refused %d", t.paysTaken, t.skipped,
		t.delayed, t.paysRefused)
	line("refunds", "%d asked by shoppers, %d approved, %d rejected, %d by staff; %d failed at WeChat Pay", t.refundRequests,
		t.approvals, t.rejections, t.staffRefunds, r.orders.refundsFailed)
	line("wechat faults", "%d injected (closes and queries failing, notifications lost, refunds closed)", t.faults)
	var states []string
	for _, s := range slices.Sorted(maps.Keys(r.sandbox)) {
		states = append(states, fmt.Sprintf("%s %d", s, r.sandbox[s]))
	}
	line("sandbox", "transactions: %s", strings.Join(states, ", "))
	line("stock", "%d rows; by the driver's lines %d units in orders WeChat Pay took, %d back by refunds asked before hand-over",
		r.units.rows, r.units.sold, r.units.restocked)
	line("", "WeChat Pay's refunds: %d of the driver's asks (tagged), %d of late payments whose stock was gone", r.units.asked,
		r.units.unasked)
	line("violations", "%d", len(r.violations))
	for i, v := range r.violations {
		if i == 50 {
			fmt.Fprintf(w, "  ... and %d more\n", len(r.violations)-50)
			break
		}
		fmt.Fprintf(w, "  ✗ %s\n", v)
	}
}
