package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/magnet"
)

// TestPlayV2OnlyAlbumFromLibtorrent: libtorrent 2.0 (the library inside
// qBittorrent) makes a BitTorrent v2-only torrent of an album and seeds it.
// `swarmtone play` plays a track of it, from the .torrent and from its
// btmh magnet, sample for sample as the file decodes locally; a window's
// Core lists the album's tracks, and the link it gives for a track names
// the torrent by its whole v2 infohash (btmh), which is what other clients
// need.
func TestPlayV2OnlyAlbumFromLibtorrent(t *testing.T) {
	py := testtool.LibtorrentPython(t)
	album := makeAlbum(t, t.TempDir(), 3)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	torrent := filepath.Join(dir, "v2.torrent")
	link := "magnet:" + testtool.LibtorrentLine(t, testtool.LibtorrentPeer(t, ctx, py, "create", album, torrent, "v2"), "magnet:", time.Minute)
	l, err := magnet.Parse(link)
	if err != nil || !l.V2Only {
		t.Fatalf("libtorrent's v2-only magnet %s: %+v, %v", link, l, err)
	}
	seed := testtool.LibtorrentPeer(t, ctx, py, "seed", torrent, filepath.Dir(album), "0")
	peer := "127.0.0.1:" + testtool.LibtorrentLine(t, seed, "listening", time.Minute)
	testtool.LibtorrentLine(t, seed, "complete", time.Minute)
	want := decodeFile(t, filepath.Join(album, "02 Tone 2.flac"))

	for _, src := range []string{torrent, link + "&x.pe=" + peer} {
		wav := filepath.Join(t.TempDir(), "out.wav")
		var out, errs bytes.Buffer
		cli := &CLI{Stdout: &out, Stderr: &errs, FyneAppTOML: []byte(testTOML)}
		args := []string{"--data", t.TempDir(), "--no-dht", "--listen", "127.0.0.1:0", "play", "--file", "1", "--out", wav}
		if src == torrent {
			args = append(args, "--peer", peer)
		}
		if code := cli.Main(append(args, src)); code != ExitOK {
			t.Fatalf("play %s exited %d: %s", src, code, errs.String())
		}
		assertSameAudio(t, readWAVFloat(t, wav), want)
	}

	c := openCore(t, ctx, nil)
	a, err := c.Add(ctx, link+"&x.pe="+peer)
	if err != nil {
		t.Fatal(err)
	}
	if a.InfoHash != strings.ToLower(l.XT()[len("xt=urn:btmh:1220"):][:40]) {
		t.Errorf("the torrent is keyed by %s, want its v2 infohash cut to 20 bytes", a.InfoHash)
	}
	if _, err := c.WaitTracks(ctx, a.InfoHash); err != nil {
		t.Fatal(err)
	}
	tracks, err := c.TorrentTracks(ctx, a.InfoHash)
	if err != nil || len(tracks) != 3 {
		t.Fatalf("the v2-only album's tracks: %d, %v", len(tracks), err)
	}
	pl, err := c.CreatePlaylist(ctx, "v2")
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range tracks {
		m := c.Magnet(tr)
		if !strings.HasPrefix(m, "magnet:?"+l.XT()+"&") || strings.Contains(m, "btih") || !strings.Contains(m, "&so=") {
			t.Errorf("the link of %s is %q; want the torrent's btmh alone and the file (so=)", tr.DisplayTitle(), m)
		}
		if err := c.AddToPlaylist(ctx, pl.ID, tr.ID); err != nil {
			t.Fatal(err)
		}
	}
	// An exported playlist names the tracks as their links do.
	for _, name := range []string{"v2.m3u8", "v2.xspf"} {
		path := filepath.Join(t.TempDir(), name)
		if err := c.ExportPlaylist(ctx, pl.ID, path); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), "&amp;", "&") // XSPF's escape
		if n := strings.Count(text, "magnet:?"+l.XT()+"&"); n != 3 || strings.Contains(text, "btih") {
			t.Errorf("%s names the v2-only torrent by btmh alone in %d of 3 entries:\n%s", name, n, text)
		}
	}
}
