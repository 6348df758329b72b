package indexer

import (
	"context"

	"wemart/search"
	"wemart/server/errs"
)

// The query side of the service: what shoppers' searches read, always the
// generation the indexer last published.

func (s *Service) current() search.Index {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.idx
}

// using runs fn on the current generation, which stays open until fn
// returns: a switch to a new generation (or Close) waits for the calls on
// the old one before closing it.
func (s *Service) using(fn func(idx search.Index) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.idx == nil {
		return search.ErrUnavailable
	}
	return fn(s.idx)
}

// Search runs q on the current generation.
func (s *Service) Search(ctx context.Context, q search.Query) (res search.Result, err error) {
	defer errs.Op(&err, "indexer.Search")
	err = s.using(func(idx search.Index) (err error) {
		res, err = idx.Search(ctx, q)
		return err
	})
	return res, err
}

// SearchRepriced runs q on the current generation for a store whose own
// prices give the products in own their price ranges there (search.Repriced).
func (s *Service) SearchRepriced(ctx context.Context, q search.Query, own map[int]search.PriceRange) (res search.Result, err error) {
	defer errs.Op(&err, "indexer.SearchRepriced")
	err = s.using(func(idx search.Index) (err error) {
		res, err = search.Repriced(ctx, idx, q, own)
		return err
	})
	return res, err
}

// Suggest completes a prefix on the current generation.
func (s *Service) Suggest(ctx context.Context, prefix string, limit int) (out []search.Suggestion, err error) {
	defer errs.Op(&err, "indexer.Suggest")
	err = s.using(func(idx search.Index) (err error) {
		out, err = idx.Suggest(ctx, prefix, limit)
		return err
	})
	return out, err
}

// Ping reports whether the search backend can answer (for /readyz).
func (s *Service) Ping(ctx context.Context) (err error) {
	defer errs.Op(&err, "indexer.Ping")
	return s.using(func(idx search.Index) error { return idx.Ping(ctx) })
}
