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

// Search runs q on the current generation.
func (s *Service) Search(ctx context.Context, q search.Query) (_ search.Result, err error) {
	defer errs.Op(&err, "indexer.Search")
	idx := s.current()
	if idx == nil {
		return search.Result{}, search.ErrUnavailable
	}
	return idx.Search(ctx, q)
}

// SearchRepriced runs q on the current generation for a store whose own
// prices give the products in own their price ranges there (search.Repriced).
func (s *Service) SearchRepriced(ctx context.Context, q search.Query, own map[int]search.PriceRange) (_ search.Result, err error) {
	defer errs.Op(&err, "indexer.SearchRepriced")
	idx := s.current()
	if idx == nil {
		return search.Result{}, search.ErrUnavailable
	}
	return search.Repriced(ctx, idx, q, own)
}

// Suggest completes a prefix on the current generation.
func (s *Service) Suggest(ctx context.Context, prefix string, limit int) (_ []search.Suggestion, err error) {
	defer errs.Op(&err, "indexer.Suggest")
	idx := s.current()
	if idx == nil {
		return nil, search.ErrUnavailable
	}
	return idx.Suggest(ctx, prefix, limit)
}

// Ping reports whether the search backend can answer (for /readyz).
func (s *Service) Ping(ctx context.Context) (err error) {
	defer errs.Op(&err, "indexer.Ping")
	idx := s.current()
	if idx == nil {
		return search.ErrUnavailable
	}
	return idx.Ping(ctx)
}
