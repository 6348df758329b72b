package cart

import (
	"context"
	"sync"
	"sync/atomic"

	"wemart/server/storage"
)

// ReadCarts is readCarts for tests: the carts of keys (each a shopper and
// a store) read in one query, as the SKU ids of their lines in order; a
// cart at a store that is not there is absent.
func ReadCarts(ctx context.Context, s *Service, keys [][2]int) (map[[2]int][]int, error) {
	ks := make([]cartKey, len(keys))
	for i, k := range keys {
		ks[i] = cartKey{k[0], k[1]}
	}
	got, err := s.readCarts(ctx, 0, ks)
	if err != nil {
		return nil, err
	}
	out := make(map[[2]int][]int, len(got))
	for k, rows := range got {
		skus := []int{}
		for _, r := range rows {
			skus = append(skus, r.SkuID)
		}
		out[[2]int{k.shopper, k.store}] = skus
	}
	return out, nil
}

// SetReadGroups spreads s's shoppers over n read groups (the server uses
// one per core), while no request is in flight.
func SetReadGroups(s *Service, n int) { s.readGroups = n }

// ReadGroup is the group of s's shared reads that shopper's carts are read in.
func ReadGroup(s *Service, shopper int) int { return s.readGroup(shopper) }

// HoldReads makes s's shared reads of group count themselves and holds
// the first one until release is called (other groups read as before):
// reads says how many reads of group ran (or are running), gathering
// how many carts of group wait for its next read.
func HoldReads(s *Service, group int) (reads, gathering func() int, release func()) {
	var n atomic.Int32
	hold := make(chan struct{})
	var once sync.Once
	s.reads = storage.NewBatch(readsTimeout, readsBatch,
		func(ctx context.Context, g int, keys []cartKey) (map[cartKey][]lineRow, error) {
			if g == group && n.Add(1) == 1 {
				<-hold
			}
			return s.readCarts(ctx, g, keys)
		})
	return func() int { return int(n.Load()) },
		func() int { return s.reads.Gathering(group) },
		func() { once.Do(func() { close(hold) }) }
}

// HoldSkuReads makes s's shared reads of SKUs (those a cart read misses)
// count themselves and holds the first one until release is called:
// reads says how many ran (or are running), gathering how many SKUs wait
// for the next.
func HoldSkuReads(s *Service) (reads, gathering func() int, release func()) {
	var n atomic.Int32
	hold := make(chan struct{})
	var once sync.Once
	s.skuReads = storage.NewBatch(readsTimeout, skuReadsBatch,
		func(ctx context.Context, g struct{}, ids []int) (map[int]*skuInfo, error) {
			if n.Add(1) == 1 {
				<-hold
			}
			return s.readSkus(ctx, g, ids)
		})
	return func() int { return int(n.Load()) },
		func() int { return s.skuReads.Gathering(struct{}{}) },
		func() { once.Do(func() { close(hold) }) }
}
