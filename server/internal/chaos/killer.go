package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// killer kills a random process of the fleet with SIGKILL every few
// seconds and has it restarted, like a supervisor after a crash.
type killer struct {
	f   *fleet
	cfg config

	mu                    sync.Mutex
	serverKills, sbxKills int
	restarts, skipped     int
	failures              []string // processes that did not come back
	crashes               sync.WaitGroup
}

// run kills until ctx ends, then waits until every process killed is back
// (run is the whole run's context: an interrupt or the run's deadline
// stops the waiting).
func (k *killer) run(ctx, run context.Context) {
	rng := rand.New(rand.NewPCG(k.cfg.Seed, 1<<32))
	start := time.Now()
	deadline, _ := ctx.Deadline()
	for _, next := range plan(rng, k.cfg, deadline.Sub(start)) {
		if !sleep(ctx, time.Until(start.Add(next.at))) {
			break
		}
		var victim *proc
		if next.sandbox && k.f.sandbox.isUp() {
			victim = k.f.sandbox
		} else {
			var up []*proc
			for _, s := range k.f.servers {
				if s.isUp() {
					up = append(up, s)
				}
			}
			if len(up) < 2 { // one server always serves
				k.mu.Lock()
				k.skipped++
				k.mu.Unlock()
				continue
			}
			victim = up[rng.IntN(len(up))]
		}
		down := time.Duration(200+rng.IntN(1300)) * time.Millisecond
		k.mu.Lock()
		if victim == k.f.sandbox {
			k.sbxKills++
		} else {
			k.serverKills++
		}
		k.mu.Unlock()
		fmt.Printf("chaos: %6.1fs kill -9 %s (back in %s)\n", time.Since(start).Seconds(), victim.name, down)
		k.crashes.Go(func() {
			err := k.f.crash(run, victim, down)
			k.mu.Lock()
			defer k.mu.Unlock()
			if err != nil {
				k.failures = append(k.failures, err.Error())
				return
			}
			k.restarts++
		})
	}
	k.crashes.Wait()
}

// pauses bounds the pauses between kills during a load of the given
// length (see plan).
func pauses(cfg config, load time.Duration) (lo, hi time.Duration) {
	lo, hi = cfg.KillMin, cfg.KillMax
	if room := load / time.Duration(cfg.SandboxKills+2); hi > room {
		lo, hi = time.Duration(float64(lo)*float64(room)/float64(hi)), room
	}
	return lo, hi
}

// kill is one planned kill: when, from the start of the load, and whether
// it is the sandbox's turn (else a random server's).
type kill struct {
	at      time.Duration
	sandbox bool
}

// plan is when the killer strikes during a load of the given length:
// pauses drawn from [cfg.KillMin, cfg.KillMax], and the sandbox's turns
// spread evenly (at a third and two thirds of the load for two). A load
// too short for cfg.SandboxKills+2 of the longest pauses has them shrunk
// to fit: the first kill then always comes before the sandbox's first
// turn, so any load kills a server.
func plan(rng *rand.Rand, cfg config, load time.Duration) []kill {
	lo, hi := pauses(cfg, load)
	var turns []time.Duration
	for i := range cfg.SandboxKills {
		turns = append(turns, load*time.Duration(i+1)/time.Duration(cfg.SandboxKills+1))
	}
	var out []kill
	var at time.Duration
	for {
		at += lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
		if at >= load {
			return out
		}
		k := kill{at: at}
		if len(turns) > 0 && at >= turns[0] {
			k.sandbox, turns = true, turns[1:]
		}
		out = append(out, k)
	}
}
