package config

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The tests load from a map, never the process environment: a developer's
// shell exporting WEMART_* variables cannot change what they test.

func TestLoadDefaults(t *testing.T) {
	c, err := LoadFrom(nil)
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
		"behind a proxy":        {"WEMART_TRUST_PROXY": "true"},
		"the issue's fleet": {"WEMART_ADDR": "127.0.0.1:8080", "WEMART_DATABASE_URL": "postgresql://db/wemart",
			"WEMART_PUBLIC_URL": "https://shop.example.com", "WEMART_TOKEN_SECRET": strings.Repeat("s", 32)},
	}
	for name, env := range production {
		t.Run(name, func(t *testing.T) {
			if _, err := LoadFrom(env); err == nil || !strings.Contains(err.Error(), "WEMART_WECHAT_MODE must be set") {
				t.Fatalf("no mode on a production-shaped configuration: %v", err)
			}
			env = maps.Clone(env)
			env["WEMART_WECHAT_MODE"] = "sandbox"
			c, err := LoadFrom(env)
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
			c, err := LoadFrom(env)
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
		{map[string]string{"WEMART_MEDIA_URL": "img.example.com"}, "WEMART_MEDIA_URL"},
		{map[string]string{"WEMART_MEDIA_URL": "https://img.example.com/m?x=1"}, "WEMART_MEDIA_URL"},
		{map[string]string{"WEMART_S3_BUCKET": "pics"}, "WEMART_S3_ENDPOINT"},
		{map[string]string{"WEMART_S3_ENDPOINT": "cos.ap-shanghai.myqcloud.com", "WEMART_S3_BUCKET": "b",
			"WEMART_S3_ACCESS_KEY": "a", "WEMART_S3_SECRET_KEY": "s"}, "WEMART_S3_ENDPOINT"},
		{map[string]string{"WEMART_S3_ENDPOINT": "https://cos.ap-shanghai.myqcloud.com", "WEMART_S3_ACCESS_KEY": "a", "WEMART_S3_SECRET_KEY": "s"}, "WEMART_S3_BUCKET"},
		{map[string]string{"WEMART_S3_ENDPOINT": "https://cos.ap-shanghai.myqcloud.com", "WEMART_S3_BUCKET": "b"}, "WEMART_S3_SECRET_KEY"},
		{map[string]string{"WEMART_S3_ENDPOINT": "http://minio:9000", "WEMART_S3_BUCKET": "b",
			"WEMART_S3_ACCESS_KEY": "a", "WEMART_S3_SECRET_KEY": "s", "WEMART_S3_PREFIX": "/abs"}, "WEMART_S3_PREFIX"},
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
			_, err := LoadFrom(tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load() error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestSummaryMasksSecrets(t *testing.T) {
	c, err := LoadFrom(map[string]string{
		"WEMART_WECHAT_MODE":    "sandbox",
		"WEMART_DATABASE_URL":   "postgres://wemart:hunter2hunter2@db:5432/wemart",
		"WEMART_ADMIN_USER":     "root",
		"WEMART_ADMIN_PASSWORD": "correct-horse",
		"WEMART_TOKEN_SECRET":   strings.Repeat("s", 40),
		"WEMART_SEARCH_URL":     "http://search:7700",
		"WEMART_SEARCH_KEY":     "meili-master-key",
		"WEMART_S3_ENDPOINT":    "https://cos.ap-shanghai.myqcloud.com",
		"WEMART_S3_BUCKET":      "wemart-pics-1250000000",
		"WEMART_S3_ACCESS_KEY":  "AKIDexampleaccess",
		"WEMART_S3_SECRET_KEY":  "s3-secret-key-value",
		"WEMART_MEDIA_URL":      "https://img.example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, a := range c.Summary() {
		b.WriteString(a.(string) + " ")
	}
	line := b.String()
	for _, secret := range []string{"hunter2hunter2", "correct-horse", strings.Repeat("s", 40), "meili-master-key", "AKIDexampleaccess", "s3-secret-key-value"} {
		if strings.Contains(line, secret) {
			t.Fatalf("summary leaks %q: %s", secret, line)
		}
	}
	for _, want := range []string{"root", "db:5432", "http://search:7700", "cos.ap-shanghai.myqcloud.com", "wemart-pics-1250000000", "https://img.example.com"} {
		if !strings.Contains(line, want) {
			t.Fatalf("summary lacks %q: %s", want, line)
		}
	}
}

// TestParseErrorsSayWhatIsExpected: a value that does not parse names the
// variable, shows the value and says what would do, not Go's parser error.
func TestParseErrorsSayWhatIsExpected(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"WEMART_TRUST_PROXY", "yes", `WEMART_TRUST_PROXY must be true or false (got "yes")`},
		{"WEMART_ORDER_TTL", "15", `WEMART_ORDER_TTL must be a duration like 15m or 90s (got "15")`},
		{"WEMART_SWEEP_INTERVAL", "10 seconds", `WEMART_SWEEP_INTERVAL must be a duration like 15m or 90s (got "10 seconds")`},
		{"WEMART_LOGIN_RATE", "ten", `WEMART_LOGIN_RATE must be a whole number like 600 (got "ten")`},
		{"WEMART_SANDBOX_TIME_SCALE", "fast", `WEMART_SANDBOX_TIME_SCALE must be a number like 0.5 (got "fast")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFrom(map[string]string{tt.name: tt.value})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load() error = %v, want %q", err, tt.want)
			}
			for _, raw := range []string{"strconv.", "invalid syntax", "missing unit", "parse error on field"} {
				if strings.Contains(err.Error(), raw) {
					t.Fatalf("the message shows Go's parser error %q: %v", raw, err)
				}
			}
		})
	}
}

func TestExpectedDescribesEveryKind(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{true, "true or false"},
		{time.Second, "a duration like 15m or 90s"},
		{int64(1), "a whole number like 600"},
		{uint(1), "a whole number of 0 or more"},
		{1.5, "a number like 0.5"},
		{[]int{}, "a comma-separated list, each a whole number like 600"},
		{[]time.Duration{}, "a comma-separated list, each a duration like 15m or 90s"},
		{new(bool), "true or false"},
	}
	for _, tt := range tests {
		if got := expected(reflect.TypeOf(tt.v)); got != tt.want {
			t.Errorf("expected(%T) = %q, want %q", tt.v, got, tt.want)
		}
	}
	if got := shown("WEMART_TOKEN_SECRET", "hunter2"); strings.Contains(got, "hunter2") {
		t.Errorf("a secret's value is shown: %s", got)
	}
}

func TestValidateShowsTheValue(t *testing.T) {
	for name, want := range map[string]string{
		"WEMART_ORDER_TTL":      "WEMART_ORDER_TTL must be between 1m and 2h (got 3h0m0s)",
		"WEMART_SWEEP_INTERVAL": "WEMART_SWEEP_INTERVAL must be between 100ms and 10m (got 1h0m0s)",
		"WEMART_LOG_FORMAT":     `WEMART_LOG_FORMAT must be json or text (got "xml")`,
	} {
		t.Run(name, func(t *testing.T) {
			value := map[string]string{"WEMART_ORDER_TTL": "3h", "WEMART_SWEEP_INTERVAL": "1h", "WEMART_LOG_FORMAT": "xml"}[name]
			if _, err := LoadFrom(map[string]string{name: value}); err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("Load() error = %v, want %q", err, want)
			}
		})
	}
}

func TestMetricsSettings(t *testing.T) {
	token := strings.Repeat("m", 32)
	for _, tt := range []struct {
		env  map[string]string
		want string // "" when valid
	}{
		{map[string]string{"WEMART_METRICS_ADDR": "127.0.0.1:9090"}, ""},
		{map[string]string{"WEMART_METRICS_TOKEN": token}, ""},
		{map[string]string{"WEMART_METRICS_ADDR": ":9090", "WEMART_METRICS_TOKEN": token}, ""},
		{map[string]string{"WEMART_METRICS_ADDR": "127.0.0.1:0", "WEMART_ADDR": "127.0.0.1:0"}, ""},
		{map[string]string{"WEMART_METRICS_ADDR": "9090"}, `WEMART_METRICS_ADDR must be host:port, like 10.0.0.5:9090 (got "9090")`},
		{map[string]string{"WEMART_METRICS_ADDR": "127.0.0.1:8080"}, "WEMART_METRICS_ADDR must differ from WEMART_ADDR"},
		{map[string]string{"WEMART_METRICS_TOKEN": "short"}, "WEMART_METRICS_TOKEN must be at least 32 characters"},
		{map[string]string{"WEMART_METRICS_ADDR": "127.0.0.1:9090", "WEMART_PPROF": "true"}, ""},
		{map[string]string{"WEMART_METRICS_TOKEN": token, "WEMART_PPROF": "true"}, "WEMART_PPROF=true needs WEMART_METRICS_ADDR"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			c, err := LoadFrom(tt.env)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.MetricsAddr != tt.env["WEMART_METRICS_ADDR"] || c.MetricsToken != tt.env["WEMART_METRICS_TOKEN"] {
					t.Fatalf("loaded %q %q", c.MetricsAddr, c.MetricsToken)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load() error = %v, want %q", err, tt.want)
			}
		})
	}
	t.Run("summary", func(t *testing.T) {
		c := Config{MetricsAddr: "10.0.0.5:9090", MetricsToken: token}
		if got := c.metricsSummary(); got != "addr=10.0.0.5:9090 main listener token=***" {
			t.Fatalf("summary %q", got)
		}
		if got := (Config{}).metricsSummary(); got != "off" {
			t.Fatalf("summary %q", got)
		}
	})
}

func TestKnownComesFromTheStructTags(t *testing.T) {
	known := Known()
	for _, name := range []string{"WEMART_ADDR", "WEMART_ORDER_TTL", "WEMART_WECHAT_APPID", "WEMART_WECHAT_PLATFORM_KEY_ID",
		"WEMART_METRICS_ADDR", "WEMART_METRICS_TOKEN", "WEMART_SHUTDOWN_TIMEOUT"} {
		if !slices.Contains(known, name) {
			t.Errorf("Known() lacks %s", name)
		}
	}
	for _, name := range known {
		if !strings.HasPrefix(name, Prefix) {
			t.Errorf("Known() has %s", name)
		}
	}
}

func TestUnknownVariablesAreNamedWithTheClosest(t *testing.T) {
	environ := []string{
		"HOME=/root", "WEMART_ADDR=127.0.0.1:8080", "WEMART_ORDR_TTL=20m", "WEMART_TEST_POSTGRES=postgres://x",
		"WEMART_DEV_POSTGRES=postgres://y", "WEMART_TRUST_PROXIES=true", "WEMART_METRIC_TOKEN=x", "WEMART_SECRET_THING=hunter2", "WEMART_ORDR_TTL=20m",
		"WEMART_wechat_mode=live", "wemart_addr=x",
	}
	got := Unknown(environ)
	want := []UnknownVariable{
		{Name: "WEMART_METRIC_TOKEN", Closest: "WEMART_METRICS_TOKEN"},
		{Name: "WEMART_ORDR_TTL", Closest: "WEMART_ORDER_TTL"},
		{Name: "WEMART_SECRET_THING"}, // nothing is close: no wild guess
		{Name: "WEMART_TRUST_PROXIES", Closest: "WEMART_TRUST_PROXY"},
		{Name: "WEMART_wechat_mode", Closest: "WEMART_WECHAT_MODE"}, // the case is the typo
		{Name: "wemart_addr", Closest: "WEMART_ADDR"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Unknown() = %+v, want %+v", got, want)
	}
	if msg := got[1].String(); msg != "WEMART_ORDR_TTL is not a wemart variable and is ignored; did you mean WEMART_ORDER_TTL?" {
		t.Fatalf("message %q", msg)
	}
	if msg := got[2].String(); msg != "WEMART_SECRET_THING is not a wemart variable and is ignored (README.md lists them)" {
		t.Fatalf("message %q", msg)
	}
	for _, u := range got {
		if strings.Contains(u.String(), "hunter2") {
			t.Fatalf("a value leaked into %q", u)
		}
	}
	if u := Unknown([]string{"WEMART_LOG_LEVEL=debug", "PATH=/bin"}); len(u) != 0 {
		t.Fatalf("known variables warned about: %+v", u)
	}
}

// TestEveryVariableInTheRepositoryIsKnown: any WEMART_* name the code,
// Makefile or CI use is a setting or a tool variable, so setting it never
// draws a warning. A new tool variable belongs in toolVariables. (Docs are
// left out: README.md shows a misspelt name on purpose.)
func TestEveryVariableInTheRepositoryIsKnown(t *testing.T) {
	root := filepath.Join("..", "..")
	name := regexp.MustCompile(`WEMART_[A-Z0-9_]+`)
	var environ []string
	seen := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "data", "bin", "node_modules", "ent":
				return filepath.SkipDir
			}
			return nil
		}
		ext := filepath.Ext(path)
		if strings.HasSuffix(path, "_test.go") {
			return nil // tests set unknown names on purpose
		}
		if ext != ".go" && ext != ".yaml" && ext != ".yml" && ext != ".sh" && d.Name() != "Makefile" && d.Name() != "run" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range name.FindAllString(string(b), -1) {
			if strings.HasSuffix(n, "_") {
				continue // a family, like WEMART_WECHAT_*
			}
			if _, ok := seen[n]; !ok {
				seen[n] = path
				environ = append(environ, n+"=x")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 20 {
		t.Fatalf("found only %d WEMART_* names: is the walk in the right place?", len(seen))
	}
	for _, u := range Unknown(environ) {
		t.Errorf("%s (in %s) would be warned about as unknown", u.Name, seen[u.Name])
	}
}
