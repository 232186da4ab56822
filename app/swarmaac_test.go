package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/library"
)

// TestSwarmAACLeftOut: a link whose torrent holds AAC files (shared by
// another client: ours refuses them at share) lists only what the player
// decodes, and the listener is told why the rest is missing; a link of
// AAC alone says it has nothing to play.
func TestSwarmAACLeftOut(t *testing.T) {
	tests := []struct {
		name   string
		files  []string
		tracks int
		notice string
	}{
		{"FLAC and M4A", []string{"01.flac", "02.m4a", "cover.jpg"}, 1, "1 AAC/M4A file of this link is left out: Swarmtone does not play AAC yet"},
		{"M4A and AAC only", []string{"01.m4a", "02.aac"}, 0, "2 AAC/M4A files of this link are left out: Swarmtone does not play AAC yet (it plays MP3, FLAC, Ogg Vorbis, Opus and WAV); the link has nothing else to play"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			album := filepath.Join(t.TempDir(), "Album")
			if err := os.MkdirAll(album, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range tt.files {
				// Not probed on this path: what matters is the name.
				if err := os.WriteFile(filepath.Join(album, f), []byte(strings.Repeat(f, 1000)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			a := openCore(t, ctx, nil)
			sh, err := a.node.Share(ctx, []string{album}, nil) // the node alone: no probe
			if err != nil {
				t.Fatal(err)
			}
			b := openCore(t, ctx, peerOf(a, nil))
			if _, err := b.Add(ctx, sh.Magnet); err != nil {
				t.Fatal(err)
			}
			if _, err := b.WaitTracks(ctx, sh.InfoHash); err != nil {
				t.Fatal(err)
			}
			tracks, err := b.TorrentTracks(ctx, sh.InfoHash)
			if err != nil {
				t.Fatal(err)
			}
			if len(tracks) != tt.tracks {
				t.Fatalf("%d tracks listed, want %d: %+v", len(tracks), tt.tracks, tracks)
			}
			for _, tr := range tracks {
				if !library.PlaysFromSwarm(tr.Swarm.Path) {
					t.Errorf("track %s listed", tr.Swarm.Path)
				}
			}
			// Told once, though Add and WaitTracks both record the tracks.
			var notices []string
			for len(b.Events()) > 0 {
				if ev := <-b.Events(); ev.Kind == EventNotice && ev.InfoHash == sh.InfoHash {
					notices = append(notices, ev.Notice)
				}
			}
			if len(notices) != 1 || !strings.HasPrefix(notices[0], tt.notice) {
				t.Fatalf("notices %q; want one starting %q", notices, tt.notice)
			}
		})
	}
}
