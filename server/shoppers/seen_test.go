package shoppers

import (
	"testing"
	"time"
)

func TestSeenTrustsForAMinuteThenAsksAgain(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	s := newSeen(func() time.Time { return now })
	if s.has(7) {
		t.Fatal("an unknown shopper was trusted")
	}
	s.add(7)
	if !s.has(7) || s.has(8) {
		t.Fatal("a shopper just found is not trusted, or another one is")
	}
	now = now.Add(seenFor - time.Second)
	if !s.has(7) {
		t.Fatal("forgotten before seenFor")
	}
	now = now.Add(time.Second)
	if s.has(7) {
		t.Fatal("still trusted after seenFor: a shopper deleted by hand would authenticate for ever")
	}
}

func TestSeenIsBounded(t *testing.T) {
	s := newSeen(time.Now)
	for id := range seenMax + 10 {
		s.add(id)
	}
	if len(s.ids) > seenMax {
		t.Fatalf("%d shoppers remembered, bound %d", len(s.ids), seenMax)
	}
	if !s.has(seenMax + 9) {
		t.Fatal("the newest shopper is not remembered")
	}
}
