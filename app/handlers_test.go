package app

import (
	"bytes"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestHandlerFlagsAsCommands(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"--register-handlers"}, []string{"register-handlers"}},
		{[]string{"-unregister-handlers", "--data", "D"}, []string{"unregister-handlers", "--data", "D"}},
		{[]string{"play", "--register-handlersx"}, []string{"play", "--register-handlersx"}},
	} {
		if got := handlerFlagsAsCommands(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("handlerFlagsAsCommands(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRegisterHandlersOutsideWindows: Linux and macOS register magnet: with
// the installed app, so the command says so and fails. (On Windows the
// registry keys are tested in internal/urlscheme under Wine.)
func TestRegisterHandlersOutsideWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("on Windows the command writes the user's registry; internal/urlscheme tests that on a scratch key")
	}
	for _, args := range [][]string{{"--register-handlers"}, {"unregister-handlers"}, {"--unregister-handlers"}} {
		var out, errb bytes.Buffer
		cli := &CLI{Stdout: &out, Stderr: &errb, FyneAppTOML: []byte(testTOML)}
		code := cli.Main(append(args, "--data", t.TempDir()))
		if code != ExitFailure || !strings.Contains(errb.String(), "desktop entry") {
			t.Errorf("%q: exit %d, stderr %q; want %d and the desktop's way", args, code, errb.String(), ExitFailure)
		}
	}
}
