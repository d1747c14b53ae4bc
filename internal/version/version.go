// Package version says which bcetl this is, from what the Go toolchain
// recorded in the binary (runtime/debug.ReadBuildInfo): the module version
// and the VCS revision. Nothing is stamped by hand, so every way of
// building — go install …@v1.2.3, go build in a clone, the image's
// Dockerfile — reports itself without a release step to forget.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"golang.org/x/mod/module"
)

// Info is what a build knows about itself.
type Info struct {
	// Module is the main module's version: v1.2.3 or a pseudo-version
	// (v0.0.0-20261125101500-1f1f90039a68) for go install …@version; go
	// build in a clone derives one from the commit (+dirty with
	// uncommitted changes); "(devel)" when no VCS was found.
	Module string
	// Revision is the VCS commit. go build in a clone stamps it (with
	// Time and Modified); go install …@version builds from the module
	// zip, which has no VCS, so it is taken from a pseudo-version.
	Revision string
	Time     string // the commit's time, RFC 3339, when stamped
	Modified bool   // the work tree had uncommitted changes
	Go       string // the toolchain, e.g. go1.26.8
	Platform string // GOOS/GOARCH
}

// Read returns this binary's Info.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Module: "(unknown)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	}
	return FromBuildInfo(bi)
}

// FromBuildInfo extracts Info from what the toolchain recorded.
func FromBuildInfo(bi *debug.BuildInfo) Info {
	in := Info{Module: bi.Main.Version, Go: bi.GoVersion, Platform: runtime.GOOS + "/" + runtime.GOARCH}
	var goos, goarch string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Revision = s.Value
		case "vcs.time":
			in.Time = s.Value
		case "vcs.modified":
			in.Modified = s.Value == "true"
		case "GOOS":
			goos = s.Value
		case "GOARCH":
			goarch = s.Value
		}
	}
	if goos != "" && goarch != "" {
		in.Platform = goos + "/" + goarch
	}
	if in.Module == "" {
		in.Module = "(devel)"
	}
	if in.Revision == "" && module.IsPseudoVersion(in.Module) {
		if rev, err := module.PseudoVersionRev(in.Module); err == nil {
			in.Revision = rev
		}
	}
	return in
}

// String is the one line `bcetl version` prints, e.g.
//
//	bcetl v1.2.0 (revision 1f1f90039a68…, 2026-11-25T10:15:00Z) go1.26.8 linux/amd64
func (in Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bcetl %s", in.Module)
	if in.Revision != "" {
		var extra []string
		if in.Time != "" {
			extra = append(extra, in.Time)
		}
		if in.Modified {
			extra = append(extra, "with uncommitted changes")
		}
		fmt.Fprintf(&b, " (revision %s", in.Revision)
		for _, e := range extra {
			b.WriteString(", " + e)
		}
		b.WriteString(")")
	} else {
		b.WriteString(" (no VCS revision recorded)")
	}
	fmt.Fprintf(&b, " %s %s", in.Go, in.Platform)
	return b.String()
}
