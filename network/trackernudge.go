package network

import (
	"crypto/rand"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/metainfo"
)

// trackerNudgeEvery is how often a torrent waiting for its metadata with
// no peer connected nudges the tracker announcer (nudgeTrackerAnnouncer).
const trackerNudgeEvery = 3 * time.Second

// nudgeTrackerAnnouncer makes anacrolix's tracker announcer look at the
// torrents waiting for it. It works around a race in anacrolix v1.62.0:
// the announcer's timer (internal/mytimer) drops an update that comes
// while its callback is between working out when to run next and setting
// it, so a torrent added in that moment (right after the client starts:
// `swarmtone play MAGNET`, or a magnet opened with the window) is never
// announced until another torrent's state changes. With a proxy the
// trackers are the only source of peers, and such a magnet waited for
// ever (TestProxyCarriesEverything, 1 run in about 20 under load: the
// tracker was never asked). A torrent added and dropped at once is such a
// change: the announcer then runs and sends what is due. It has a random
// infohash, no trackers and no storage, and nothing of ours records it.
// (With the DHT on it may start one lookup of that infohash: nudges are
// only for torrents with trackers, at most every trackerNudgeEvery.)
func (n *Node) nudgeTrackerAnnouncer() {
	if n.ctx.Err() != nil { // closing: nothing to announce any more
		return
	}
	var ih metainfo.Hash
	rand.Read(ih[:])
	t, isNew := n.cl.AddTorrentOpt(torrent.AddTorrentOpts{InfoHash: ih, DeferStorageOpen: true})
	if isNew {
		t.Drop()
	}
}

// hasTrackers reports whether t has a tracker to announce to: only then
// can the announcer have missed it.
func hasTrackers(t *torrent.Torrent) bool {
	for _, tier := range t.Metainfo().AnnounceList {
		if len(tier) > 0 {
			return true
		}
	}
	return false
}
