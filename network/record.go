package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/anacrolix/torrent/metainfo"
)

// Record is what the app stores for each torrent so Restore can bring it back
// after a restart (network keeps no list of torrents of its own).
type Record struct {
	InfoHash string // 40 hex characters
	Metainfo []byte // .torrent bytes; nil until the metadata was fetched
	Magnet   string // how it was added, used when Metainfo is nil
	Folder   string // folder the torrent's name is resolved in
	Shared   bool   // the user's own files, seeded in place
	// WebSeeds are the torrent's web seeds (also in Metainfo's url-list);
	// Restore adds them to those of Metainfo or Magnet.
	WebSeeds []string
}

// Records lists every torrent of the node, for the app to store.
func (n *Node) Records() []Record {
	n.mu.Lock()
	entries := make([]*entry, 0, len(n.torrents))
	for _, e := range n.torrents {
		entries = append(entries, e)
	}
	n.mu.Unlock()
	out := make([]Record, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.record())
	}
	return out
}

// Record returns the record of one torrent.
func (n *Node) Record(infoHash string) (Record, error) {
	e, _, err := n.get(infoHash)
	if err != nil {
		return Record{}, err
	}
	return e.record(), nil
}

func (e *entry) record() Record {
	r := Record{
		InfoHash: e.t.InfoHash().HexString(),
		Folder:   e.folder,
		Shared:   e.shared,
		Magnet:   e.magnet,
		WebSeeds: e.webSeedList(),
	}
	if e.t.Info() != nil {
		mi := e.t.Metainfo()
		mi.UrlList = r.WebSeeds
		var buf bytes.Buffer
		if err := mi.Write(&buf); err == nil {
			r.Metainfo = buf.Bytes()
		}
	}
	return r
}

// Restore brings back torrents from records after a restart. Completion comes
// from the database, so nothing is hashed again unless a file's size or mtime
// changed since the node last saw it; a missing or truncated file marks its
// torrent missing. Bad records are skipped and reported in the error; the
// rest are restored.
func (n *Node) Restore(ctx context.Context, recs []Record) error {
	type parsed struct {
		rec  Record
		src  *source
		info *metainfo.Info
	}
	var errs []error
	ps := make([]parsed, 0, len(recs))
	ihs := make([]metainfo.Hash, 0, len(recs))
	for _, r := range recs {
		var src *source
		var err error
		switch {
		case len(r.Metainfo) > 0:
			src, err = parseTorrentBytes(r.Metainfo)
		case r.Magnet != "":
			src, err = parseSource(r.Magnet)
		default:
			src, err = parseSource(r.InfoHash)
		}
		if err == nil && r.InfoHash != "" {
			if want, herr := parseInfoHash(r.InfoHash); herr != nil || want != src.infoHash {
				err = fmt.Errorf("record infohash %q does not match its metainfo (%s)", r.InfoHash, src.infoHash.HexString())
			}
		}
		if err == nil && r.Folder == "" {
			err = errors.New("record has no folder")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("restoring %s: %w", r.InfoHash, err))
			continue
		}
		ps = append(ps, parsed{r, src, src.info})
		ihs = append(ihs, src.infoHash)
	}
	saved, err := loadStamps(n.db, ihs)
	if err != nil {
		return fmt.Errorf("reading file stamps: %w", err)
	}
	paused, err := loadPaused(n.db)
	if err != nil {
		return fmt.Errorf("reading paused torrents: %w", err)
	}
	var fresh []stampRecord
	for _, p := range ps {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		folder := filepath.Clean(p.rec.Folder)
		var missing []string
		var now []stamp
		if p.info != nil {
			now = statFiles(folder, p.info)
			missing = n.reconcile(p.src.infoHash, p.info, folder, p.rec.Shared, saved[p.src.infoHash], now)
			fresh = append(fresh, stampRecord{p.src.infoHash, now})
		}
		o := addOpts{
			folder:   folder,
			shared:   p.rec.Shared,
			trackers: p.src.trackers,
			webSeeds: restoredWebSeeds(p.src.webSeeds, p.rec.WebSeeds),
			name:     p.src.name,
			magnet:   p.rec.Magnet,
			seen:     now,
			restored: true,
		}.withSource(p.src)
		e, err := n.add(o)
		if err != nil {
			errs = append(errs, fmt.Errorf("restoring %s: %w", p.rec.InfoHash, err))
			continue
		}
		if paused[p.src.infoHash] {
			n.pause(e, true)
		}
		if len(missing) > 0 {
			e.mu.Lock()
			e.missing = missing
			e.mu.Unlock()
			n.log.Warn("torrent files missing", "infohash", p.src.infoHash.HexString(), "files", missing)
		}
		if len(p.src.peers) > 0 {
			_ = n.AddPeers(p.src.infoHash.HexString(), p.src.peers...)
		}
	}
	if err := saveStamps(n.db, fresh); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// reconcile compares a torrent's files now with the stamps saved last time:
// pieces of changed files are forgotten (so they are hashed again), and files
// that vanished or shrank are returned as missing.
func (n *Node) reconcile(ih metainfo.Hash, info *metainfo.Info, folder string, shared bool, before, now []stamp) (missing []string) {
	paths := filePaths(folder, info)
	files := info.UpvertedFiles()
	for i, f := range files {
		begin, end := filePieces(info, f)
		if f.Length == 0 {
			continue
		}
		had := i < len(before) && before[i].Size >= 0
		short := now[i].Size < f.Length
		if short && (shared || (had && before[i].Size >= f.Length)) {
			missing = append(missing, paths[i])
		}
		if i < len(before) && before[i] == now[i] {
			continue // unchanged: trust stored completion
		}
		if err := n.pc.forget(ih, begin, end); err != nil {
			n.log.Warn("forgetting completion of changed file", "file", paths[i], "err", err)
		}
	}
	return missing
}

// restoredWebSeeds are the web seeds of a record's metainfo or magnet and
// of its own list; bad URLs in the list are dropped (a record is ours, but
// a library file may be old or edited).
func restoredWebSeeds(fromSource, fromRecord []string) []string {
	var ok []string
	for _, u := range fromRecord {
		if v, err := ValidateWebSeeds([]string{u}); err == nil {
			ok = append(ok, v...)
		}
	}
	return mergeWebSeeds(fromSource, ok)
}
