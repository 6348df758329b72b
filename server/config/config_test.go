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
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.WeChatMode != ModeSandbox || c.DatabaseURL != "" {
		t.Fatalf("unexpected defaults: %+v", c)
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
