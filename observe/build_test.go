package observe

import (
	"runtime/debug"
	"testing"
)

func TestBuildInfo(t *testing.T) {
	for _, tc := range []struct {
		info *debug.BuildInfo
		want string
	}{
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261203114957-af1635c2853c"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "af1635c2853cdc994ae4102894ec11be6209c64a"}, {Key: "vcs.time", Value: "2026-12-03T11:49:57Z"}, {Key: "vcs.modified", Value: "true"}}},
			"tupu v0.0.0-20261203114957-af1635c2853c (revision af1635c2853cdc994ae4102894ec11be6209c64a, modified, 2026-12-03T11:49:57Z; go1.26.8)"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			"tupu (devel) (revision unknown: built without VCS stamping; go1.26.8)"},
		{&debug.BuildInfo{GoVersion: "go1.26.8"}, "tupu (devel) (revision unknown: built without VCS stamping; go1.26.8)"},
	} {
		if got := buildInfo(tc.info).String(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}
