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

// TestRemoveTorrent: removing a share keeps the user's files and their
// tracks (now local only); removing a download drops its swarm-only tracks
// and, when asked, its files, never anything outside the download folder.
func TestRemoveTorrent(t *testing.T) {
	album := makeAlbum(t, t.TempDir(), 2)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cases := []struct {
		name        string
		deleteFiles bool
	}{
		{"keep files", false},
		{"delete files", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, sh := sharingCore(t, ctx, album)
			b := openCore(t, ctx, peerOf(a, nil))
			if _, _, err := b.addAndWait(ctx, sh.Magnet); err != nil {
				t.Fatal(err)
			}
			if err := b.node.DownloadAll(ctx, sh.InfoHash); err != nil {
				t.Fatal(err)
			}
			if err := b.node.WaitComplete(ctx, sh.InfoHash); err != nil {
				t.Fatal(err)
			}
			downloaded := filepath.Join(b.DownloadFolder(), "Album")
			if !within(b.opts.DataDir, downloaded) {
				t.Fatalf("with --data %s, downloads go to %s", b.opts.DataDir, downloaded)
			}
			if _, err := os.Stat(downloaded); err != nil {
				t.Fatalf("the download is not on disk: %v", err)
			}

			if err := b.Remove(ctx, sh.InfoHash, tc.deleteFiles); err != nil {
				t.Fatal(err)
			}
			if left, _ := b.TorrentTracks(ctx, sh.InfoHash); len(left) != 0 {
				t.Errorf("B still lists %d tracks of the removed torrent", len(left))
			}
			if ids, _ := b.lib.SortedIDs(ctx); len(ids) != 0 {
				t.Errorf("B's library has %d tracks after removing its only download", len(ids))
			}
			entries, _ := os.ReadDir(downloaded)
			if tc.deleteFiles && len(entries) != 0 {
				t.Errorf("files left after removing with delete: %v", entries)
			}
			if !tc.deleteFiles && len(entries) != 2 {
				t.Errorf("removing without delete left %d of 2 files", len(entries))
			}

			// A removes its share: the originals and their tracks stay.
			if err := a.Remove(ctx, sh.InfoHash, true); err != nil {
				t.Fatal(err)
			}
			tracks, _, err := a.lib.Search(ctx, "tone", 10)
			if err != nil || len(tracks) != 2 {
				t.Fatalf("A's library finds %d tracks after removing the share (%v), want 2", len(tracks), err)
			}
			for _, tr := range tracks {
				if !tr.Local() || tr.Swarm != nil {
					t.Errorf("track %q after removing its share: local %v, swarm %v; want local only", tr.Title, tr.Local(), tr.Swarm)
				}
			}
			if entries, _ := os.ReadDir(album); len(entries) != 2 {
				t.Errorf("the user's shared album has %d files after removing the share, want 2", len(entries))
			}
		})
	}
}

// TestTransferTitlesNameCatalogues: the torrents that carry the user's
// own channel index and a followed channel's are named as catalogues in
// Transfers, not by their bare torrent name; an album keeps its title.
func TestTransferTitlesNameCatalogues(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := openCore(t, ctx, nil)
	if _, err := c.CreateChannel(ctx, "Night Choir"); err != nil {
		t.Fatal(err)
	}
	pub, err := c.Publish(ctx, "magnet:?xt=urn:btih:"+strings.Repeat("4", 40)+"&dn=Four")
	if err != nil {
		t.Fatal(err)
	}
	followed := strings.Repeat("ab", 20)
	if err := c.lib.SaveChannel(ctx, library.ChannelRecord{PublicKey: [32]byte{7}, Name: "Dawn Radio", Followed: true,
		Latest: library.ChannelState{Seq: 3, IndexHash: followed}}); err != nil {
		t.Fatal(err)
	}
	got := c.TransferTitles(ctx, []string{strings.ToUpper(pub.IndexHash), followed})
	want := map[string]string{
		strings.ToUpper(pub.IndexHash): "Your channel’s catalogue (Night Choir)",
		followed:                       "Catalogue of the channel Dawn Radio",
	}
	for ih, title := range want {
		if got[ih] != title {
			t.Errorf("TransferTitles[%s] = %q, want %q", ih, got[ih], title)
		}
	}
}
