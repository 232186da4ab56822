package network

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"

	"github.com/swarmtone/swarmtone/magnet"
)

// shareExts are the file kinds a share carries: audio, cover art, cue
// sheets and playlists. Everything else is skipped and reported.
var shareExts = map[string]bool{
	".mp3": true, ".flac": true, ".ogg": true, ".oga": true, ".opus": true, ".m4a": true,
	".aac": true, ".wav": true, ".aif": true, ".aiff": true, ".wv": true, ".ape": true,
	".mpc": true, ".wma": true, ".alac": true, ".dsf": true, ".dff": true, ".mka": true,
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".bmp": true,
	".cue": true, ".m3u": true, ".m3u8": true, ".pls": true, ".xspf": true,
}

// File is one file of a torrent.
type File struct {
	Index  int
	Path   string // slash-separated, inside the torrent (sanitised)
	Length int64
}

// Share is the result of sharing files: a torrent seeded in place.
type Share struct {
	InfoHash string
	Name     string
	Magnet   string
	Files    []File
	// Skipped lists dropped files that were left out (hidden, not audio,
	// art, cue or playlist, unreadable, symlinks) with the reason.
	Skipped []string
	// Torrent holds the .torrent file's bytes (see also ExportTorrent).
	Torrent []byte
	Record  Record
}

// sharePlan is the set of files a share will hash, in torrent order.
type sharePlan struct {
	base    string // folder the torrent name is resolved in
	name    string
	single  bool // one file: a single-file torrent
	rel     [][]string
	abs     []string
	sizes   []int64
	skipped []string
}

// planShare walks the dropped paths. They must share one parent folder; a
// single folder becomes a torrent named after it, several items one named
// after their parent.
func planShare(paths []string) (*sharePlan, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no files given", ErrNothingToShare)
	}
	p := &sharePlan{}
	var parent string
	clean := make([]string, len(paths))
	for i, path := range paths {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("share %q: %w", path, err)
		}
		clean[i] = abs
		if i == 0 {
			parent = filepath.Dir(abs)
		} else if filepath.Dir(abs) != parent {
			return nil, fmt.Errorf("share %q and %q: %w (drop one album folder, or files from one folder)", paths[0], path, ErrMixedShareRoots)
		}
	}
	root := parent
	if len(clean) == 1 {
		st, err := os.Stat(clean[0])
		if err != nil {
			return nil, fmt.Errorf("share %q: %w", paths[0], err)
		}
		if !st.IsDir() {
			if !shareable(clean[0]) {
				return nil, fmt.Errorf("share %q: %w: not audio, cover art, cue or playlist", paths[0], ErrNothingToShare)
			}
			p.single = true
			p.base, p.name = parent, filepath.Base(clean[0])
			p.abs, p.sizes, p.rel = []string{clean[0]}, []int64{st.Size()}, [][]string{{p.name}}
			return p, nil
		}
		root = clean[0]
	}
	p.base, p.name = filepath.Dir(root), filepath.Base(root)
	if p.name == string(filepath.Separator) || p.name == "." {
		return nil, fmt.Errorf("share %q: %w: cannot share a whole drive", root, ErrNothingToShare)
	}
	for _, top := range clean {
		err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				p.skipped = append(p.skipped, fmt.Sprintf("%s: unreadable: %v", path, err))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			name := d.Name()
			if path != top && strings.HasPrefix(name, ".") {
				p.skipped = append(p.skipped, path+": hidden")
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			if !d.Type().IsRegular() {
				p.skipped = append(p.skipped, path+": not a regular file")
				return nil
			}
			if !shareable(path) {
				p.skipped = append(p.skipped, path+": not audio, cover art, cue or playlist")
				return nil
			}
			st, err := d.Info()
			if err != nil {
				p.skipped = append(p.skipped, fmt.Sprintf("%s: %v", path, err))
				return nil
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			parts := strings.Split(filepath.ToSlash(rel), "/")
			for _, part := range parts {
				if checkPathPart(part) != nil {
					p.skipped = append(p.skipped, path+": name cannot be shared")
					return nil
				}
			}
			p.rel = append(p.rel, parts)
			p.abs = append(p.abs, path)
			p.sizes = append(p.sizes, st.Size())
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("share %q: %w", top, err)
		}
	}
	var total int64
	for _, s := range p.sizes {
		total += s
	}
	if len(p.abs) == 0 || total == 0 {
		return nil, fmt.Errorf("share %q: %w: no audio, cover art, cue or playlist files with data", root, ErrNothingToShare)
	}
	return p, nil
}

func shareable(path string) bool {
	return shareExts[strings.ToLower(filepath.Ext(path))]
}

// PieceLength picks a streaming-friendly piece size for total bytes: 32 KiB
// so a track's first piece, which can be used only once whole and comes
// over a connection just opened, fits in the first two flights of TCP's
// slow start (an initial window of ten segments, ~14 KiB, then twice that):
// 64 KiB took a third round trip (in the swarm lab's packet trace, 440 ms
// from a seeder 154 ms away). It doubles up to 256 KiB to keep a big
// album under ~4,000 pieces (its info, fetched over the same new
// connection, under ~80 KB), and beyond that (up to 4 MiB) only for very
// large shares.
func PieceLength(total int64) int64 {
	pl := int64(32 << 10)
	for pl < 256<<10 && total/pl > 4096 {
		pl *= 2
	}
	for pl < 4<<20 && total/pl > 32768 {
		pl *= 2
	}
	return pl
}

// ShareOptions are what a share carries besides its files.
type ShareOptions struct {
	// WebSeeds are HTTP(S) servers that hold the files too (BEP 19): for an
	// album folder, the URL of the folder that holds it (the album's folder
	// name and the file's path are appended); for a single file, that of
	// the folder that holds it, or of the file itself. Config.WebSeedURLs
	// are added to them.
	WebSeeds []string
}

// Share hashes the files and folders in paths (all from one folder) into one
// torrent, seeds it in place and returns its magnet. progress, if not nil, is
// called about ten times a second, from another goroutine, with the bytes
// hashed so far; ctx cancels the hashing.
func (n *Node) Share(ctx context.Context, paths []string, progress func(done, total int64)) (*Share, error) {
	return n.ShareWith(ctx, paths, ShareOptions{}, progress)
}

// ShareWith is Share with options: web seeds are checked before anything
// is hashed.
func (n *Node) ShareWith(ctx context.Context, paths []string, opts ShareOptions, progress func(done, total int64)) (*Share, error) {
	if n.ctx.Err() != nil {
		return nil, ErrClosed
	}
	webSeeds, err := ValidateWebSeeds(mergeWebSeeds(opts.WebSeeds, n.cfg.WebSeedURLs))
	if err != nil {
		return nil, err
	}
	plan, err := planShare(paths)
	if err != nil {
		return nil, err
	}
	webSeeds = webSeedBases(webSeeds, !plan.single)
	var total int64
	for _, s := range plan.sizes {
		total += s
	}
	pl := PieceLength(total)
	before := make([]stamp, len(plan.abs))
	for i, p := range plan.abs {
		if st, err := os.Stat(p); err == nil {
			before[i] = stamp{Size: st.Size(), MTime: st.ModTime().UnixNano()}
		}
	}
	pieces, err := hashFiles(ctx, plan.abs, plan.sizes, pl, progress)
	if err != nil {
		return nil, err
	}
	info := metainfo.Info{Name: plan.name, PieceLength: pl, Pieces: pieces}
	if plan.single {
		info.Length = plan.sizes[0]
	} else {
		for i, rel := range plan.rel {
			info.Files = append(info.Files, metainfo.FileInfo{Length: plan.sizes[i], Path: rel})
		}
	}
	infoBytes, err := bencode.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("encoding torrent of %q: %w", plan.name, err)
	}
	mi := metainfo.MetaInfo{
		InfoBytes:    infoBytes,
		CreatedBy:    "Swarmtone",
		CreationDate: time.Now().Unix(),
		UrlList:      webSeeds,
	}
	if len(n.cfg.Trackers) > 0 {
		mi.Announce = n.cfg.Trackers[0]
		for _, tr := range n.cfg.Trackers {
			mi.AnnounceList = append(mi.AnnounceList, []string{tr})
		}
	}
	ih := mi.HashInfoBytes()

	// The hashes above are the verification: record every piece complete so
	// adding the torrent does not hash the files a second time. Files that
	// changed while we hashed will fail their stamps at the next restart.
	changes := make([]storage.PieceCompletionChange, len(pieces)/20)
	for i := range changes {
		changes[i] = storage.PieceCompletionChange{Key: metainfo.PieceKey{InfoHash: ih, Index: i}, Complete: true}
	}
	if err := n.pc.SetBatch(changes); err != nil {
		return nil, fmt.Errorf("saving completion of %q: %w", plan.name, err)
	}
	if err := saveStamps(n.db, []stampRecord{{ih, before}}); err != nil {
		return nil, err
	}
	e, err := n.add(addOpts{ih: ih, infoBytes: infoBytes, folder: plan.base, shared: true, seen: before, webSeeds: webSeeds})
	if err != nil {
		return nil, fmt.Errorf("seeding %q: %w", plan.name, err)
	}
	n.setWebSeeds(e, webSeeds) // shared before: these web seeds replace its own
	var tb bytes.Buffer
	if err := mi.Write(&tb); err != nil {
		return nil, fmt.Errorf("encoding .torrent of %q: %w", plan.name, err)
	}
	sh := &Share{
		InfoHash: ih.HexString(),
		Name:     plan.name,
		Magnet:   n.magnet(magnet.Link{InfoHash: ih}, plan.name, webSeeds),
		Skipped:  plan.skipped,
		Torrent:  tb.Bytes(),
		Record:   e.record(),
	}
	for i, rel := range plan.rel {
		sh.Files = append(sh.Files, File{Index: i, Path: strings.Join(rel, "/"), Length: plan.sizes[i]})
	}
	if plan.single {
		sh.Files[0].Path = plan.name
	}
	n.log.Info("sharing", "name", plan.name, "infohash", sh.InfoHash, "files", len(sh.Files), "bytes", total, "piece_length", pl, "skipped", len(plan.skipped), "web_seeds", len(webSeeds))
	return sh, nil
}

// magnet builds a magnet link with the name, configured trackers and web
// seeds (ws=).
func (n *Node) magnet(l magnet.Link, name string, webSeeds []string) string {
	m := metainfo.MagnetV2{DisplayName: name, Trackers: slices.Clone(n.cfg.Trackers)}
	if !l.V2Only {
		m.InfoHash.Set(l.InfoHash)
	}
	if l.InfoHashV2 != ([32]byte{}) {
		m.V2InfoHash.Set(l.InfoHashV2)
	}
	if len(webSeeds) > 0 {
		m.Params = url.Values{"ws": slices.Clone(webSeeds)}
	}
	return m.String()
}

// Magnet returns the magnet link of a torrent.
func (n *Node) Magnet(infoHash string) (string, error) {
	e, _, err := n.get(infoHash)
	if err != nil {
		return "", err
	}
	return n.magnet(e.link(), e.t.Name(), e.webSeedList()), nil
}

// Link is the torrent's infohashes as a magnet link names them (see
// magnet.Link.XT): a v2-only torrent's link carries its whole v2 infohash.
func (n *Node) Link(infoHash string) (magnet.Link, error) {
	e, _, err := n.get(infoHash)
	if err != nil {
		return magnet.Link{}, err
	}
	return e.link(), nil
}

// link is the torrent's infohashes as a magnet link names them: from the
// metadata once it is known, else from what the torrent was added with.
func (e *entry) link() magnet.Link {
	l := magnet.Link{InfoHash: e.t.InfoHash(), InfoHashV2: e.v2, V2Only: e.v2Only}
	if info := e.t.Info(); info != nil {
		l.V2Only = !info.HasV1()
		if info.HasV2() && l.InfoHashV2 == ([32]byte{}) {
			l.InfoHashV2 = sha256.Sum256(e.t.Metainfo().InfoBytes)
		}
	}
	return l
}

// ExportTorrent writes the torrent's .torrent file to w.
func (n *Node) ExportTorrent(infoHash string, w io.Writer) error {
	e, ih, err := n.get(infoHash)
	if err != nil {
		return err
	}
	if e.t.Info() == nil {
		return fmt.Errorf("exporting %s: %w", ih.HexString(), ErrNoMetadata)
	}
	mi := e.t.Metainfo()
	mi.UrlList = e.webSeedList() // anacrolix lists them only when fetching from them, in no order
	if len(mi.AnnounceList) == 0 && len(n.cfg.Trackers) > 0 {
		for _, tr := range n.cfg.Trackers {
			mi.AnnounceList = append(mi.AnnounceList, []string{tr})
		}
	}
	return mi.Write(w)
}

// files lists info's files with sanitised slash paths.
func files(info *metainfo.Info) []File {
	fis := info.UpvertedFiles()
	out := make([]File, len(fis))
	for i, f := range fis {
		p := info.BestName()
		if info.IsDir() {
			p = strings.Join(f.BestPath(), "/")
		}
		out[i] = File{Index: i, Path: strings.ToValidUTF8(p, "\uFFFD"), Length: f.Length}
	}
	return out
}
