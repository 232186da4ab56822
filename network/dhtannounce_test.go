package network

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	peer_store "github.com/anacrolix/dht/v2/peer-store"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/swarmtone/swarmtone/network/loopdht"
)

// TestFetchedTorrentsAnnouncePaced: what a node shares is announced to the
// DHT at once; what it fetched with FetchFile (a channel's index) once
// complete, each fetchedAnnounceGap after the one before, so a refresh
// round that brings many new versions does not spend its DHT queries on
// announces. The fetches themselves, from a peer given, ask the DHT
// nothing.
func TestFetchedTorrentsAnnouncePaced(t *testing.T) {
	setForTest(t, &fetchedAnnounceGap, 3*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	d, dir, seeder, fetcher := seederAndFetcher(t)

	var ihs []string
	for i := range 2 {
		rec, err := seeder.SeedFile(ctx, filepath.Join(dir, "seeder", fmt.Sprint(i)), "channel.json", []byte(strings.Repeat(fmt.Sprint(i), 1000)))
		if err != nil {
			t.Fatal(err)
		}
		ihs = append(ihs, rec.InfoHash)
	}
	for _, ih := range ihs {
		waitUntil(t, "the seeder's file announced", func() bool { return announcedIn(t, d, ih, seeder.Port()) })
	}

	began := time.Now()
	for i, ih := range ihs {
		got, err := fetcher.FetchFile(ctx, ih, filepath.Join(dir, "fetcher", fmt.Sprint(i)), 1<<20, seeder.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Sources) != 1 || got.Sources[0] != seeder.Addr() {
			t.Fatalf("file %d fetched from %v, want [%s]", i, got.Sources, seeder.Addr())
		}
	}
	waitUntil(t, "the first fetched file announced", func() bool { return announcedIn(t, d, ihs[0], fetcher.Port()) })
	waitUntil(t, "the second fetched file announced", func() bool { return announcedIn(t, d, ihs[1], fetcher.Port()) })
	// Seen at most a poll after it was announced: sooner than the gap
	// after the first fetch began means it was not paced.
	if took := time.Since(began); took < fetchedAnnounceGap {
		t.Fatalf("the second fetched file was announced %v after the first fetch began; want no sooner than %v", took, fetchedAnnounceGap)
	}
	if n := d.Queries()["get_peers"]; n == 0 {
		t.Fatal("no get_peers query reached the DHT: the announces did not run")
	}
}

// TestRestoredTorrentsAnnouncePaced: torrents brought back at start are
// first announced restoredAnnounceGap apart, not all at once (a library of
// 1,000 shares announced at once held the DHT's send budget for a minute).
func TestRestoredTorrentsAnnouncePaced(t *testing.T) {
	setForTest(t, &restoredAnnounceGap, 3*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	d, dir, sharer, restarted := seederAndFetcher(t)
	for i := range 3 {
		album := filepath.Join(dir, "music", fmt.Sprint("Album", i))
		makeTrack(t, filepath.Join(album, "01.flac"), 1)
		if _, err := sharer.Share(ctx, []string{album}, nil); err != nil {
			t.Fatal(err)
		}
	}
	recs := sharer.Records()
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}

	began := time.Now()
	if err := restarted.Restore(ctx, recs); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		waitUntil(t, "a restored torrent announced", func() bool { return announcedIn(t, d, r.InfoHash, restarted.Port()) })
	}
	// The last was due two gaps after the first: all three seen sooner
	// means they were not paced.
	if took := time.Since(began); took < 2*restoredAnnounceGap {
		t.Fatalf("3 restored torrents announced within %v; want no sooner than %v", took, 2*restoredAnnounceGap)
	}
}

// TestFetchFileAsksTheDHTWhenPeersFail: a peer given to FetchFile that
// does not answer (the creator moved) costs fetchPeersFirst, then the
// file comes from a peer the DHT knows.
func TestFetchFileAsksTheDHTWhenPeersFail(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	d, dir, seeder, fetcher := seederAndFetcher(t)
	rec, err := seeder.SeedFile(ctx, filepath.Join(dir, "seeder", "idx"), "channel.json", []byte(strings.Repeat("x", 1000)))
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the seeder's file announced", func() bool { return announcedIn(t, d, rec.InfoHash, seeder.Port()) })
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	goneAddr := gone.Addr().String()
	gone.Close()
	got, err := fetcher.FetchFile(ctx, rec.InfoHash, filepath.Join(dir, "fetcher", "idx"), 1<<20, goneAddr)
	if err != nil {
		t.Fatalf("fetching with a peer gone: %v", err)
	}
	if len(got.Sources) != 1 || got.Sources[0] != seeder.Addr() {
		t.Fatalf("fetched from %v, want [%s] (found in the DHT)", got.Sources, seeder.Addr())
	}
}

// TestPrivateTorrentNotAnnounced: a private torrent (BEP 27) is never
// announced to the DHT; the same album public, added at the same moment,
// is. Its announce starts when it is added, as the private one's would:
// a second after the public one is seen is ample.
func TestPrivateTorrentNotAnnounced(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	d, dir, seeder, node := seederAndFetcher(t)
	album := filepath.Join(dir, "music", "Album")
	makeTrack(t, filepath.Join(album, "01.flac"), 1)
	sh, err := seeder.Share(ctx, []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mi metainfo.MetaInfo
	if err := bencode.Unmarshal(sh.Torrent, &mi); err != nil {
		t.Fatal(err)
	}
	info, err := mi.UnmarshalInfo()
	if err != nil {
		t.Fatal(err)
	}
	private := true
	info.Private = &private
	if mi.InfoBytes, err = bencode.Marshal(info); err != nil {
		t.Fatal(err)
	}
	privTorrent, err := bencode.Marshal(mi)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := node.AddBytes(ctx, privTorrent)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := node.AddBytes(ctx, sh.Torrent)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the public torrent announced", func() bool { return announcedIn(t, d, pub.InfoHash, node.Port()) })
	time.Sleep(time.Second)
	if announcedIn(t, d, priv.InfoHash, node.Port()) {
		t.Fatal("the private torrent was announced to the DHT")
	}
}

// seederAndFetcher are two nodes on a loopback DHT of 8 nodes, with
// folders under dir.
func seederAndFetcher(t *testing.T) (d *loopdht.DHT, dir string, seeder, fetcher *Node) {
	d = startLoopDHT(t, 8)
	dir = t.TempDir()
	seeder, _ = dhtNode(t, filepath.Join(dir, "seeder"), d.Addrs()[:2], nil)
	fetcher, _ = dhtNode(t, filepath.Join(dir, "fetcher"), d.Addrs()[:2], nil)
	return d, dir, seeder, fetcher
}

// announcedIn says whether some node of d lists a peer on port for ih.
func announcedIn(t *testing.T, d *loopdht.DHT, infoHash string, port int) bool {
	t.Helper()
	ih, err := parseInfoHash(infoHash)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Servers {
		for _, p := range s.PeerStore().GetPeers(peer_store.InfoHash(ih)) {
			if p.Port == port {
				return true
			}
		}
	}
	return false
}
