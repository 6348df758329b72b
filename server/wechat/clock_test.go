package wechat_test

import (
	"sync"
	"testing"
	"time"

	"wemart/server/wechat/sandbox"
)

// manualClock is a sandbox clock that stands still until the test moves it
// (sandbox.Options Now and Sleep), and knows who sleeps on it.
type manualClock struct {
	mu       sync.Mutex
	now      time.Time
	sleepers map[*sleeper]bool
}

type sleeper struct {
	at   time.Time
	wake chan struct{}
}

func newManualClock(t time.Time) *manualClock {
	return &manualClock{now: t, sleepers: map[*sleeper]bool{}}
}

// Now is the clock's time.
func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep waits until the clock is moved to at or past it.
func (c *manualClock) Sleep(at time.Time, stop <-chan struct{}) bool {
	c.mu.Lock()
	if !at.After(c.now) {
		c.mu.Unlock()
		select {
		case <-stop:
			return false
		default:
			return true
		}
	}
	s := &sleeper{at: at, wake: make(chan struct{})}
	c.sleepers[s] = true
	c.mu.Unlock()
	select {
	case <-s.wake:
		return true
	case <-stop:
		c.mu.Lock()
		delete(c.sleepers, s)
		c.mu.Unlock()
		return false
	}
}

// Set moves the clock to t and wakes whoever sleeps until then.
func (c *manualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	for s := range c.sleepers {
		if !s.at.After(t) {
			delete(c.sleepers, s)
			close(s.wake)
		}
	}
}

// asleep returns the wake-up times of the sleepers.
func (c *manualClock) asleep() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var at []time.Time
	for s := range c.sleepers {
		at = append(at, s.at)
	}
	return at
}

// settle waits until every background task of sb sleeps on the clock (or
// has ended): until the clock moves, sb does nothing more. It returns the
// wake-up times of the sleepers.
func (c *manualClock) settle(t *testing.T, sb *sandbox.Sandbox) []time.Time {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		at := c.asleep()
		if len(at) == sb.Tasks() {
			return at
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox's %d background tasks never all slept (%d asleep)", sb.Tasks(), len(at))
		}
		time.Sleep(time.Millisecond)
	}
}
