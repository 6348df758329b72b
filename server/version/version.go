// Package version says which build of wemart is running: the version, the
// commit and the build time, for `wemart version`, the start-up log and the
// wemart_build_info metric.
//
// `make build` stamps them with -ldflags -X (git describe, git rev-parse HEAD,
// the UTC time). A binary built without them (go build, go run, go install)
// falls back to what the Go toolchain recorded (runtime/debug.ReadBuildInfo:
// the module version and the vcs.revision / vcs.time / vcs.modified settings).
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set by the linker (-ldflags "-X wemart/server/version.version=..."). These
// are the one kind of package-level variable wemart has: written once by the
// linker before main starts and never assigned at run time.
var (
	version string
	commit  string
	built   string
)

// Unknown stands for a field neither the linker nor the toolchain recorded.
const Unknown = "unknown"

// Info describes a build.
type Info struct {
	// Version is `git describe --always --dirty` (make build), or the
	// module's version as the toolchain recorded it.
	Version string
	// Commit is the full commit hash.
	Commit string
	// Built is when the binary was built (make build) or, lacking that, the
	// commit's time; RFC 3339, UTC.
	Built string
	// Go is the toolchain version.
	Go string
}

// Get returns this binary's build information.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(version, commit, built, bi)
}

// resolve prefers the linker's values and fills the rest from bi (nil when
// the binary carries no build information).
func resolve(ldVersion, ldCommit, ldBuilt string, bi *debug.BuildInfo) Info {
	info := Info{Version: ldVersion, Commit: ldCommit, Built: ldBuilt, Go: runtime.Version()}
	if bi != nil {
		var revision, at string
		var modified bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if info.Commit == "" {
			info.Commit = revision
		}
		if info.Built == "" {
			info.Built = at
		}
		if info.Version == "" {
			info.Version = moduleVersion(bi.Main.Version, revision, modified)
		}
		if bi.GoVersion != "" {
			info.Go = bi.GoVersion
		}
	}
	for _, f := range []*string{&info.Version, &info.Commit, &info.Built} {
		if *f == "" {
			*f = Unknown
		}
	}
	return info
}

// moduleVersion is the toolchain's version of the main module, or (for a
// development build, "(devel)") the short revision as git describe would
// print it.
func moduleVersion(mod, revision string, modified bool) string {
	if mod != "" && mod != "(devel)" {
		return mod
	}
	if revision == "" {
		return ""
	}
	v := revision[:min(len(revision), 7)]
	if modified {
		v += "-dirty"
	}
	return v
}

// String is the build as `wemart version` prints it.
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wemart %s\n", i.Version)
	fmt.Fprintf(&b, "commit: %s\n", i.Commit)
	fmt.Fprintf(&b, "built:  %s\n", i.Built)
	fmt.Fprintf(&b, "go:     %s %s/%s\n", i.Go, runtime.GOOS, runtime.GOARCH)
	return b.String()
}
