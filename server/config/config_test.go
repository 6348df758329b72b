package config

import (
	"strings"
	"testing"
)

func setEnv(t *testing.T, kv map[string]string) {
	t.Helper()
	for k, v := range kv {
		t.Setenv(k, v)
	}
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.Mode() != ModeSandbox || c.DatabaseURL != "" ||
		c.SandboxAddr != "127.0.0.1:8090" || c.SandboxURL != "" || !c.LaptopShaped() {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

// TestSandboxIsTheDefaultOnlyOnALaptop: without WEMART_WECHAT_MODE a
// production-shaped configuration is refused (naming the variable); a
// laptop-shaped one gets the sandbox; an explicit sandbox is allowed anywhere.
func TestSandboxIsTheDefaultOnlyOnALaptop(t *testing.T) {
	production := map[string]map[string]string{
		"public listen address": {"WEMART_ADDR": "0.0.0.0:8080"},
		"LAN listen address":    {"WEMART_ADDR": "10.0.0.5:8080"},
		"every interface":       {"WEMART_ADDR": ":8080"},
		"https public URL":      {"WEMART_PUBLIC_URL": "https://shop.example.com"},
		"PostgreSQL":            {"WEMART_DATABASE_URL": "postgres://wemart@db/wemart"},
		"fleet token secret":    {"WEMART_TOKEN_SECRET": strings.Repeat("s", 32)},
		"the issue's fleet": {"WEMART_ADDR": "127.0.0.1:8080", "WEMART_DATABASE_URL": "postgresql://db/wemart",
			"WEMART_PUBLIC_URL": "https://shop.example.com", "WEMART_TOKEN_SECRET": strings.Repeat("s", 32)},
	}
	for name, env := range production {
		t.Run(name, func(t *testing.T) {
			setEnv(t, env)
			if _, err := Load(); err == nil || !strings.Contains(err.Error(), "WEMART_WECHAT_MODE must be set") {
				t.Fatalf("no mode on a production-shaped configuration: %v", err)
			}
			t.Setenv("WEMART_WECHAT_MODE", "sandbox")
			c, err := Load()
			if err != nil || c.Mode() != ModeSandbox || c.LaptopShaped() {
				t.Fatalf("explicit sandbox: %v %+v", err, c)
			}
		})
	}
	laptop := map[string]map[string]string{
		"defaults":         {},
		"IPv6 loopback":    {"WEMART_ADDR": "[::1]:8080"},
		"localhost":        {"WEMART_ADDR": "localhost:9000"},
		"127.0.0.2":        {"WEMART_ADDR": "127.0.0.2:8080"},
		"http public URL":  {"WEMART_PUBLIC_URL": "http://192.168.1.10:8080"},
		"SQLite file":      {"WEMART_DATABASE_URL": "sqlite:/tmp/x.db"},
		"Meilisearch":      {"WEMART_SEARCH_URL": "http://127.0.0.1:7700"},
		"a shared sandbox": {"WEMART_SANDBOX_URL": "http://127.0.0.1:8090"},
		"explicit sandbox": {"WEMART_WECHAT_MODE": "sandbox"},
	}
	for name, env := range laptop {
		t.Run(name, func(t *testing.T) {
			setEnv(t, env)
			c, err := Load()
			if err != nil || c.Mode() != ModeSandbox || !c.LaptopShaped() {
				t.Fatalf("laptop: %v %+v", err, c)
			}
		})
	}
}

func TestValidateNamesTheVariable(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"WEMART_ADDR": "nonsense"}, "WEMART_ADDR"},
		{map[string]string{"WEMART_DATABASE_URL": "mysql://x"}, "WEMART_DATABASE_URL"},
		{map[string]string{"WEMART_SEARCH_URL": "ftp://x"}, "WEMART_SEARCH_URL"},
		{map[string]string{"WEMART_WECHAT_MODE": "prod"}, "WEMART_WECHAT_MODE"},
		{map[string]string{"WEMART_WECHAT_MODE": "live"}, "WEMART_WECHAT_APPID"},
		{map[string]string{"WEMART_WECHAT_MODE": "live", "WEMART_WECHAT_APPID": "wx1"}, "WEMART_PUBLIC_URL"},
		{map[string]string{"WEMART_WECHAT_SECRET": "real-secret"}, "WEMART_WECHAT_SECRET is a live WeChat credential"},
		{map[string]string{"WEMART_WECHAT_MCH_KEY_FILE": "/etc/wx/key.pem"}, "WEMART_WECHAT_MCH_KEY_FILE"},
		{map[string]string{"WEMART_PUBLIC_URL": "shop.example.com"}, "WEMART_PUBLIC_URL"},
		{map[string]string{"WEMART_LOGIN_RATE": "0"}, "WEMART_LOGIN_RATE"},
		{map[string]string{"WEMART_ORDER_TTL": "30s"}, "WEMART_ORDER_TTL"},
		{map[string]string{"WEMART_ORDER_TTL": "3h"}, "WEMART_ORDER_TTL"},
		{map[string]string{"WEMART_SWEEP_INTERVAL": "1h"}, "WEMART_SWEEP_INTERVAL"},
		{map[string]string{"WEMART_SANDBOX_TIME_SCALE": "5"}, "WEMART_SANDBOX_TIME_SCALE"},
		{map[string]string{"WEMART_ADMIN_USER": "root"}, "WEMART_ADMIN_PASSWORD"},
		{map[string]string{"WEMART_ADMIN_USER": "root", "WEMART_ADMIN_PASSWORD": "short"}, "at least 8"},
		{map[string]string{"WEMART_TOKEN_SECRET": "tiny"}, "WEMART_TOKEN_SECRET"},
		{map[string]string{"WEMART_LOG_LEVEL": "loud"}, "WEMART_LOG_LEVEL"},
		{map[string]string{"WEMART_STAFF_TOKEN_TTL": "forever"}, "WEMART_STAFF_TOKEN_TTL"},
		{map[string]string{"WEMART_SANDBOX_ADDR": "8090"}, "WEMART_SANDBOX_ADDR"},
		{map[string]string{"WEMART_SANDBOX_URL": "10.0.0.5:8090"}, "WEMART_SANDBOX_URL"},
		{map[string]string{"WEMART_SANDBOX_URL": "http://10.0.0.5:8090/sandbox"}, "WEMART_SANDBOX_URL"},
		{map[string]string{"WEMART_WECHAT_MODE": "live", "WEMART_SANDBOX_URL": "http://10.0.0.5:8090"}, "WEMART_SANDBOX_URL is for sandbox mode only"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			setEnv(t, tt.env)
			_, err := Load()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load() error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestSummaryMasksSecrets(t *testing.T) {
	setEnv(t, map[string]string{
		"WEMART_WECHAT_MODE":    "sandbox",
		"WEMART_DATABASE_URL":   "postgres://wemart:hunter2hunter2@db:5432/wemart",
		"WEMART_ADMIN_USER":     "root",
		"WEMART_ADMIN_PASSWORD": "correct-horse",
		"WEMART_TOKEN_SECRET":   strings.Repeat("s", 40),
		"WEMART_SEARCH_URL":     "http://search:7700",
		"WEMART_SEARCH_KEY":     "meili-master-key",
	})
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, a := range c.Summary() {
		b.WriteString(a.(string) + " ")
	}
	line := b.String()
	for _, secret := range []string{"hunter2hunter2", "correct-horse", strings.Repeat("s", 40), "meili-master-key"} {
		if strings.Contains(line, secret) {
			t.Fatalf("summary leaks %q: %s", secret, line)
		}
	}
	for _, want := range []string{"root", "db:5432", "http://search:7700"} {
		if !strings.Contains(line, want) {
			t.Fatalf("summary lacks %q: %s", want, line)
		}
	}
}
