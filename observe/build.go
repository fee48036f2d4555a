package observe

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
)

// BuildInfo is what the program knows of its own build, from the build
// information the Go toolchain embeds: the main module's version and, for
// a build from a git checkout, the revision it was built from. A build
// from a checkout whose .git is a directory is stamped by default; a
// build with -buildvcs=false, from a worktree (whose .git is a file) or
// from a copy without .git is not, and says so.
type BuildInfo struct {
	// Version is the main module's version: a tag, a pseudo-version
	// (v0.0.0-20261203114957-af1635c2853c) or "(devel)".
	Version string
	// Revision is the VCS revision, "" when the build was not stamped.
	Revision string
	// Time is the revision's commit time (RFC 3339), "" when unknown.
	Time string
	// Modified: the checkout had changes not committed.
	Modified bool
	// GoVersion is the toolchain's version.
	GoVersion string
}

// Build returns the program's build information.
var Build = sync.OnceValue(func() BuildInfo {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return BuildInfo{Version: "(unknown)", GoVersion: runtime.Version()}
	}
	return buildInfo(info)
})

func buildInfo(info *debug.BuildInfo) BuildInfo {
	b := BuildInfo{Version: info.Main.Version, GoVersion: info.GoVersion}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is the line `tupu --version` prints: "tupu VERSION (revision
// REV[, modified], TIME; GOVERSION)".
func (b BuildInfo) String() string {
	rev := "revision unknown: built without VCS stamping"
	if b.Revision != "" {
		rev = "revision " + b.Revision
		if b.Modified {
			rev += ", modified"
		}
		if b.Time != "" {
			rev += ", " + b.Time
		}
	}
	return fmt.Sprintf("tupu %s (%s; %s)", b.Version, rev, b.GoVersion)
}
