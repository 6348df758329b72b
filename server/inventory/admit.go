package inventory

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"wemart/server/errs"
)

// Admission defaults: how long a waiting checkout waits before reading
// again (stock may come from elsewhere: staff, or another process), and
// how long in all before it goes to its transaction anyway.
const (
	defaultRecheck  = 50 * time.Millisecond
	defaultPatience = time.Second
)

// defaultKnownFor is how long Admit lets checkouts through on what the
// gate knows of a SKU's units (see gate.known) before it reads them again.
const defaultKnownFor = time.Second

// gate counts, per store and SKU, the units of this process's checkouts
// admitted to their transactions and not yet ended.
//
// Why: a flash sale's rush sends hundreds of checkouts for a few units at
// once. Each reads the stock before its transaction (a fresh read, shared
// among them), but a read sees only committed reservations: while the
// first hundred orders were still being written the read said the units
// were there, and every checkout arriving meanwhile ran a whole
// transaction only to fail at the compare-and-set (on PostgreSQL about a
// quarter of BenchmarkFlashSale's 1000 shoppers did, each costing the
// statements of a placed order). Admitted only when the read's available
// units, less those being reserved, cover its lines, a checkout otherwise
// waits until units come back or the last of those checkouts ends, reads
// again, and is refused for the price of a shared read.
//
// The count is only this process's and only a gate: Reserve's
// compare-and-set stays the authority. Several processes, a count off for
// a moment (a checkout that committed but has not called Done is counted
// twice until it does), or stock added elsewhere can cost a wait of one
// recheck or a transaction that fails, never an oversell; and a checkout
// that waited patience in all goes to its transaction anyway.
//
// The gate also keeps what it last learnt of each SKU's available units
// (known): a SKU ordered again and again is read once a second, not once
// a checkout, while it is plentiful. It only ever admits on that, never
// refuses: a checkout it would not admit on it reads afresh.
type gate struct {
	mu                sync.Mutex
	recheck, patience time.Duration // see SetAdmitTimes
	knownFor          time.Duration // see defaultKnownFor

	flights map[skuAt]*flight
	waiting atomic.Int64 // checkouts waiting for units

	// known is, per SKU at a store, its available units as this process
	// last learnt them, and as of when: from a fresh read (as of the
	// moment the caller asked, before the read started), or from a stock
	// move this process committed (the units its UPDATE returned, as of
	// the commit: exact then, since the move held the row). A read that
	// started before the entry's moment never overwrites it (it may have
	// missed that commit). So the entry can be high only by what other
	// processes, or staff, took since its moment, for at most knownFor
	// (Reserve's compare-and-set refuses what is not there), and low by
	// what is being reserved when admitKnown also counts it. (Two moves of
	// one SKU whose commits end at once may be recorded in the wrong
	// order: high by the later one's units, for at most knownFor too.) A
	// checkout that ends without reserving (perhaps short) and staff counts
	// and adjustments leave a forgotten entry, which admits nothing and
	// keeps older reads out.
	known   map[skuAt]knownUnits
	sweepAt int // learn drops old entries once known holds this many
}

// knownUnits is an entry of gate.known.
type knownUnits struct {
	units     int64
	at        time.Time // the moment units is as of (or it was forgotten)
	forgotten bool
}

// skuAt is a SKU at a store.
type skuAt struct{ store, sku int }

// flight is the units being reserved of one SKU at one store.
type flight struct {
	units int64
	// freed is closed (and, while units remain, replaced) when units come
	// back without being reserved, when the last checkout ends, and at
	// each recheck: the checkouts waiting on it then read again together
	// (one shared read).
	freed chan struct{}
	// recheck is the timer of the next recheck, while checkouts wait.
	recheck *time.Timer
}

// Admission is a checkout admitted to its transaction; Done ends it.
type Admission struct {
	g     *gate
	store int
	lines []Line // the lines counted (those with a stock row)
	done  bool
}

// Admit reads, through the pool and outside any transaction, the units
// storeID has available now (on_hand - reserved) of each line's SKU, and
// returns the out_of_stock error Reserve would give for the first line
// short of them. The read is fresh, never a cache (storage.Batch: it
// started after the caller asked, and is shared by the checkouts of the
// store that arrive while another runs), so it never refuses units
// released before the checkout came; what the gate remembers (below) may
// spare a checkout the read, never refuse it. A line without a stock row
// is left to the transaction to explain; lines of one SKU count together.
//
// When the gate learnt every line's SKU less than knownFor ago (from such
// a read, or from a stock move this process committed) and what it knows,
// less the units being reserved, covers the lines, Admit admits without
// reading (see gate.known): only to let a checkout through to its
// transaction, where the compare-and-set decides, never to refuse one.
//
// When the lines are available but this process's checkouts already in
// their transactions are reserving them (see gate), Admit waits for those
// (or for ctx) and reads again. The caller must call Done on the
// Admission it returns once its transaction has ended.
func (s *Service) Admit(ctx context.Context, storeID int, lines []Line) (_ *Admission, err error) {
	defer errs.Op(&err, "inventory.Admit")
	lines = mergeLines(lines)
	ids := make([]int, len(lines))
	for i, l := range lines {
		ids[i] = l.SkuID
	}
	if a := s.gate.admitKnown(storeID, lines, time.Now()); a != nil {
		return a, nil
	}
	deadline := time.Now().Add(s.gate.patienceNow())
	for {
		asked := time.Now() // the read starts after this (storage.Batch)
		available, err := s.available.Get(ctx, storeID, ids)
		if err != nil {
			return nil, err
		}
		s.gate.learn(storeID, available, asked)
		for _, l := range lines {
			if have, ok := available[l.SkuID]; ok && have < l.Quantity {
				return nil, OutOfStock(l, have)
			}
		}
		a, freed := s.gate.admit(storeID, lines, available, !time.Now().Before(deadline))
		if a != nil {
			return a, nil
		}
		if err := s.gate.wait(ctx, freed); err != nil {
			return nil, err
		}
	}
}

// mergeLines adds up the lines of each SKU, leaves out those of no units,
// and sorts them by SKU.
func mergeLines(lines []Line) []Line {
	out := make([]Line, 0, len(lines))
	for _, l := range lines {
		if l.Quantity <= 0 {
			continue
		}
		if i := slices.IndexFunc(out, func(o Line) bool { return o.SkuID == l.SkuID }); i >= 0 {
			out[i].Quantity += l.Quantity
			continue
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b Line) int { return cmp.Compare(a.SkuID, b.SkuID) })
	return out
}

// Waiting is how many checkouts wait in Admit now.
func (s *Service) Waiting() int { return int(s.gate.waiting.Load()) }

// SetAdmitTimes sets how long a waiting checkout waits before reading
// again (recheck) and in all before it goes to its transaction anyway
// (patience); 50 ms and 1 s unless set. Set them before serving.
func (s *Service) SetAdmitTimes(recheck, patience time.Duration) {
	s.gate.mu.Lock()
	defer s.gate.mu.Unlock()
	s.gate.recheck, s.gate.patience = recheck, patience
}

// SetKnownFor sets how long Admit admits on what the gate knows of a
// SKU's units (defaultKnownFor unless set; 0: it always reads). Set it
// before serving.
func (s *Service) SetKnownFor(d time.Duration) {
	s.gate.mu.Lock()
	defer s.gate.mu.Unlock()
	s.gate.knownFor = d
}

// patienceNow is the gate's patience.
func (g *gate) patienceNow() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.patience
}

// wait waits for freed or ctx.
func (g *gate) wait(ctx context.Context, freed <-chan struct{}) error {
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	select {
	case <-freed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// learn records the units a fresh read found available (gate.known), the
// read having started after asked; an entry as of asked or later stays.
func (g *gate) learn(storeID int, available map[int]int64, asked time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for sku, units := range available {
		k := skuAt{storeID, sku}
		if e, ok := g.known[k]; ok && !e.at.Before(asked) {
			continue
		}
		g.remember(k, knownUnits{units: units, at: asked})
	}
}

// moved records the units stock moves this process committed at at left
// available (gate.known): exact as of at.
func (g *gate) moved(storeID int, available map[int]int64, at time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for sku, units := range available {
		g.remember(skuAt{storeID, sku}, knownUnits{units: units, at: at})
	}
}

// forget forgets what the gate knows of skus at storeID, as of now (units
// may have gone other than by this process's committed moves).
func (g *gate) forget(storeID int, skus ...int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	for _, sku := range skus {
		g.remember(skuAt{storeID, sku}, knownUnits{at: now, forgotten: true})
	}
}

// remember sets an entry of gate.known (the caller holds g.mu). Entries
// past knownFor are dropped whenever the map has doubled since the last
// sweep, so it holds about the last second's SKUs, not every SKU ever
// ordered.
func (g *gate) remember(k skuAt, e knownUnits) {
	if g.known == nil {
		g.known = map[skuAt]knownUnits{}
	}
	g.known[k] = e
	if len(g.known) >= g.sweepAt {
		for k, old := range g.known {
			if e.at.Sub(old.at) >= g.knownFor {
				delete(g.known, k)
			}
		}
		g.sweepAt = max(2*len(g.known), minSweep)
	}
}

// minSweep is the fewest entries gate.known holds before learn sweeps it.
const minSweep = 1024

// admitKnown admits lines on what the gate knows of their units, younger
// than knownFor at now, less those being reserved; nil when it knows too
// little or too few (the caller then reads).
func (g *gate) admitKnown(storeID int, lines []Line, now time.Time) *Admission {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, l := range lines {
		k := skuAt{storeID, l.SkuID}
		known, ok := g.known[k]
		if !ok || known.forgotten || now.Sub(known.at) >= g.knownFor || now.Before(known.at) {
			return nil
		}
		units := known.units
		if f := g.flights[k]; f != nil {
			units -= f.units
		}
		if units < l.Quantity {
			return nil
		}
	}
	return g.count(storeID, lines)
}

// admit counts lines in when the available units less those being
// reserved cover each of them (or when force); otherwise it returns a
// channel closed when a short line's units may have come back.
func (g *gate) admit(storeID int, lines []Line, available map[int]int64, force bool) (*Admission, <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.flights == nil {
		g.flights = map[skuAt]*flight{}
	}
	counted := make([]Line, 0, len(lines))
	for _, l := range lines {
		have, ok := available[l.SkuID]
		if !ok {
			continue
		}
		k := skuAt{storeID, l.SkuID}
		if f := g.flights[k]; f != nil && have-f.units < l.Quantity && !force {
			if f.recheck == nil {
				f.recheck = time.AfterFunc(g.recheck, func() { g.rechecked(k, f) })
			}
			return nil, f.freed
		}
		counted = append(counted, l)
	}
	return g.count(storeID, counted), nil
}

// count counts lines in as being reserved (the caller holds g.mu).
func (g *gate) count(storeID int, lines []Line) *Admission {
	if g.flights == nil {
		g.flights = map[skuAt]*flight{}
	}
	for _, l := range lines {
		k := skuAt{storeID, l.SkuID}
		f := g.flights[k]
		if f == nil {
			f = &flight{freed: make(chan struct{})}
			g.flights[k] = f
		}
		f.units += l.Quantity
	}
	return &Admission{g: g, store: storeID, lines: lines}
}

// rechecked wakes the checkouts waiting on f, if f is still in flight.
func (g *gate) rechecked(k skuAt, f *flight) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f.recheck = nil
	if g.flights[k] == f {
		close(f.freed)
		f.freed = make(chan struct{})
	}
}

// Done ends the admission once the checkout's transaction has ended;
// reserved says whether it committed the reservation (when it did not,
// the units come back, checkouts waiting for them read again, and the
// gate forgets what it knew of the SKUs: one may be short). Calls after
// the first do nothing.
func (a *Admission) Done(reserved bool) {
	g := a.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if a.done {
		return
	}
	a.done = true
	now := time.Now()
	for _, l := range a.lines {
		k := skuAt{a.store, l.SkuID}
		if !reserved { // perhaps short: the next checkout reads
			g.remember(k, knownUnits{at: now, forgotten: true})
		}
		f := g.flights[k]
		if f == nil { // cannot happen: every counted line has its flight
			continue
		}
		f.units -= l.Quantity
		switch {
		case f.units <= 0:
			if f.recheck != nil {
				f.recheck.Stop()
			}
			close(f.freed)
			delete(g.flights, k)
		case !reserved:
			close(f.freed)
			f.freed = make(chan struct{})
		}
	}
}
