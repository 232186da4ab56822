package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
		wantOpen   int // sources handed to the window
		env        map[string]string
	}{
		{name: "version", args: []string{"version"}, wantCode: ExitOK, wantStdout: "swarmtone 0.1.0 (build 3)\n"},
		{name: "help flag", args: []string{"--help"}, wantCode: ExitOK, wantStdout: "version"},
		{name: "help command", args: []string{"help"}, wantCode: ExitOK, wantStdout: "Commands:"},
		{name: "no command opens the window", args: nil, wantCode: ExitOK, wantGUI: true},
		{name: "run with data dir", args: []string{"--data", "DATA", "run"}, wantCode: ExitOK, wantGUI: true},
		{name: "window fails", args: nil, guiErr: errors.New("no display"), wantCode: ExitFailure, wantStderr: "no display", wantGUI: true},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: ExitUsage, wantStderr: `unknown command "frobnicate"`},
		{name: "unknown flag", args: []string{"--nope"}, wantCode: ExitUsage, wantStderr: "flag provided but not defined"},
		{name: "magnet opens the window", args: []string{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"}, wantCode: ExitOK, wantGUI: true, wantOpen: 1},
		{name: "file URI opens the window", args: []string{"file://" + slashedAbs(os.Args[0])}, wantCode: ExitOK, wantGUI: true, wantOpen: 1},
		{name: "no display", args: nil, env: map[string]string{}, wantCode: ExitFailure, wantStderr: "swarmtone: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); use the headless commands: swarmtone seed, share, play, add, ls (see swarmtone --help)\n"},
		{name: "wayland is a display", args: nil, env: map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, wantCode: ExitOK, wantGUI: true},
		{name: "ls with arguments", args: []string{"ls", "x"}, wantCode: ExitUsage, wantStderr: "usage: swarmtone ls"},
		{name: "flag of another command", args: []string{"share", "--out", "x.wav", "dir"}, wantCode: ExitUsage, wantStderr: "share does not take --out"},
		{name: "share with an ftp web seed", args: []string{"share", "--web-seed", "ftp://files.example/music/", "dir"}, wantCode: ExitUsage, wantStderr: `"ftp://files.example/music/"`},
		{name: "web seed handed to the window", args: []string{"share", "--forward", "--web-seed", "https://files.example/music/", "dir"}, wantCode: ExitUsage, wantStderr: "--web-seed cannot be handed to the window"},
		{name: "web seed on play", args: []string{"play", "--web-seed", "https://files.example/music/", "x.flac"}, wantCode: ExitUsage, wantStderr: "play does not take --web-seed"},
		{name: "play without source", args: []string{"play"}, wantCode: ExitUsage, wantStderr: "usage: swarmtone play"},
		{name: "add with malformed magnet", args: []string{"add", "magnet:?xt=urn:btih:1234"}, wantCode: ExitFailure, wantStderr: "1234"},
		{name: "add with wrong hash length", args: []string{"add", "0123456789abcdef0123456789abcdef0123456"}, wantCode: ExitFailure, wantStderr: "39 characters"},
		{name: "channel repost without a release", args: []string{"--no-dht", "channel", "repost"}, wantCode: ExitUsage, wantStderr: "repost MAGNET [LINK]"},
		{name: "channel repost with three arguments", args: []string{"--no-dht", "channel", "repost", "a", "b", "c"}, wantCode: ExitUsage, wantStderr: "usage: swarmtone channel"},
		{name: "channel repost of a release no channel followed has", args: []string{"--no-dht", "channel", "repost", "0123456789abcdef0123456789abcdef01234567"}, wantCode: ExitFailure, wantStderr: "is in no channel you follow"},
		{name: "channel repost of a malformed magnet", args: []string{"--no-dht", "channel", "repost", "magnet:?xt=urn:btih:1234"}, wantCode: ExitFailure, wantStderr: "1234"},
		{name: "channel publish-playlist without a name", args: []string{"--no-dht", "channel", "publish-playlist"}, wantCode: ExitUsage, wantStderr: "publish-playlist NAME"},
		{name: "channel publish-playlist of no playlist", args: []string{"--no-dht", "channel", "publish-playlist", "Road Mix"}, wantCode: ExitFailure, wantStderr: `no playlist called "Road Mix"`},
		{name: "bad listen address", args: []string{"--listen", "nonsense", "seed"}, wantCode: ExitUsage, wantStderr: "--listen"},
		// At once, not after the metadata's 60 s timeout: nobody serves this magnet.
		{name: "play into a WAV that cannot be written", args: []string{"--no-dht", "play", "--out", "/dev/null/x.wav", "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"}, wantCode: ExitFailure, wantStderr: "/dev/null/x.wav"},
		{name: "play that finds no metadata leaves no WAV", args: []string{"--no-dht", "--listen", "127.0.0.1:0", "play", "--timeout", "1s", "--out", "DATA/out.wav", "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"}, wantCode: ExitFailure, wantStderr: "no metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "no display" && (runtime.GOOS == "windows" || runtime.GOOS == "darwin") {
				t.Skip("Windows and macOS always have a display to open the window on")
			}
			dataDir := t.TempDir()
			args := slices.Clone(tt.args)
			if i := slices.Index(args, "DATA"); i >= 0 {
				args[i] = dataDir
			} else if i := slices.Index(args, "DATA/out.wav"); i >= 0 {
				args[i] = filepath.Join(dataDir, "out.wav")
				args = append([]string{"--data", dataDir}, args...)
			} else {
				args = append([]string{"--data", dataDir}, args...)
			}
			if !slices.Contains(args, "--listen") {
				// Never the default port: a Swarmtone running on this
				// machine holds it.
				args = append([]string{"--listen", "127.0.0.1:0"}, args...)
			}
			var stdout, stderr bytes.Buffer
			var gotOpts *Options
			cli := &CLI{
				Stdout: &stdout, Stderr: &stderr, FyneAppTOML: []byte(testTOML),
				GUI: func(_ context.Context, o Options) error { gotOpts = &o; return tt.guiErr },
				Getenv: func(name string) string {
					if tt.env == nil { // a desktop session unless the case says otherwise
						return map[string]string{"DISPLAY": ":0"}[name]
					}
					return tt.env[name]
				},
			}
			if code := cli.Main(args); code != tt.wantCode {
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
			if tt.wantCode != ExitOK && len(tt.args) > 0 && tt.args[0] == "add" {
				if entries, _ := os.ReadDir(dataDir); len(entries) > 0 {
					t.Errorf("refused input still wrote %d entries into the data folder", len(entries))
				}
			}
			if _, err := os.Stat(filepath.Join(dataDir, "out.wav")); tt.wantCode != ExitOK && err == nil {
				t.Errorf("a play that failed left %s behind", filepath.Join(dataDir, "out.wav"))
			}
			if gotOpts != nil && len(gotOpts.Open) != tt.wantOpen {
				t.Errorf("window opens %q, want %d sources", gotOpts.Open, tt.wantOpen)
			}
			if gotOpts != nil && (gotOpts.DataDir == "" || gotOpts.Meta.Version != "0.1.0") {
				t.Errorf("window got options %+v", *gotOpts)
			}
		})
	}
}

func TestFromFileURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"file:///home/me/Music/a%20b.flac", "/home/me/Music/a b.flac"},
		{"FILE:///tmp/x.torrent", "/tmp/x.torrent"},
		{"file://localhost/tmp/list.m3u8", "/tmp/list.m3u8"},
		{"file://otherhost/tmp/x.flac", "file://otherhost/tmp/x.flac"}, // not ours to read
		{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567", "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"},
		{"song.flac", "song.flac"},
		{"file://", "file://"},
	}
	for _, tt := range tests {
		want := tt.want
		if strings.HasPrefix(want, "/") {
			want = filepath.Clean(filepath.FromSlash(want)) // the path as this system writes it
		}
		if got := fromFileURI(tt.in); got != want {
			t.Errorf("fromFileURI(%q) = %q, want %q", tt.in, got, want)
		}
	}
}

// slashedAbs is p as a file URL's path: /-separated, with a leading slash
// before a Windows drive (file:///C:/x).
func slashedAbs(p string) string {
	s := filepath.ToSlash(p)
	if !strings.HasPrefix(s, "/") {
		s = "/" + s
	}
	return s
}

// TestUsageColumns: every command's summary in --help starts in one column,
// whatever the length of its name and arguments.
func TestUsageColumns(t *testing.T) {
	var out bytes.Buffer
	(&CLI{}).usage(&out)
	cmds := (&CLI{}).commands()
	col := -1
	for _, line := range strings.Split(out.String(), "\n") {
		for _, c := range cmds {
			if !strings.HasPrefix(line, "  "+c.name+" ") {
				continue
			}
			at := strings.Index(line, c.summary)
			if at < 0 {
				t.Fatalf("line %q lacks the summary of %s", line, c.name)
			}
			if col >= 0 && at != col {
				t.Errorf("%s's summary starts at column %d; the others at %d:\n%s", c.name, at, col, out.String())
			}
			col = at
		}
	}
	if col < 0 {
		t.Fatalf("no command listed:\n%s", out.String())
	}
}
