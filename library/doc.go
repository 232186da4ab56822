// Package library is the user's local catalogue in bbolt: tracks, albums,
// cover art, playlists, torrent records and settings; tag reading, folder
// import, browsing, search, M3U8/XSPF playlists and schema migrations.
//
// library never imports network, player, app or Fyne. It does not know
// audio formats (app passes a probe from player to Import) nor BitTorrent
// (it stores what network needs, as opaque metainfo bytes); the magnet
// links of playlists are read by the magnet package, as network reads them.
//
// # The file
//
// app opens the one bbolt file with OpenFile, which fails within OpenTimeout
// when another Swarmtone holds it (ErrHeld, naming the file). OpenFile
// reads a small file (or one found damaged last time) in full first; a
// damaged file is salvaged: every record that still reads is copied into a
// new file (library's indexes rebuilt from the tracks), the damaged one is
// renamed to "<path>.corrupt-<time>", and the caller learns what was lost.
// A new file is created and written without fsyncs (Opened.Unsynced) until
// the caller calls Durable, so nothing before the first sound waits for
// the disk.
// app owns the *bbolt.DB: it hands it to New and to the other packages,
// which keep their own buckets in it. library's buckets all start with
// "library/". New creates them and migrates older schemas (SchemaVersion);
// reads and writes turn bbolt panics on damaged pages into ErrCorrupt errors
// and leave a marker so the next OpenFile checks the whole file; CheckDB
// reads a large file in the background. Close the Library (it waits for its
// background work) before the DB.
//
// # Tracks
//
// A Track has a stable TrackID whether its bytes are on disk (Path), in a
// swarm (SwarmLocation: infohash, file index, path in the torrent), or both.
// PutTracks adds or updates tracks in batches of about 1,000 a transaction,
// matching existing ones by ID, path or swarm location and keeping their
// added time, play count, last played and favourite; an Import that finds
// the file at a swarm track's expected Path makes a fetched track playable
// from disk with the same identity and playlists. Cover art is stored as
// one JPEG thumbnail per distinct image (Thumbnail); the full image stays in
// the track's file or folder, read when asked (Art).
//
// # Import, browse and search
//
// Import walks files and folders, reads tags with github.com/dhowden/tag
// (guarded: malformed tags fall back to the file name with a warning) and
// is idempotent, cancellable and reports progress. Browse (artist → album
// → disc → track), RecentlyAdded and Albums read page by page from indexes
// without decoding the whole library; SortedIDs suits a virtual list.
// Search uses an in-memory word index built in the background by New and
// kept current by every write: case- and accent-insensitive word prefixes
// over title, artist, album artist, album and genre, exact words ranked
// above prefixes. Ranking is a counting sort on the score, linear in the
// matches, so asking for all of them (as the library view does) costs
// little more than asking for a page.
//
// # Playlists, torrents, settings
//
// Playlists keep order and duplicates; ExportM3U8/ImportM3U8 and
// ExportXSPF/ImportXSPF write paths relative to the playlist's folder where
// possible and swarm tracks as magnet links with BEP 53 so= selecting the
// file. TorrentRecord holds what network needs to resume a torrent after a
// restart. Settings is a JSON record over DefaultSettings.
package library
