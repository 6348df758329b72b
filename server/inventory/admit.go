package inventory

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"wemart/server/errs"
)

// A flash sale's rush sends hundreds of checkouts for a few units at once.
// Each reads the stock before its transaction (a fresh read, shared among
// them), but a read sees only committed reservations: while the first
// hundred orders are still being written, the read says the units are
// there, and every checkout arriving meanwhile ran a whole transaction
// only to find at the compare-and-set that the units were gone. On
// PostgreSQL a quarter of a 1000-shopper rush did that, each costing as
// much as a placed order's statements. So the process counts the units its
// own checkouts are reserving now (admitted, transaction not ended), and
// admits a checkout to its transaction only when the read's available
// units, less those, cover its lines. Otherwise it waits for units to come
// back (a checkout that ended without reserving, or the last one ending)
// or for recheck, then reads again: by then the read sees what the others
// did, and it refuses for the price of a shared read. The count is only
// this process's, and only a gate: the compare-and-set in Reserve stays
// the authority, so several processes, or a count that is off for a
// moment, can only cost a transaction that fails, never an oversell.

// admitRecheck bounds one wait for units: then the checkout reads again
// (stock may have come from elsewhere: staff, or another process).
const admitRecheck = 50 * time.Millisecond

// gate counts, per store and SKU, the units of this process's admitted
// checkouts.
type gate struct {
	mu      sync.Mutex
	flights map[skuAt]*flight
	waiting int // checkouts waiting for units (for tests)
}

// skuAt is a SKU at a store.
type skuAt struct{ store, sku int }

// flight is the units being reserved of one SKU at one store.
type flight struct {
	units int64
	// freed is closed (and, while units remain, replaced) when units come
	// back without being reserved, or the last checkout ends.
	freed chan struct{}
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
// released before the checkout came. A line without a stock row is left
// to the transaction to explain.
//
// When the lines are available but this process's checkouts already in
// their transactions are reserving them, Admit waits for those to end (or
// for ctx) and reads again. The caller must call Done on the Admission it
// returns once its transaction has ended.
func (s *Service) Admit(ctx context.Context, storeID int, lines []Line) (_ *Admission, err error) {
	defer errs.Op(&err, "inventory.Admit")
	lines = slices.Clone(lines)
	slices.SortFunc(lines, func(a, b Line) int { return cmp.Compare(a.SkuID, b.SkuID) })
	ids := make([]int, len(lines))
	for i, l := range lines {
		ids[i] = l.SkuID
	}
	for {
		available, err := s.available.Get(ctx, storeID, ids)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			if have, ok := available[l.SkuID]; ok && have < l.Quantity {
				return nil, OutOfStock(l, have)
			}
		}
		a, freed := s.gate.admit(storeID, lines, available)
		if a != nil {
			return a, nil
		}
		if err := s.gate.wait(ctx, freed); err != nil {
			return nil, err
		}
	}
}

// wait waits for freed, for admitRecheck or for ctx.
func (g *gate) wait(ctx context.Context, freed <-chan struct{}) error {
	g.mu.Lock()
	g.waiting++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.waiting--
		g.mu.Unlock()
	}()
	t := time.NewTimer(admitRecheck)
	defer t.Stop()
	select {
	case <-freed:
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// admit counts lines in when the available units less those being
// reserved cover each of them; otherwise it returns a channel closed when
// units of a short line come back.
func (g *gate) admit(storeID int, lines []Line, available map[int]int64) (*Admission, <-chan struct{}) {
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
		if f := g.flights[skuAt{storeID, l.SkuID}]; f != nil && have-f.units < l.Quantity {
			return nil, f.freed
		}
		counted = append(counted, l)
	}
	for _, l := range counted {
		k := skuAt{storeID, l.SkuID}
		f := g.flights[k]
		if f == nil {
			f = &flight{freed: make(chan struct{})}
			g.flights[k] = f
		}
		f.units += l.Quantity
	}
	return &Admission{g: g, store: storeID, lines: counted}, nil
}

// Done ends the admission once the checkout's transaction has ended;
// reserved says whether it committed the reservation (when it did not,
// the units come back, and checkouts waiting for them read again). Calls
// after the first do nothing.
func (a *Admission) Done(reserved bool) {
	g := a.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if a.done {
		return
	}
	a.done = true
	for _, l := range a.lines {
		k := skuAt{a.store, l.SkuID}
		f := g.flights[k]
		f.units -= l.Quantity
		switch {
		case f.units <= 0:
			close(f.freed)
			delete(g.flights, k)
		case !reserved:
			close(f.freed)
			f.freed = make(chan struct{})
		}
	}
}
