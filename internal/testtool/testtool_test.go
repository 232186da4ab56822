package testtool

import (
	"strings"
	"testing"
)

// fakeT records how a check ended, so Need's skip and fail paths can be
// tested without ending this test.
type fakeT struct {
	testing.TB
	skipped, failed string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Skipf(format string, args ...any) {
	f.skipped = format
	panic(f)
}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = format
	panic(f)
}

func run(tb testing.TB, fn func(testing.TB)) (ft *fakeT) {
	ft = &fakeT{TB: tb}
	defer func() {
		if r := recover(); r != nil && r != any(ft) {
			panic(r)
		}
	}()
	fn(ft)
	return ft
}

func TestNeed(t *testing.T) {
	const absent = "swarmtone-no-such-tool"
	for _, tc := range []struct {
		name, ci, tool string
		wantSkip       bool
		wantFail       bool
	}{
		{"present, developer", "", "sh", false, false},
		{"present, CI", "true", "sh", false, false},
		{"missing, developer", "", absent, true, false},
		{"missing, CI false", "false", absent, true, false},
		{"missing, CI", "true", absent, false, true},
		{"missing, CI 1", "1", absent, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			ft := run(t, func(tb testing.TB) { NeedOne(tb, tc.tool) })
			if (ft.skipped != "") != tc.wantSkip || (ft.failed != "") != tc.wantFail {
				t.Fatalf("skipped %q failed %q; want skip %v fail %v", ft.skipped, ft.failed, tc.wantSkip, tc.wantFail)
			}
		})
	}
}

func TestInstallStep(t *testing.T) {
	for tool, want := range map[string]string{
		"ffmpeg":     "apt-get install ffmpeg",
		"oggenc":     "apt-get install vorbis-tools",
		"webtorrent": "npm install of webtorrent-cli",
	} {
		if got := InstallStep(tool); !strings.Contains(got, want) {
			t.Errorf("InstallStep(%q) = %q, want it to say %q", tool, got, want)
		}
	}
}
