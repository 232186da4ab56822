package library

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/magnet"
)

func TestPlaylistEditing(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	ids := mustPut(t, l, syntheticTracks(0, 4)...)
	a, b, c, d := ids[0], ids[1], ids[2], ids[3]
	p, err := l.CreatePlaylist(ctx, "  Road trip ")
	if err != nil || p.Name != "Road trip" {
		t.Fatalf("create: %+v, %v", p, err)
	}
	steps := []struct {
		name string
		do   func() error
		want []TrackID
	}{
		{"append", func() error { return l.AddToPlaylist(ctx, p.ID, -1, a, b, c) }, []TrackID{a, b, c}},
		{"duplicate", func() error { return l.AddToPlaylist(ctx, p.ID, -1, a) }, []TrackID{a, b, c, a}},
		{"insert", func() error { return l.AddToPlaylist(ctx, p.ID, 1, d) }, []TrackID{a, d, b, c, a}},
		{"move down", func() error { return l.MovePlaylistItem(ctx, p.ID, 0, 4) }, []TrackID{d, b, c, a, a}},
		{"move up", func() error { return l.MovePlaylistItem(ctx, p.ID, 2, 0) }, []TrackID{c, d, b, a, a}},
		{"remove", func() error { return l.RemoveFromPlaylist(ctx, p.ID, 1, 4) }, []TrackID{c, b, a}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, err := l.Playlist(ctx, p.ID)
		if err != nil || !slices.Equal(got.Items, s.want) {
			t.Fatalf("after %s: %v (%v), want %v", s.name, got.Items, err, s.want)
		}
	}
	bad := map[string]error{
		"move out of range":   l.MovePlaylistItem(ctx, p.ID, 0, 3),
		"remove out of range": l.RemoveFromPlaylist(ctx, p.ID, 3),
		"unknown track":       l.AddToPlaylist(ctx, p.ID, -1, 9999),
		"empty name":          l.RenamePlaylist(ctx, p.ID, " "),
	}
	for name, err := range bad {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := l.RenamePlaylist(ctx, p.ID, "Night drive"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.CreatePlaylist(ctx, "another"); err != nil {
		t.Fatal(err)
	}
	all, err := l.Playlists(ctx)
	if err != nil || len(all) != 2 || all[0].Name != "another" || all[1].Name != "Night drive" {
		t.Errorf("playlists: %+v, %v", all, err)
	}
	if err := l.DeletePlaylist(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Playlist(ctx, p.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted playlist: %v", err)
	}
	if n := trackCount(t, l); n != 4 {
		t.Errorf("deleting a playlist removed tracks: %d left", n)
	}
}

// playlistFixture makes a library with local tracks inside dir, one outside
// it, a swarm-only track and a local track that is also in a swarm, and a
// playlist of them with a duplicate.
func playlistFixture(t *testing.T, l *Library, dir, outside string) (Playlist, []Track) {
	t.Helper()
	ctx := testCtx(t)
	for _, p := range []string{filepath.Join(dir, "music", "Ünïcode & Co", "one.mp3"), filepath.Join(dir, "music", "two.mp3"), outside} {
		writeMP3WithTags(t, p, "Title of "+filepath.Base(p), "Artist")
	}
	if _, err := l.Import(ctx, []string{filepath.Join(dir, "music"), outside}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	ih := [20]byte{0xde, 0xad, 0xbe, 0xef}
	swarmOnly := mustPut(t, l, Track{Title: "Remote Song", Artist: "Friend", Album: "Shared", Duration: 200 * time.Second,
		Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 4, Path: "Shared/05 Remote Song.flac"}})[0]
	two, _ := l.TrackByPath(ctx, filepath.Join(dir, "music", "two.mp3"))
	both := mustPut(t, l, Track{ID: two.ID, Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 1, Path: "Shared/two.mp3"}})[0]
	one, _ := l.TrackByPath(ctx, filepath.Join(dir, "music", "Ünïcode & Co", "one.mp3"))
	out, _ := l.TrackByPath(ctx, outside)
	p, err := l.createPlaylistWith(ctx, "Mix & <Match>", []TrackID{one.ID, swarmOnly, both, out.ID, one.ID})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := l.Tracks(ctx, p.Items)
	if err != nil {
		t.Fatal(err)
	}
	return p, ts
}

// locationOf identifies a track across libraries.
func locationOf(tr Track) string {
	if tr.Path != "" {
		return tr.Path
	}
	return ExportOptions{}.magnetFor(&tr)
}

func TestPlaylistFileRoundTrip(t *testing.T) {
	formats := []struct {
		name   string
		file   string
		export func(l *Library, w *bytes.Buffer, id PlaylistID, dir string) error
		imp    func(l *Library, data []byte, dir string) (Playlist, []ImportWarning, error)
		expect []string // fragments the file must hold
	}{
		{"M3U8", "list.m3u8",
			func(l *Library, w *bytes.Buffer, id PlaylistID, dir string) error {
				return l.ExportM3U8(testCtx(t), w, id, ExportOptions{Dir: dir})
			},
			func(l *Library, data []byte, dir string) (Playlist, []ImportWarning, error) {
				return l.ImportM3U8(testCtx(t), bytes.NewReader(data), dir, "", ImportOptions{})
			},
			[]string{"#EXTM3U", "#PLAYLIST:Mix & <Match>", "music/Ünïcode & Co/one.mp3\n", "#EXTINF:200,Friend - Remote Song",
				"magnet:?xt=urn:btih:deadbeef00000000000000000000000000000000&dn=Shared%2F05+Remote+Song.flac&so=4\n",
				"#EXTSWARMTONE-MAGNET:magnet:?xt=urn:btih:deadbeef", "&so=1\nmusic/two.mp3\n"}},
		{"XSPF", "list.xspf",
			func(l *Library, w *bytes.Buffer, id PlaylistID, dir string) error {
				return l.ExportXSPF(testCtx(t), w, id, ExportOptions{Dir: dir})
			},
			func(l *Library, data []byte, dir string) (Playlist, []ImportWarning, error) {
				return l.ImportXSPF(testCtx(t), bytes.NewReader(data), dir, "", ImportOptions{})
			},
			[]string{`<playlist xmlns="http://xspf.org/ns/0/" version="1">`, "<title>Mix &amp; &lt;Match&gt;</title>",
				"<location>music/%C3%9Cn%C3%AFcode%20&amp;%20Co/one.mp3</location>", "<duration>200000</duration>",
				"<location>magnet:?xt=urn:btih:deadbeef00000000000000000000000000000000&amp;dn=Shared%2F05+Remote+Song.flac&amp;so=4</location>",
				"<location>file:///"}},
	}
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			dir := t.TempDir()
			outside := filepath.Join(t.TempDir(), "outside.mp3")
			l, _ := openTestLibrary(t)
			p, tracks := playlistFixture(t, l, dir, outside)
			var buf bytes.Buffer
			if err := f.export(l, &buf, p.ID, dir); err != nil {
				t.Fatal(err)
			}
			text := buf.String()
			for _, want := range f.expect {
				if !strings.Contains(text, want) {
					t.Errorf("exported file lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, dir) {
				t.Errorf("file inside the playlist's folder written with an absolute path:\n%s", text)
			}

			// Into the same library: the same tracks, in order, duplicates kept.
			back, warns, err := f.imp(l, buf.Bytes(), dir)
			if err != nil || len(warns) != 0 {
				t.Fatalf("import: %v, warnings %v", err, warns)
			}
			if !slices.Equal(back.Items, p.Items) || back.Name != p.Name {
				t.Errorf("round trip: %q %v, want %q %v", back.Name, back.Items, p.Name, p.Items)
			}

			// A friend's library, with the folder moved: relative paths resolve
			// against the new folder, swarm tracks appear as swarm tracks, and
			// a file the friend lacks falls back to its magnet.
			moved := filepath.Join(t.TempDir(), "moved")
			if err := os.CopyFS(moved, os.DirFS(dir)); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(moved, "music", "two.mp3")); err != nil {
				t.Fatal(err)
			}
			friend, _ := openTestLibrary(t)
			got, warns, err := f.imp(friend, buf.Bytes(), moved)
			if err != nil || len(warns) != 0 {
				t.Fatalf("import into another library: %v, warnings %v", err, warns)
			}
			gt, err := friend.Tracks(testCtx(t), got.Items)
			if err != nil || len(gt) != len(tracks) {
				t.Fatalf("friend's playlist: %d tracks, %v", len(gt), err)
			}
			for i := range tracks {
				if i == 2 {
					continue // checked below
				}
				want := strings.Replace(locationOf(tracks[i]), dir, moved, 1)
				if loc := locationOf(gt[i]); loc != want {
					t.Errorf("item %d: %s, want %s", i, loc, want)
				}
			}
			if gt[0].ID != gt[4].ID {
				t.Errorf("duplicate entries became different tracks: %d, %d", gt[0].ID, gt[4].ID)
			}
			remote := gt[1]
			if remote.Swarm == nil || remote.Swarm.FileIndex != 4 || remote.Title != "Remote Song" || remote.Local() {
				t.Errorf("swarm track in the friend's library: %+v", remote)
			}
			if gt[2].Swarm == nil || gt[2].Swarm.FileIndex != 1 || gt[2].Local() {
				t.Errorf("a missing local file did not fall back to its magnet: %+v", gt[2])
			}
		})
	}
}

func TestImportPlaylistSkipsUnknownEntries(t *testing.T) {
	l, _ := openTestLibrary(t)
	m3u := "#EXTM3U\n\ufeffnot/here.mp3\nhttp://radio.example/stream\nmagnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567\n" +
		"magnet:?xt=urn:btmh:1220" + strings.Repeat("ab", 32) + "&so=0\n" +
		"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&so=x\n"
	p, warns, err := l.ImportM3U8(testCtx(t), strings.NewReader(m3u), t.TempDir(), "x", ImportOptions{})
	if err != nil || len(p.Items) != 1 || len(warns) != 4 {
		t.Fatalf("playlist %+v, warnings %v, err %v", p, warns, err)
	}
	// The v2-only (btmh) link is a track, keyed by its v2 infohash cut to 20 bytes.
	if tr, err := l.Track(testCtx(t), p.Items[0]); err != nil || tr.Swarm == nil || tr.Swarm.InfoHashHex() != strings.Repeat("ab", 20) || tr.Swarm.FileIndex != 0 {
		t.Errorf("the v2-only link's entry is %+v, %v", tr, err)
	}
	for i, want := range []string{filepath.FromSlash("not/here.mp3"), "web address", "selects no file", `so="x"`} {
		if !strings.Contains(warns[i].Err.Error(), want) {
			t.Errorf("warning %d is %q, want it to say %q", i+1, warns[i].Err, want)
		}
	}
	if _, _, err := l.ImportXSPF(testCtx(t), strings.NewReader("<html>nope"), "", "", ImportOptions{}); err == nil {
		t.Error("a non-XSPF file was accepted")
	}
}

// TestExportNamesTorrentsAsTheirLinksDo: with opts.Link, a v2-only
// torrent's tracks are written with its whole v2 infohash (btmh, no btih:
// the cut hash the library keys it by is no v1 infohash), a hybrid's with
// both, and a torrent Link does not know by its key. Each reads back as the
// same track.
func TestExportNamesTorrentsAsTheirLinksDo(t *testing.T) {
	var v2, hybridV2 [32]byte
	for i := range v2 {
		v2[i], hybridV2[i] = 0xab, 0xcd
	}
	v2Key := [20]byte(v2[:20])
	hybridKey := [20]byte{0x11, 0x22}
	unknownKey := [20]byte{0x33}
	link := func(ih [20]byte) (magnet.Link, bool) {
		switch ih {
		case v2Key:
			return magnet.Link{InfoHash: ih, InfoHashV2: v2, V2Only: true}, true
		case hybridKey:
			return magnet.Link{InfoHash: ih, InfoHashV2: hybridV2}, true
		}
		return magnet.Link{}, false
	}
	btmh := func(h [32]byte) string { return "xt=urn:btmh:1220" + hex.EncodeToString(h[:]) }
	btih := func(h [20]byte) string { return "xt=urn:btih:" + hex.EncodeToString(h[:]) }
	exports := []struct {
		name string
		exp  func(*Library, *bytes.Buffer, PlaylistID) error
		imp  func(*Library, []byte) (Playlist, []ImportWarning, error)
	}{
		{"M3U8",
			func(l *Library, w *bytes.Buffer, id PlaylistID) error {
				return l.ExportM3U8(testCtx(t), w, id, ExportOptions{Link: link})
			},
			func(l *Library, data []byte) (Playlist, []ImportWarning, error) {
				return l.ImportM3U8(testCtx(t), bytes.NewReader(data), "", "", ImportOptions{})
			}},
		{"XSPF",
			func(l *Library, w *bytes.Buffer, id PlaylistID) error {
				return l.ExportXSPF(testCtx(t), w, id, ExportOptions{Link: link})
			},
			func(l *Library, data []byte) (Playlist, []ImportWarning, error) {
				return l.ImportXSPF(testCtx(t), bytes.NewReader(data), "", "", ImportOptions{})
			}},
	}
	for _, e := range exports {
		t.Run(e.name, func(t *testing.T) {
			l, _ := openTestLibrary(t)
			ids := mustPut(t, l,
				Track{Title: "V2", Swarm: &SwarmLocation{InfoHash: v2Key, FileIndex: 2, Path: "A/v2.flac"}},
				Track{Title: "Hybrid", Swarm: &SwarmLocation{InfoHash: hybridKey, FileIndex: 0, Path: "B/h.flac"}},
				Track{Title: "Unknown", Swarm: &SwarmLocation{InfoHash: unknownKey, FileIndex: 1, Path: "C/u.flac"}})
			p, err := l.createPlaylistWith(testCtx(t), "links", ids)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := e.exp(l, &buf, p.ID); err != nil {
				t.Fatal(err)
			}
			text := strings.ReplaceAll(buf.String(), "&amp;", "&")
			for _, want := range []string{"magnet:?" + btmh(v2) + "&dn=A%2Fv2.flac&so=2",
				"magnet:?" + btih(hybridKey) + "&" + btmh(hybridV2) + "&dn=B%2Fh.flac&so=0",
				"magnet:?" + btih(unknownKey) + "&dn=C%2Fu.flac&so=1"} {
				if !strings.Contains(text, want) {
					t.Errorf("the file lacks %s:\n%s", want, text)
				}
			}
			if strings.Contains(text, btih(v2Key)) {
				t.Errorf("the v2-only torrent is named by its cut hash as btih:\n%s", text)
			}
			friend, _ := openTestLibrary(t)
			back, warns, err := e.imp(friend, buf.Bytes())
			if err != nil || len(warns) != 0 || len(back.Items) != 3 {
				t.Fatalf("reading it back: %+v, warnings %v, %v", back, warns, err)
			}
			got, err := friend.Tracks(testCtx(t), back.Items)
			if err != nil {
				t.Fatal(err)
			}
			for i, key := range [][20]byte{v2Key, hybridKey, unknownKey} {
				if got[i].Swarm == nil || got[i].Swarm.InfoHash != key {
					t.Errorf("entry %d read back as %+v, want the torrent keyed %x", i, got[i].Swarm, key)
				}
			}
		})
	}
}

func TestExportKeepsMissingLocalTracks(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	// An absolute path on this system: /elsewhere (C:\elsewhere on Windows).
	root := filepath.VolumeName(os.TempDir()) + string(filepath.Separator)
	gone := filepath.Join(root, "elsewhere", "gone.flac")
	ids := mustPut(t, l, Track{Title: "Gone", Path: gone, Missing: true})
	p, err := l.createPlaylistWith(ctx, "p", ids)
	if err != nil {
		t.Fatal(err)
	}
	var m3u, xspf bytes.Buffer
	music := filepath.Join(root, "music")
	if err := l.ExportM3U8(ctx, &m3u, p.ID, ExportOptions{Dir: music}); err != nil {
		t.Fatal(err)
	}
	if err := l.ExportXSPF(ctx, &xspf, p.ID, ExportOptions{Dir: music}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m3u.String(), "\n"+filepath.ToSlash(gone)+"\n") || !strings.Contains(xspf.String(), "<location>"+fileURL(gone)+"</location>") {
		t.Errorf("missing track not exported by path:\n%s\n%s", m3u.String(), xspf.String())
	}
}
