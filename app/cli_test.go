package app

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const testTOML = "[Details]\n  Name = \"Swarmtone\"\n  ID = \"org.swarmtone.swarmtone\"\n  Version = \"0.1.0\"\n  Build = 3\n"

func TestCLI(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		guiErr     error
		wantCode   int
		wantStdout string
		wantStderr string
		wantGUI    bool
	}{
		{name: "version", args: []string{"version"}, wantCode: ExitOK, wantStdout: "swarmtone 0.1.0 (build 3)\n"},
		{name: "help flag", args: []string{"--help"}, wantCode: ExitOK, wantStdout: "version"},
		{name: "help command", args: []string{"help"}, wantCode: ExitOK, wantStdout: "Commands:"},
		{name: "no command opens the window", args: nil, wantCode: ExitOK, wantGUI: true},
		{name: "run with data dir", args: []string{"--data", "/tmp/x", "run"}, wantCode: ExitOK, wantGUI: true},
		{name: "window fails", args: nil, guiErr: errors.New("no display"), wantCode: ExitFailure, wantStderr: "no display", wantGUI: true},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: ExitUsage, wantStderr: `unknown command "frobnicate"`},
		{name: "unknown flag", args: []string{"--nope"}, wantCode: ExitUsage, wantStderr: "flag provided but not defined"},
		{name: "run with arguments", args: []string{"run", "x"}, wantCode: ExitUsage, wantStderr: "run takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			var gotOpts *Options
			cli := &CLI{
				Stdout: &stdout, Stderr: &stderr, FyneAppTOML: []byte(testTOML),
				GUI: func(o Options) error { gotOpts = &o; return tt.guiErr },
			}
			if code := cli.Main(tt.args); code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.wantStderr)
			}
			if (gotOpts != nil) != tt.wantGUI {
				t.Fatalf("window opened = %v, want %v", gotOpts != nil, tt.wantGUI)
			}
			if gotOpts != nil && (gotOpts.DataDir == "" || gotOpts.Meta.Version != "0.1.0") {
				t.Errorf("window got options %+v", *gotOpts)
			}
		})
	}
}
