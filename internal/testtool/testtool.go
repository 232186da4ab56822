// Package testtool lets a test ask for an external program (ffmpeg,
// transmission-daemon, an X display, ...) that `make test` installs.
//
// On a developer's machine a missing tool skips the test with the install
// step. Under CI (the CI environment variable is set, as .ci/run's caller
// does) it fails the test instead: the Makefile installs every tool the tests
// use, so a missing one is a broken install step that a skip would hide.
//
// It is imported only by tests, and imports nothing of Swarmtone's.
package testtool

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// installs names, for each program a test may need, where it comes from.
// Programs not listed come from the Debian package of the same name.
var installs = map[string]string{
	"ffprobe":                 "apt-get install ffmpeg",
	"oggenc":                  "apt-get install vorbis-tools",
	"oggdec":                  "apt-get install vorbis-tools",
	"opusenc":                 "apt-get install opus-tools",
	"opusdec":                 "apt-get install opus-tools",
	"metaflac":                "apt-get install flac",
	"transmission-daemon":     "apt-get install transmission-daemon",
	"transmission-create":     "apt-get install transmission-cli",
	"transmission-remote":     "apt-get install transmission-cli",
	"aria2c":                  "apt-get install aria2",
	"webtorrent":              "tools/deps.sh test (npm install of webtorrent-cli into .tools/webtorrent)",
	"unshare":                 "apt-get install util-linux",
	"ip":                      "apt-get install iproute2",
	"tc":                      "apt-get install iproute2",
	"nft":                     "apt-get install nftables",
	"ping":                    "apt-get install iputils-ping",
	"xvfb-run":                "apt-get install xvfb xauth",
	"xdotool":                 "apt-get install xdotool",
	"xwininfo":                "apt-get install x11-utils",
	"xev":                     "apt-get install x11-utils",
	"import":                  "apt-get install imagemagick",
	"convert":                 "apt-get install imagemagick",
	"dbus-daemon":             "apt-get install dbus-daemon",
	"dbus-send":               "apt-get install dbus-bin",
	"mpc":                     "apt-get install mpc",
	"playerctl":               "apt-get install playerctl",
	"status-notifier-watcher": "apt-get install haskell-status-notifier-item-utils",
	"desktop-file-validate":   "apt-get install desktop-file-utils",
	"appstreamcli":            "apt-get install appstream",
	"xdg-mime":                "apt-get install xdg-utils",
	"xz":                      "apt-get install xz-utils",
	"xclip":                   "apt-get install xclip",
	"xdg-user-dir":            "apt-get install xdg-user-dirs",
	"node":                    "apt-get install nodejs",
}

// InstallStep says how `make test` installs the program name.
func InstallStep(name string) string {
	if s, ok := installs[name]; ok {
		return s
	}
	return "apt-get install " + name
}

// UnderCI reports whether the tests run in CI, where every tool must be
// present.
func UnderCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// UnderWine reports whether this is a Windows binary running under Wine.
// Tests that need what Wine lacks skip with t.Skip and that reason.
func UnderWine() bool { return underWine() }

// Need returns the path of each named program, in order. A missing one
// skips the test, or fails it under CI; either way it names the install step.
func Need(t testing.TB, names ...string) []string {
	t.Helper()
	paths := make([]string, len(names))
	for i, name := range names {
		p, err := exec.LookPath(name)
		if err != nil {
			Missing(t, name+" is not installed", InstallStep(name)+" (make test-deps does it)")
		}
		paths[i] = p
	}
	return paths
}

// NeedOne is Need for a single program.
func NeedOne(t testing.TB, name string) string {
	t.Helper()
	return Need(t, name)[0]
}

// NeedDisplay skips (or under CI fails) a test that needs an X display when
// there is none.
func NeedDisplay(t testing.TB) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		Missing(t, "no X display", "run under `make test`, which starts Xvfb (apt-get install xvfb xauth)")
	}
}

// Missing skips the test (fails it under CI) because what saying describes is
// not there; how says how to get it.
//
// Under Wine (the Windows test binaries `make test` runs with wine64) it
// always skips: a Windows binary cannot run the Linux tools, and the same
// test runs natively on Linux, where CI requires the tool.
func Missing(t testing.TB, what, how string) {
	t.Helper()
	if UnderWine() {
		t.Skipf("under Wine: %s (Linux tools cannot run from a Windows test binary; the native run covers this test)", what)
	}
	if UnderCI() {
		t.Fatalf("%s: %s. Under CI every tool the tests use must be installed by the Makefile.", what, how)
	}
	t.Skipf("%s: %s", what, how)
}
