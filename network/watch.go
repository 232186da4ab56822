package network

import (
	"os"
	"slices"
	"time"
)

// watchInterval is how often the files of shares and complete downloads are
// checked for changes other programs made while the node runs.
var watchInterval = 15 * time.Second

// watchFiles checks every torrent's files each watchInterval until Close.
func (n *Node) watchFiles() {
	defer n.wg.Done()
	n.everyTorrent(watchInterval, n.checkFiles)
}

// everyTorrent calls fn for each torrent every interval until Close.
func (n *Node) everyTorrent(interval time.Duration, fn func(*entry)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-tick.C:
		}
		n.mu.Lock()
		entries := make([]*entry, 0, len(n.torrents))
		for _, e := range n.torrents {
			entries = append(entries, e)
		}
		n.mu.Unlock()
		for _, e := range entries {
			if n.ctx.Err() != nil {
				return
			}
			fn(e)
		}
	}
}

// checkFiles compares a torrent's files on disk with what it saw last time.
// A file gone or shorter than the torrent says marks the torrent missing
// (its pieces are verified, so they are no longer offered and their
// completion is forgotten); a file that came back, or changed size or
// mtime, has its pieces verified again. Downloads still in progress, or
// complete but held in memory by a full disk, are left alone: we are the
// ones writing them.
func (n *Node) checkFiles(e *entry) {
	info := e.t.Info()
	if info == nil {
		return
	}
	e.mu.Lock()
	before, wasMissing := e.seen, e.missing
	e.mu.Unlock()
	if !e.shared && !e.t.Complete().Bool() && len(wasMissing) == 0 {
		return
	}
	if n.trouble.holds(e.t.InfoHash()) {
		return // the disk is full: pieces wait in memory for a write (diskfull.go)
	}
	// Each list made once: with 1,000 torrents every 15 s, these were most
	// of what an idle node allocated.
	paths := filePaths(e.folder, info)
	now := statPaths(paths)
	var missing []string
	var recheck []int // files whose pieces must be verified again
	for i, f := range info.UpvertedFiles() {
		switch {
		case f.Length == 0:
		case now[i].Size < f.Length:
			missing = append(missing, paths[i])
			if !slices.Contains(wasMissing, paths[i]) {
				recheck = append(recheck, i)
			}
		case slices.Contains(wasMissing, paths[i]), before != nil && before[i] != now[i]:
			recheck = append(recheck, i)
		}
	}
	e.mu.Lock()
	e.seen, e.missing = now, missing
	e.mu.Unlock()
	switch {
	case len(missing) > len(wasMissing):
		n.log.Warn("torrent files missing", "infohash", e.t.InfoHash().HexString(), "files", missing)
	case len(missing) < len(wasMissing):
		n.log.Info("torrent files back", "infohash", e.t.InfoHash().HexString(), "missing", missing)
	}
	n.verifyFiles(e, recheck)
}

// statPaths stamps each file: its size and mtime, or size -1 when it cannot
// be read.
func statPaths(paths []string) []stamp {
	out := make([]stamp, len(paths))
	for i, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			out[i] = stamp{Size: -1}
			continue
		}
		out[i] = stamp{Size: st.Size(), MTime: st.ModTime().UnixNano()}
	}
	return out
}

// verifyFiles hashes again the pieces of the given files of e.
func (n *Node) verifyFiles(e *entry, files []int) {
	if len(files) == 0 {
		return
	}
	info := e.t.Info()
	all := info.UpvertedFiles()
	for _, i := range files {
		begin, end := filePieces(info, all[i])
		for p := begin; p < end && p < e.t.NumPieces(); p++ {
			if err := e.t.Piece(p).VerifyDataContext(n.ctx); err != nil {
				if n.ctx.Err() == nil {
					n.log.Warn("verifying a changed file", "file", filePaths(e.folder, info)[i], "piece", p, "err", err)
				}
				return
			}
		}
	}
}
