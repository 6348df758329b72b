package shoppers

import (
	"sync"
	"time"
)

// seenFor is how long a process trusts that a shopper it has found still
// exists: authenticating a request then costs no query. Shoppers are never
// deleted by wemart; one removed by hand stops authenticating within this.
const seenFor = time.Minute

// seenMax bounds the remembered shoppers; past it the memory starts afresh.
const seenMax = 100_000

// seen remembers, per process, the shoppers found to exist recently.
type seen struct {
	mu  sync.Mutex
	ids map[int]time.Time // id → until when it is trusted
	now func() time.Time
}

func newSeen(now func() time.Time) *seen {
	return &seen{ids: map[int]time.Time{}, now: now}
}

// has reports whether id was found to exist within seenFor.
func (s *seen) has(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	until, ok := s.ids[id]
	return ok && s.now().Before(until)
}

// add records that id exists now.
func (s *seen) add(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ids) >= seenMax {
		clear(s.ids)
	}
	s.ids[id] = s.now().Add(seenFor)
}
