package library

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/swarmtone/swarmtone/magnet"
)

// TestImportPlaylistHandsMagnetsOver: each magnet entry of an imported
// playlist reaches ImportOptions.Magnet (which app uses to add the torrent
// to its node) with its infohash and selected file, before its track is
// recorded. An entry the callback refuses, or whose magnet is malformed, is
// left out with a warning naming it; the rest import.
func TestImportPlaylistHandsMagnetsOver(t *testing.T) {
	good := strings.Repeat("ab", 20)
	refused := strings.Repeat("cd", 20)
	type entry struct{ title, link string }
	entries := []entry{
		{"One", "magnet:?xt=urn:btih:" + good + "&dn=Album%2F01.flac&so=0"},
		{"Refused", "magnet:?xt=urn:btih:" + refused + "&so=1"},
		{"Three", "magnet:?xt=urn:btih:" + good + "&tr=http%3A%2F%2F127.0.0.1%3A1%2Fannounce&so=2"},
		{"Broken", "magnet:?xt=urn:btih:nothex&so=0"},
	}
	formats := []struct {
		name  string
		write func([]entry) string
		imp   func(l *Library, text string, opts ImportOptions) (Playlist, []ImportWarning, error)
	}{
		{"M3U8", func(es []entry) string {
			s := "#EXTM3U\n"
			for _, e := range es {
				s += fmt.Sprintf("#EXTINF:-1,Artist - %s\n%s\n", e.title, e.link)
			}
			return s
		}, func(l *Library, text string, opts ImportOptions) (Playlist, []ImportWarning, error) {
			return l.ImportM3U8(testCtx(t), strings.NewReader(text), t.TempDir(), "p", opts)
		}},
		{"XSPF", func(es []entry) string {
			s := `<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList>`
			for _, e := range es {
				s += fmt.Sprintf("<track><creator>Artist</creator><title>%s</title><location>%s</location></track>",
					e.title, strings.ReplaceAll(e.link, "&", "&amp;"))
			}
			return s + "</trackList></playlist>"
		}, func(l *Library, text string, opts ImportOptions) (Playlist, []ImportWarning, error) {
			return l.ImportXSPF(testCtx(t), strings.NewReader(text), t.TempDir(), "p", opts)
		}},
	}
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			l, _ := openTestLibrary(t)
			var calls []string
			opts := ImportOptions{Magnet: func(_ context.Context, m magnet.Link) error {
				calls = append(calls, fmt.Sprintf("%x/%d", m.InfoHash, m.FileIndex))
				if fmt.Sprintf("%x", m.InfoHash) == refused {
					return errors.New("node refused it")
				}
				return nil
			}}
			p, warns, err := f.imp(l, f.write(entries), opts)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{good + "/0", refused + "/1", good + "/2"}; fmt.Sprint(calls) != fmt.Sprint(want) {
				t.Errorf("Magnet called for %v, want %v", calls, want)
			}
			tracks, err := l.Tracks(testCtx(t), p.Items)
			if err != nil || len(tracks) != 2 {
				t.Fatalf("playlist holds %d tracks (%v), want 2", len(tracks), err)
			}
			for i, want := range []int{0, 2} {
				if tr := tracks[i]; tr.Swarm == nil || fmt.Sprintf("%x", tr.Swarm.InfoHash) != good || tr.Swarm.FileIndex != want {
					t.Errorf("track %d: %+v, want file %d of %s", i, tr, want, good)
				}
			}
			if len(warns) != 2 {
				t.Fatalf("warnings %v, want 2", warns)
			}
			for i, want := range [][]string{{`entry 2 "Artist - Refused"`, "node refused it"}, {`entry 4 "Artist - Broken"`, "nothex"}} {
				for _, w := range want {
					if !strings.Contains(warns[i].String(), w) {
						t.Errorf("warning %q does not say %q", warns[i], w)
					}
				}
			}
			if _, err := l.TrackBySwarm(testCtx(t), mustHash(t, refused), 1); err == nil {
				t.Error("the refused entry was recorded as a track")
			}
		})
	}
}

func mustHash(t *testing.T, s string) [20]byte {
	t.Helper()
	h, err := magnet.ParseInfoHash(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
