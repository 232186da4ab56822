package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/player"
)

// TestSharedPlaylistPlaysOnAnotherNode: node A shares an album and exports
// a playlist of two of its tracks; the file travels to node B (without the
// album beside it, as to a friend's computer) with a broken entry added. B
// imports it with A as a peer: the broken entry is reported by its name,
// the album's torrent is added once, and the playlist plays through from
// the swarm, sample for sample.
func TestSharedPlaylistPlaysOnAnotherNode(t *testing.T) {
	root := t.TempDir()
	album := makeAlbum(t, root, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	a, sh := sharingCore(t, ctx, album)
	shared, err := a.TorrentTracks(ctx, sh.InfoHash)
	if err != nil || len(shared) != 3 {
		t.Fatalf("A's album: %d tracks, %v", len(shared), err)
	}
	pl, err := a.AddToNewPlaylist(ctx, "Mix", shared[0].ID, shared[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	want := append(decodeFile(t, shared[0].Path), decodeFile(t, shared[2].Path)...)

	for _, tt := range []struct {
		ext    string
		broken func(text string) string // adds an entry with a malformed magnet
	}{
		{"m3u8", func(s string) string {
			return s + "#EXTINF:-1,Broken Entry\nmagnet:?xt=urn:btih:nothex&so=0\n"
		}},
		{"xspf", func(s string) string {
			return strings.Replace(s, "</trackList>",
				"<track><title>Broken Entry</title><location>magnet:?xt=urn:btih:nothex&amp;so=0</location></track></trackList>", 1)
		}},
	} {
		t.Run(tt.ext, func(t *testing.T) {
			exported := filepath.Join(root, "Mix."+tt.ext) // beside the album: its files are written relative
			if err := a.ExportPlaylist(ctx, pl.ID, exported); err != nil {
				t.Fatal(err)
			}
			text, err := os.ReadFile(exported)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(text), "xt=urn:btih:"+sh.InfoHash); n != 2 || !strings.Contains(string(text), "so=2") {
				t.Fatalf("exported playlist names the album's torrent %d times (want 2, one with so=2):\n%s", n, text)
			}
			sent := filepath.Join(t.TempDir(), "Mix."+tt.ext)
			if err := os.WriteFile(sent, []byte(tt.broken(string(text))), 0o644); err != nil {
				t.Fatal(err)
			}

			b := openCore(t, ctx, peerOf(a, nil))
			got, warnings, err := b.ImportPlaylist(ctx, sent)
			if err != nil {
				t.Fatalf("B importing %s: %v", sent, err)
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], "Broken Entry") || !strings.Contains(warnings[0], "nothex") {
				t.Errorf("warnings %q: want one, naming the broken entry and its infohash", warnings)
			}
			if len(got.Items) != 2 {
				t.Fatalf("imported playlist holds %d tracks, want 2", len(got.Items))
			}
			if recs := b.node.Records(); len(recs) != 1 || recs[0].InfoHash != sh.InfoHash {
				t.Errorf("B's node holds %+v, want the album's torrent %s once", recs, sh.InfoHash)
			}
			tracks, err := b.lib.Tracks(ctx, got.Items)
			if err != nil {
				t.Fatal(err)
			}
			for i, tr := range tracks {
				if tr.Local() || tr.Swarm == nil || tr.Swarm.InfoHashHex() != sh.InfoHash || tr.Swarm.FileIndex != shared[2*i].Swarm.FileIndex {
					t.Errorf("imported track %d: %+v, want file %d of %s from the swarm", i, tr, shared[2*i].Swarm.FileIndex, sh.InfoHash)
				}
			}

			wav := filepath.Join(t.TempDir(), "out.wav")
			f, err := os.Create(wav)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			s, err := b.lib.Settings(ctx) // full volume: what plays is what decodes
			if err != nil {
				t.Fatal(err)
			}
			s.Volume = 1
			if err := b.lib.SaveSettings(ctx, s); err != nil {
				t.Fatal(err)
			}
			events, stop := b.Subscribe(1024)
			defer stop()
			if err := b.StartPlayer(ctx, player.NewWAVSink(f, 0)); err != nil {
				t.Fatal(err)
			}
			if err := b.Play(tracks, 0); err != nil {
				t.Fatal(err)
			}
			waitPlayedThrough(t, ctx, events)
			// Recorded as a pasted link is, metainfo and all, for the next start.
			ih, _ := parseInfoHash(sh.InfoHash)
			waitFor(t, ctx, "B to record the album's metainfo", func() bool {
				rec, err := b.lib.Torrent(ctx, ih)
				return err == nil && len(rec.Metainfo) > 0
			})
			if err := b.Close(); err != nil { // closes the engine, which finishes the WAV
				t.Fatal(err)
			}
			assertSameAudio(t, readWAVFloat(t, wav), want)
			if b.FirstStreamedByte().IsZero() {
				t.Error("the playlist did not play from the swarm")
			}
		})
	}
}

// waitPlayedThrough waits until the Core's player stops at the end of its
// queue; a skipped track or a player error fails the test.
func waitPlayedThrough(t *testing.T, ctx context.Context, events <-chan Event) {
	t.Helper()
	for {
		select {
		case ev := <-events:
			switch {
			case ev.Kind == EventTrackSkipped:
				t.Fatalf("track %s was skipped: %v", ev.Skipped.Title, ev.Err)
			case ev.Kind == EventPlayer && ev.Player.Kind == player.EventError:
				t.Fatalf("playing %s: %v", ev.Player.TrackID, ev.Player.Err)
			case ev.Kind == EventPlayer && ev.Player.Kind == player.EventStopped:
				return
			}
		case <-ctx.Done():
			t.Fatal("the playlist did not play through")
		}
	}
}
