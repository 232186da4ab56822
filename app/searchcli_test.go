package app

import (
	"bufio"
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestSearchCLI runs `swarmtone search` on a data folder holding a local
// track, a followed channel and a channel one hop away (stored as fetched:
// the command asks no network): the library's matches come first, then
// the channels', best first (a whole word before a word's start), one a
// line in the documented columns, each saying where it comes from;
// mistakes are usage errors.
func TestSearchCLI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := loopbackOptions(t)
	c, err := OpenCore(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	wav := filepath.Join(t.TempDir(), "Moon Tone.wav")
	testtool.WriteToneWAV(t, wav, time.Second)
	if _, err := c.Import(ctx, []string{wav}, nil); err != nil {
		t.Fatal(err)
	}
	alpha, gamma := newFakeChannel(t, "Alpha"), newFakeChannel(t, "Gamma")
	alpha.follow(t, c, &channel.Index{Schema: channel.Schema,
		Releases: []channel.Release{release(ihOf(0xa1), "Moon Songs", "Alpha\tBand", "Moonrise")},
		Follows:  []channel.Follow{{Channel: gamma.link()}}})
	gamma.hop(t, c, &channel.Index{Schema: channel.Schema, Releases: []channel.Release{release(ihOf(0xc1), "Far Moon", "Gamma")}}, alpha)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	mag := func(ih, title string) string { return "magnet:?xt=urn:btih:" + ih + "&dn=" + title }
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string // lines, in order
		wantStderr string
	}{
		{name: "library and channels", args: []string{"search", "moon"}, wantCode: ExitOK, wantStdout: []string{
			"library\ttrack\tMoon Tone\t\t\tin your library\tlocal\t" + wav,
			"channel\trelease\tMoon Songs\tAlpha Band\t\tfrom Alpha\t\t" + mag(ihOf(0xa1), "Moon+Songs"),
			"hop\trelease\tFar Moon\tGamma\t\tGamma · via Alpha\t\t" + mag(ihOf(0xc1), "Far+Moon"),
			"channel\ttrack\tMoonrise\tAlpha Band\tMoon Songs\tfrom Alpha\t\t" + mag(ihOf(0xa1), "Moon+Songs") + "&so=0",
		}, wantStderr: "1 found in the library, 3 found in channels"},
		{name: "words joined", args: []string{"search", "far", "moon"}, wantCode: ExitOK, wantStdout: []string{
			"hop\trelease\tFar Moon\tGamma\t\tGamma · via Alpha\t\t" + mag(ihOf(0xc1), "Far+Moon"),
		}, wantStderr: "0 found in the library, 1 found in channels"},
		{name: "nothing found", args: []string{"search", "zebra"}, wantCode: ExitOK, wantStderr: "0 found in the library, 0 found in channels"},
		{name: "no query", args: []string{"search"}, wantCode: ExitUsage, wantStderr: "usage: swarmtone search QUERY"},
		{name: "blank query", args: []string{"search", " "}, wantCode: ExitUsage, wantStderr: "what to look for is empty"},
		{name: "flag of another command", args: []string{"search", "--file", "1", "moon"}, wantCode: ExitUsage, wantStderr: "search does not take --file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cli := &CLI{Stdout: &stdout, Stderr: &stderr, FyneAppTOML: []byte(testTOML)}
			if code := cli.Main(append([]string{"--data", opts.DataDir}, tt.args...)); code != tt.wantCode {
				t.Fatalf("exit code %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			want := strings.Join(tt.wantStdout, "\n")
			if want != "" {
				want += "\n"
			}
			if stdout.String() != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), want)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.wantStderr)
			}
			for _, l := range tt.wantStdout {
				if n := strings.Count(l, "\t") + 1; n != len(searchColumns) {
					t.Errorf("line %q has %d columns, searchColumns names %d", l, n, len(searchColumns))
				}
			}
		})
	}
	var help bytes.Buffer
	(&CLI{Stdout: &help, Stderr: &help, FyneAppTOML: []byte(testTOML)}).Main([]string{"help"})
	if !strings.Contains(help.String(), strings.Join(searchColumns, ", ")) {
		t.Errorf("help does not name search's columns (%s):\n%s", strings.Join(searchColumns, ", "), help.String())
	}
}

// TestWriteSearchLine: a field never breaks the line or the columns.
func TestWriteSearchLine(t *testing.T) {
	tests := []struct {
		fields []string
		want   string
	}{
		{[]string{"a", "b"}, "a\tb\n"},
		{[]string{"tab\there", "new\nline\r\n"}, "tab here\tnew line  \n"},
		{[]string{"bell\a and \x7f del", ""}, "bell and  del\t\n"},
		{[]string{"Björk · Jóga"}, "Björk · Jóga\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		writeSearchLine(w, tt.fields...)
		w.Flush()
		if b.String() != tt.want {
			t.Errorf("writeSearchLine(%q) = %q, want %q", tt.fields, b.String(), tt.want)
		}
	}
}
