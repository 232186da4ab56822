// Package network is Swarmtone's node in the BitTorrent network, built on
// github.com/anacrolix/torrent: it shares files in place, adds magnets and
// .torrents, hands out streaming readers for one file, seeds in the background
// and reports swarm statistics. It owns its own buckets in the bbolt file app
// opens ("network/completion": verified pieces; "network/stamps": size and
// mtime of each file as last seen; "network/paused": the torrents the user
// paused) and never touches another package's.
//
// A Node is started with Start and a Config from the user's settings. Share
// hashes dropped files (audio, cover art, cue sheets, playlists; everything
// else skipped and reported) on every core into one torrent seeded where the
// files are. Add takes a magnet, a .torrent or a bare infohash and validates
// it before any network activity; metadata fetched from peers is validated
// again before anything is written. Stream returns a reader over exactly one
// file that only ever returns verified bytes; a Read that gets no data shows
// as StateWaitingForPeers, redials the torrent's known peers with backoff,
// and after Config.NoPeerTimeout fails with ErrNoPeerHasPiece (the stream
// stays usable). Metadata from peers is capped (size at the handshake,
// files and pieces before anacrolix parses it) and asked for again, one
// piece at a time, from peers that go quiet. The node keeps no list of its
// torrents across restarts: app stores the Records and hands them back to
// Restore, which trusts stored completion unless a file's size or mtime
// changed, and marks torrents whose files vanished or shrank "missing".
//
// Web seeds (BEP 19): ShareWith takes HTTP(S) URLs that hold the files too;
// they go into the magnet (ws=), the .torrent (url-list) and the Record,
// with the trailing "/" a multi-file torrent needs. A read that only web
// seeds could serve ends at once, naming the seed, when each of them failed
// for good (no range support, 4xx, 5xx); one that cannot be reached is
// named when NoPeerTimeout ends the wait.
//
// The DHT also carries BEP 44 mutable items (a channel's pointer, BEP 46):
// PutItem and GetItem run their own lookups and check every reply (key,
// seq, size, signature, no rollback) before anything acts on it; our DHT
// node keeps others' items in a bounded store, for two hours unless re-put.
// SeedFile and FetchFile move one small file (a channel's index) as a
// single-file torrent. Config.DHTBootstrap limits the DHT to given nodes
// (network/loopdht runs such a DHT on loopback for tests).
//
// network never imports library, player, app or Fyne: it knows nothing of
// audio; it hands out bytes. Magnet links and infohashes are parsed by the
// magnet package, which library uses too.
package network
