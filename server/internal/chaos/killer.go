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
// (run is the whole run's context: an interrupt stops the waiting).
func (k *killer) run(ctx, run context.Context) {
	rng := rand.New(rand.NewPCG(k.cfg.Seed, 1<<32))
	start := time.Now()
	deadline, _ := ctx.Deadline()
	// The sandbox dies at evenly spread moments; the servers at random.
	var sandboxAt []time.Time
	for i := range k.cfg.SandboxKills {
		sandboxAt = append(sandboxAt, start.Add(deadline.Sub(start)*time.Duration(i+1)/time.Duration(k.cfg.SandboxKills+1)))
	}
	for {
		pause := k.cfg.KillMin + time.Duration(rng.Int64N(int64(k.cfg.KillMax-k.cfg.KillMin)+1))
		if !sleep(ctx, pause) {
			break
		}
		var victim *proc
		if len(sandboxAt) > 0 && time.Now().After(sandboxAt[0]) && k.f.sandbox.isUp() {
			victim, sandboxAt = k.f.sandbox, sandboxAt[1:]
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
