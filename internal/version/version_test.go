package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

// What each way of building records is what the line says.
func TestFromBuildInfo(t *testing.T) {
	for _, c := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"go build in a clone", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"},
			{Key: "vcs.revision", Value: "1f1f90039a689d89cf1a7300b115977686af13ee"}, {Key: "vcs.time", Value: "2026-11-25T10:15:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			"bcetl (devel) (revision 1f1f90039a689d89cf1a7300b115977686af13ee, 2026-11-25T10:15:00Z, with uncommitted changes) go1.26.8 linux/amd64"},
		{"go install @v1.2.0", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"}, Settings: []debug.BuildSetting{
			{Key: "GOOS", Value: "darwin"}, {Key: "GOARCH", Value: "arm64"}}},
			"bcetl v1.2.0 (no VCS revision recorded) go1.26.8 darwin/arm64"},
		{"go install @latest of an untagged commit", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261125101500-1f1f90039a68"}, Settings: []debug.BuildSetting{
			{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "arm64"}}},
			"bcetl v0.0.0-20261125101500-1f1f90039a68 (revision 1f1f90039a68) go1.26.8 linux/arm64"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := FromBuildInfo(&c.bi).String(); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// A test binary has build info too: Read never fails and names the toolchain.
func TestRead(t *testing.T) {
	if got := Read().String(); !strings.HasPrefix(got, "bcetl ") || !strings.Contains(got, " go1.") {
		t.Errorf("Read() = %q", got)
	}
}
