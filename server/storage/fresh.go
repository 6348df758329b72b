package storage

import (
	"context"
	"time"
)

// Fresh shares reads of a value that every caller needs at least as new
// as the moment it asked (a version counter a cache is checked against):
// a caller gets the result of a read that started after it called Get,
// never one already on its way when it arrived. Callers that arrive while
// a read runs share the next one, so under load at most one read runs at
// a time and each costs one round trip for all of them. It is a Batch of
// one group and one item.
type Fresh[T any] struct {
	b *Batch[struct{}, struct{}, T]
}

// NewFresh returns a Fresh of read, each read bounded by timeout.
func NewFresh[T any](timeout time.Duration, read func(context.Context) (T, error)) *Fresh[T] {
	return &Fresh[T]{b: NewBatch(timeout, 1, func(ctx context.Context, _ struct{}, _ []struct{}) (map[struct{}]T, error) {
		v, err := read(ctx)
		return map[struct{}]T{{}: v}, err
	})}
}

// Get returns the value as read by a read that started after Get was
// called, or ctx's error if ctx ends first.
func (f *Fresh[T]) Get(ctx context.Context) (T, error) {
	got, err := f.b.Get(ctx, struct{}{}, []struct{}{{}})
	return got[struct{}{}], err
}
