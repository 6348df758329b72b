package sandboxtest

import (
	"sync"
	"testing"
	"time"

	"wemart/server/wechat/sandbox"
)

// Clock is a sandbox clock that stands still until the test moves it (give
// its Now and Sleep to sandbox.Options, with TimeScale 1 for the real
// pace): WeChat's and Kuaidi100's delays then pass only when the test says.
type Clock struct {
	mu       sync.Mutex
	now      time.Time
	sleepers map[*sleeper]bool
}

type sleeper struct {
	at   time.Time
	wake chan struct{}
}

// NewClock returns a clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{now: t, sleepers: map[*sleeper]bool{}} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep waits until the clock is moved to at or past it, or stop closes.
func (c *Clock) Sleep(at time.Time, stop <-chan struct{}) bool {
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

// Advance moves the clock on by d and wakes whoever sleeps until then.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves the clock to t and wakes whoever sleeps until then.
func (c *Clock) Set(t time.Time) {
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

// Options sets opt's clock to c, at the real pace (TimeScale 1).
func (c *Clock) Options(opt sandbox.Options) sandbox.Options {
	opt.TimeScale, opt.Now, opt.Sleep = 1, c.Now, c.Sleep
	return opt
}

// Settle waits until every background task of sb sleeps on the clock (or
// has ended): until the clock moves, sb does nothing more. It returns the
// wake-up times of the sleepers.
func (c *Clock) Settle(t testing.TB, sb *sandbox.Sandbox) []time.Time {
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

// asleep returns the wake-up times of the sleepers.
func (c *Clock) asleep() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var at []time.Time
	for s := range c.sleepers {
		at = append(at, s.at)
	}
	return at
}
