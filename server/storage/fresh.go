package storage

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Fresh shares reads of a value that every caller needs at least as new
// as the moment it asked (a version counter a cache is checked against):
// a caller gets the result of a read that started after it called Get,
// never one already on its way when it arrived. Callers that arrive while
// a read runs share the next one, so under load at most one read runs at
// a time and each costs one round trip for all of them.
type Fresh[T any] struct {
	read func(context.Context) (T, error)
	// timeout bounds a shared read (it runs for callers whose own
	// contexts may end first).
	timeout time.Duration

	mu      sync.Mutex
	running bool
	next    *freshRead[T] // the read that callers arriving now wait for
}

// freshRead is one read and its result.
type freshRead[T any] struct {
	done chan struct{}
	v    T
	err  error
}

// NewFresh returns a Fresh of read, each read bounded by timeout.
func NewFresh[T any](timeout time.Duration, read func(context.Context) (T, error)) *Fresh[T] {
	return &Fresh[T]{read: read, timeout: timeout}
}

// Get returns the value as read by a read that started after Get was
// called, or ctx's error if ctx ends first.
func (f *Fresh[T]) Get(ctx context.Context) (T, error) {
	if err := ctx.Err(); err != nil {
		var zero T
		return zero, err // gone already: no read for it
	}
	f.mu.Lock()
	if f.next == nil {
		f.next = &freshRead[T]{done: make(chan struct{})}
	}
	r := f.next
	start := !f.running
	if start {
		f.running, f.next = true, nil
	}
	f.mu.Unlock()
	if start {
		go f.run(r)
	}
	select {
	case <-r.done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// run performs r, then the read callers queued meanwhile, if any.
func (f *Fresh[T]) run(r *freshRead[T]) {
	for r != nil {
		r.v, r.err = f.readOnce()
		close(r.done)
		f.mu.Lock()
		r = f.next
		if r == nil {
			f.running = false
		} else {
			f.next = nil
		}
		f.mu.Unlock()
	}
}

// readOnce runs one read within the timeout. A panic in it becomes the
// read's error: it runs outside any request, where nothing else would
// recover it.
func (f *Fresh[T]) readOnce() (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("storage.Fresh: the read panicked: %v", p)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	return f.read(ctx)
}
