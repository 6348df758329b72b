package main

import (
	"strings"
	"testing"
	"time"
)

func TestDeadline(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	cfg, err := loadConfig(env(nil))
	if err != nil || cfg.Deadline != 4*time.Minute+30*time.Second {
		t.Fatalf("default deadline %s, %v; want 4m30s for a 90 s load", cfg.Deadline, err)
	}
	cfg, err = loadConfig(env(map[string]string{"CHAOS_DURATION": "10s", "CHAOS_DEADLINE": "1m"}))
	if err != nil || cfg.Deadline != time.Minute {
		t.Fatalf("CHAOS_DEADLINE=1m: %s, %v", cfg.Deadline, err)
	}
	for _, v := range []string{"50s", "soon", "-1m"} {
		_, err := loadConfig(env(map[string]string{"CHAOS_DEADLINE": v}))
		if err == nil || !strings.Contains(err.Error(), "CHAOS_DEADLINE must be a duration of at least CHAOS_DURATION + 45s (2m15s)") {
			t.Errorf("CHAOS_DEADLINE=%s: %v", v, err)
		}
	}
}
