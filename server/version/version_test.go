package version

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func buildInfo(mod string, settings ...string) *debug.BuildInfo {
	bi := &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Path: "wemart", Version: mod}}
	for i := 0; i+1 < len(settings); i += 2 {
		bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
	}
	return bi
}

const rev = "6867694d15f7fd3e9c07f885c3013a907cf838d2"

func TestResolve(t *testing.T) {
	tests := []struct {
		name                string
		ldV, ldC, ldB       string
		bi                  *debug.BuildInfo
		version, commit, at string
	}{
		{"make build stamps all three", "v1.2.0-3-g6867694-dirty", rev, "2026-11-21T10:00:00Z",
			buildInfo("(devel)", "vcs.revision", "ffff", "vcs.time", "2020-01-01T00:00:00Z"),
			"v1.2.0-3-g6867694-dirty", rev, "2026-11-21T10:00:00Z"},
		{"go build in a checkout: the toolchain's vcs settings", "", "", "",
			buildInfo("(devel)", "vcs.revision", rev, "vcs.time", "2026-11-20T08:00:00Z", "vcs.modified", "true"),
			"6867694-dirty", rev, "2026-11-20T08:00:00Z"},
		{"go install of a tagged module", "", "", "",
			buildInfo("v1.3.0", "vcs.revision", rev, "vcs.modified", "false"),
			"v1.3.0", rev, Unknown},
		{"no build information at all", "", "", "", nil, Unknown, Unknown, Unknown},
		{"partly stamped", "v2", "", "", buildInfo("(devel)", "vcs.revision", rev),
			"v2", rev, Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := resolve(tt.ldV, tt.ldC, tt.ldB, tt.bi)
			if got.Version != tt.version || got.Commit != tt.commit || got.Built != tt.at {
				t.Fatalf("resolve = %+v, want version %q commit %q built %q", got, tt.version, tt.commit, tt.at)
			}
			wantGo := runtime.Version()
			if tt.bi != nil {
				wantGo = tt.bi.GoVersion
			}
			if got.Go != wantGo {
				t.Fatalf("go %q, want %q", got.Go, wantGo)
			}
		})
	}
}

func TestString(t *testing.T) {
	s := Info{Version: "v1", Commit: rev, Built: "2026-11-21T10:00:00Z", Go: "go1.26.8"}.String()
	want := "wemart v1\ncommit: " + rev + "\nbuilt:  2026-11-21T10:00:00Z\ngo:     go1.26.8 " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if s != want {
		t.Fatalf("String() = %q, want %q", s, want)
	}
}

// TestGetInThisBinary: a test binary carries no linker stamps; Get still
// answers every field.
func TestGetInThisBinary(t *testing.T) {
	got := Get()
	if got.Version == "" || got.Commit == "" || got.Built == "" || !strings.HasPrefix(got.Go, "go") {
		t.Fatalf("Get() = %+v", got)
	}
}
