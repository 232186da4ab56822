package app

import (
	"testing"

	"github.com/swarmtone/swarmtone/network"
)

// TestTransferState: every state of a torrent reads as what is happening.
func TestTransferState(t *testing.T) {
	cases := []struct {
		st   TorrentStats
		want string
	}{
		{TorrentStats{State: network.StateIdle}, "waiting: plays on demand"},
		{TorrentStats{State: network.StateIdle, Progress: 0.3, Length: 10}, "waiting: plays on demand (30 % on disk)"},
		{TorrentStats{State: network.StateDownloading, Progress: 0.456, Length: 10}, "downloading 45 %"},
		{TorrentStats{State: network.StateSeeding, Progress: 1, Length: 10}, "complete"},
		{TorrentStats{State: network.StateSeeding, Progress: 1, Length: 10, Peers: 3}, "seeding to 3 peers"},
		{TorrentStats{State: network.StateSeeding, Progress: 1, Length: 10, Peers: 2, Seeds: 1}, "seeding to 1 peer"},
		{TorrentStats{State: network.StateSeeding, Progress: 1, Length: 10, Peers: 2, Seeds: 2}, "complete"},
		{TorrentStats{State: network.StatePaused, Progress: 1, Length: 10}, "paused"},
		{TorrentStats{State: network.StatePaused, Progress: 0.5, Length: 10}, "paused at 50 %"},
		{TorrentStats{State: network.StateFindingPeers}, "looking for peers"},
		{TorrentStats{State: network.StateFetchingMeta}, "fetching the track list"},
		{TorrentStats{State: network.StateChecking}, "checking files"},
		{TorrentStats{State: network.StateStopped}, "complete (seeding stopped: limit reached)"},
		{TorrentStats{State: network.StateMissing, Missing: []string{"a.flac", "b.flac"}}, "files missing: a.flac, b.flac"},
		{TorrentStats{State: network.StateBadMetadata}, "bad metadata: remove it and add the link again"},
	}
	for _, c := range cases {
		if got := TransferState(c.st); got != c.want {
			t.Errorf("TransferState(%s, progress %v, %d peers, %d seeds) = %q, want %q", c.st.State, c.st.Progress, c.st.Peers, c.st.Seeds, got, c.want)
		}
	}
}

// TestOneAlbum: a torrent is named by its album only when its tracks
// agree on one.
func TestOneAlbum(t *testing.T) {
	cases := []struct {
		name          string
		tracks        []Track
		album, artist string
		ok            bool
	}{
		{"no tags", []Track{{}, {}}, "", "", false},
		{"one album, one artist", []Track{{Album: "A", Artist: "X"}, {Album: "a", Artist: "X"}}, "A", "X", true},
		{"album artist first", []Track{{Album: "A", Artist: "X", AlbumArtist: "V"}, {Album: "A", Artist: "Y", AlbumArtist: "V"}}, "A", "V", true},
		{"guests", []Track{{Album: "A", Artist: "X"}, {Album: "A", Artist: "Y"}}, "A", "", true},
		{"two albums", []Track{{Album: "A"}, {Album: "B"}}, "", "", false},
		{"untagged extras", []Track{{Album: "A", Artist: "X"}, {}}, "A", "X", true},
	}
	for _, c := range cases {
		album, artist, ok := oneAlbum(c.tracks)
		if album != c.album || artist != c.artist || ok != c.ok {
			t.Errorf("%s: oneAlbum = %q, %q, %v; want %q, %q, %v", c.name, album, artist, ok, c.album, c.artist, c.ok)
		}
	}
}
