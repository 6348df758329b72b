package storage

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// Batch shares fresh reads of rows among concurrent callers, as Fresh
// does for one value: a caller asks for some items of a group (the SKUs
// of one store) and gets them from a read that started after it asked.
// Callers of a group that arrive while its read runs join the next read,
// which fetches every item they asked for at once; so under load at most
// one read per group runs at a time, and a rush of checkouts for one
// flash-sale SKU costs a few reads instead of one each. A read that starts
// on an idle group first yields the processor once, so the callers that
// are runnable then join it rather than wait for the next.
//
// A read returns a value for each item it found; items it did not find
// are absent from the answer. A caller asking for more than the batch's
// limit reads alone. The items a read gets are padded to a power of two
// (at most the limit, or the caller's count past it) by repeating the
// last one, so that its SQL (an IN list) takes a few shapes, not one for
// each count: prepared statements stay cached.
//
// A shared read runs on its own context, bounded by the batch's timeout,
// not by any caller's deadline (a caller that gives up returns at once;
// the read goes on for the others).
//
// The "read" may write: a write shared the same way (each caller's items
// written by a write that started after it asked) is how concurrent
// checkouts store their prepay_ids in one statement (orders.writePrepays).
type Batch[G comparable, I comparable, V any] struct {
	read func(ctx context.Context, group G, items []I) (map[I]V, error)
	// timeout bounds a shared read (it runs for callers whose own
	// contexts may end first); limit caps the items of one read.
	timeout time.Duration
	limit   int

	mu     sync.Mutex
	groups map[G]*batchGroup[I, V]
}

// batchGroup is one group's read in flight and the read gathering callers.
type batchGroup[I comparable, V any] struct {
	running bool
	next    *batchRead[I, V]
}

// batchRead is one read: the items asked for, and its answer.
type batchRead[I comparable, V any] struct {
	items []I
	asked map[I]struct{}
	done  chan struct{}
	got   map[I]V
	err   error
}

// unasked counts the items r does not fetch yet.
func (r *batchRead[I, V]) unasked(items []I) int {
	n := 0
	for _, it := range items {
		if _, ok := r.asked[it]; !ok {
			n++
		}
	}
	return n
}

// NewBatch returns a Batch of read, each read bounded by timeout and
// fetching at most limit items.
func NewBatch[G comparable, I comparable, V any](timeout time.Duration, limit int,
	read func(ctx context.Context, group G, items []I) (map[I]V, error)) *Batch[G, I, V] {
	return &Batch[G, I, V]{read: read, timeout: timeout, limit: limit, groups: map[G]*batchGroup[I, V]{}}
}

// Gathering is how many items the read gathering callers of group holds
// (0: none is gathering): the callers waiting for the read in flight to
// end, or for a group's first read while it yields. Tests use it to see
// callers join.
func (b *Batch[G, I, V]) Gathering(group G) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if g := b.groups[group]; g != nil && g.next != nil {
		return len(g.next.items)
	}
	return 0
}

// Get returns the values of items in group, as a read that started after
// Get was called found them, or ctx's error if ctx ends first. The map it
// returns is shared with the other callers of the same read: do not change it.
func (b *Batch[G, I, V]) Get(ctx context.Context, group G, items []I) (map[I]V, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // gone already: no read for it
	}
	if len(items) > b.limit {
		return b.read(ctx, group, padded(items, b.limit))
	}
	b.mu.Lock()
	g := b.groups[group]
	if g == nil {
		g = &batchGroup[I, V]{}
		b.groups[group] = g
	}
	if g.next != nil && len(g.next.items)+g.next.unasked(items) > b.limit {
		// The gathering read is full: this caller reads alone rather than wait two reads.
		b.mu.Unlock()
		return b.read(ctx, group, padded(items, b.limit))
	}
	if g.next == nil {
		g.next = &batchRead[I, V]{asked: map[I]struct{}{}, done: make(chan struct{})}
	}
	r := g.next
	for _, it := range items {
		if _, ok := r.asked[it]; !ok {
			r.asked[it] = struct{}{}
			r.items = append(r.items, it)
		}
	}
	start := !g.running
	g.running = true
	b.mu.Unlock()
	if start {
		go b.run(group, g)
	}
	select {
	case <-r.done:
		return r.got, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run performs the group's gathering read, then the ones callers gathered
// meanwhile; the group is forgotten when none is left. It first yields
// the processor once: the callers that are runnable then (requests on
// their way to the same read) join the first read rather than start the
// next, so a busy server reads in fewer, larger reads, while an idle one,
// with nothing else to run, reads at once.
func (b *Batch[G, I, V]) run(group G, g *batchGroup[I, V]) {
	runtime.Gosched()
	for {
		b.mu.Lock()
		r := g.next
		if r == nil {
			g.running = false
			delete(b.groups, group)
			b.mu.Unlock()
			return
		}
		g.next = nil
		b.mu.Unlock()
		r.got, r.err = b.readOnce(group, r.items)
		close(r.done)
	}
}

// readOnce runs one shared read within the timeout. A panic in it becomes
// the read's error: it runs outside any request, where nothing else would
// recover it.
func (b *Batch[G, I, V]) readOnce(group G, items []I) (got map[I]V, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("storage.Batch: the read panicked: %v", p)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	return b.read(ctx, group, padded(items, b.limit))
}

// padded is items grown to a power of two, but not past max(limit,
// len(items)), by repeating the last one.
func padded[I any](items []I, limit int) []I {
	n := 1
	for n < len(items) {
		n *= 2
	}
	n = min(n, max(limit, len(items)))
	if n == len(items) || len(items) == 0 {
		return items
	}
	out := make([]I, n)
	copy(out, items)
	for i := len(items); i < n; i++ {
		out[i] = items[len(items)-1]
	}
	return out
}
