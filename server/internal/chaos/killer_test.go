package main

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Any load from 10 s up kills a server (first) and the sandbox as often as
// configured, every kill within the load.
func TestPlanKillsAServerWhateverTheLoad(t *testing.T) {
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, load := range []time.Duration{10 * time.Second, 11 * time.Second, 17 * time.Second, 30 * time.Second, 90 * time.Second, time.Hour} {
		for seed := range uint64(200) {
			p := plan(rand.New(rand.NewPCG(seed, 1<<32)), cfg, load)
			servers, sandbox := 0, 0
			for _, k := range p {
				if k.sandbox {
					sandbox++
				} else {
					servers++
				}
				if k.at <= 0 || k.at >= load {
					t.Fatalf("load %s seed %d: a kill at %s", load, seed, k.at)
				}
			}
			if len(p) == 0 || p[0].sandbox || servers == 0 || sandbox != cfg.SandboxKills {
				t.Fatalf("load %s seed %d: plan %+v (%d servers, %d sandbox)", load, seed, p, servers, sandbox)
			}
		}
	}
	p := plan(rand.New(rand.NewPCG(1, 1<<32)), cfg, 90*time.Second)
	if len(p) < 15 || p[0].at < cfg.KillMin || p[0].at > cfg.KillMax {
		t.Errorf("a 90 s load: %d kills, the first at %s; want every 3–6 s", len(p), p[0].at)
	}
}
