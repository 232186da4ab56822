package network

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/merkle"
	"github.com/anacrolix/torrent/metainfo"
)

// bep52Torrent builds, as libtorrent 2.0 does, a .torrent of the files
// (paths relative to root/name, "/"-separated) with BEP 52's v2 file tree
// and piece layers, and unless v2Only also the v1 list with pad files that
// start each file on a piece (a hybrid torrent). It returns the .torrent
// and its v2 infohash (SHA-256 of the info).
func bep52Torrent(t *testing.T, root, name string, paths []string, pieceLength int64, v2Only bool) ([]byte, [32]byte) {
	t.Helper()
	paths = slices.Sorted(slices.Values(paths)) // a file tree's order
	tree := map[string]any{}
	layers := map[string]any{}
	var v1Files []any
	var v1Data []byte
	for i, p := range paths {
		b, err := os.ReadFile(filepath.Join(root, name, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		// Piece hashes: the merkle root of each piece's 16 KiB blocks,
		// padded with zero blocks to a whole piece.
		var pieceHashes [][32]byte
		for off := 0; off < len(b); off += int(pieceLength) {
			h := merkle.NewHash()
			h.Write(b[off:min(len(b), off+int(pieceLength))])
			pieceHashes = append(pieceHashes, [32]byte(h.SumMinLength(nil, int(pieceLength))))
		}
		var piecesRoot [32]byte
		if int64(len(b)) <= pieceLength {
			h := merkle.NewHash()
			h.Write(b)
			piecesRoot = [32]byte(h.Sum(nil))
		} else {
			piecesRoot = merkle.RootWithPadHash(pieceHashes, metainfo.HashForPiecePad(pieceLength))
			var layer []byte
			for _, ph := range pieceHashes {
				layer = append(layer, ph[:]...)
			}
			layers[string(piecesRoot[:])] = string(layer)
		}
		dir := tree
		parts := strings.Split(p, "/")
		for _, part := range parts[:len(parts)-1] {
			if dir[part] == nil {
				dir[part] = map[string]any{}
			}
			dir = dir[part].(map[string]any)
		}
		dir[parts[len(parts)-1]] = map[string]any{"": map[string]any{"length": len(b), "pieces root": string(piecesRoot[:])}}

		v1Files = append(v1Files, map[string]any{"length": len(b), "path": parts})
		v1Data = append(v1Data, b...)
		if pad := (pieceLength - int64(len(b))%pieceLength) % pieceLength; pad > 0 && i < len(paths)-1 {
			v1Files = append(v1Files, map[string]any{"length": pad, "path": []string{".pad", strconv.FormatInt(pad, 10)}, "attr": "p"})
			v1Data = append(v1Data, make([]byte, pad)...)
		}
	}
	info := map[string]any{"name": name, "piece length": pieceLength, "meta version": 2, "file tree": tree}
	if !v2Only {
		var pieces []byte
		for off := 0; off < len(v1Data); off += int(pieceLength) {
			h := sha1.Sum(v1Data[off:min(len(v1Data), off+int(pieceLength))])
			pieces = append(pieces, h[:]...)
		}
		info["files"], info["pieces"] = v1Files, string(pieces)
	}
	infoBytes, err := bencode.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := bencode.Marshal(map[string]any{"info": bencode.Bytes(infoBytes), "piece layers": layers})
	if err != nil {
		t.Fatal(err)
	}
	return tb, sha256.Sum256(infoBytes)
}

// TestBEP52Torrent: a seeder holds an album as a BitTorrent v2 torrent
// built as libtorrent 2.0 builds them, hybrid (v1+v2) and v2-only: three
// tracks that do not end on a piece, so a hybrid's v1 list has pad files.
// A listener adds the .torrent (and another a magnet whose metadata comes
// from the seeder: btih and btmh for the hybrid, btmh alone for v2-only):
// it lists the three tracks and no pad file, streams each track with every
// byte right (the last one's tail too, which anacrolix's reader never
// returns: see stream.readPastReader), downloads the album to disk exactly
// (no pad file written), and its link for the torrent names what the
// torrent has.
func TestBEP52Torrent(t *testing.T) {
	for _, v2Only := range []bool{false, true} {
		kind := map[bool]string{false: "hybrid", true: "v2-only"}[v2Only]
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			const name = "BEP 52 Album"
			seeder, _ := startNode(t, filepath.Join(dir, "seeder"), nil)
			root := filepath.Join(dir, "seeder", "downloads")
			want := map[string][]byte{
				"01 One.flac":        makeTrack(t, filepath.Join(root, name, "01 One.flac"), 2),
				"CD 2/02 Two.flac":   makeTrack(t, filepath.Join(root, name, "CD 2", "02 Two.flac"), 2),
				"CD 2/03 Three.flac": makeTrack(t, filepath.Join(root, name, "CD 2", "03 Three.flac"), 1),
			}
			tb, v2 := bep52Torrent(t, root, name, slices.Collect(maps.Keys(want)), 64<<10, v2Only)
			sa, err := seeder.AddBytes(context.Background(), tb)
			if err != nil {
				t.Fatal(err)
			}
			mi, _, _ := loadTorrent(t, tb)
			wantKey, xt := mi.HashInfoBytes().HexString(), "xt=urn:btih:"+mi.HashInfoBytes().HexString()+"&xt=urn:btmh:1220"+hex.EncodeToString(v2[:])
			if v2Only {
				wantKey, xt = hex.EncodeToString(v2[:20]), "xt=urn:btmh:1220"+hex.EncodeToString(v2[:])
			}
			if sa.InfoHash != wantKey {
				t.Fatalf("the seeder keys the torrent by %s, want %s", sa.InfoHash, wantKey)
			}
			se, _, _ := seeder.get(sa.InfoHash)
			se.t.VerifyData() // the files were there before the torrent
			waitUntil(t, "the seeder verifying its files", func() bool { return se.t.BytesMissing() == 0 })
			if link, err := seeder.Magnet(sa.InfoHash); err != nil || !strings.HasPrefix(link, "magnet:?"+xt+"&") {
				t.Errorf("the seeder's link %q, %v; want one that starts with %s", link, err, xt)
			}

			if !v2Only {
				t.Run("by its btmh alone", func(t *testing.T) {
					// Refused once the metadata shows a v1 half: kept, it would be
					// known by two names (see openWhenInfo).
					n, _ := startNode(t, filepath.Join(dir, "listener-btmh"), nil)
					a, err := n.Add(context.Background(), "magnet:?xt=urn:btmh:1220"+hex.EncodeToString(v2[:])+"&x.pe="+seeder.Addr())
					if err != nil {
						t.Fatal(err)
					}
					ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
					defer cancel()
					if err := n.WaitInfo(ctx, a.InfoHash); !errors.Is(err, ErrBadTorrent) || !strings.Contains(err.Error(), "xt=urn:btih:") {
						t.Fatalf("adding a hybrid by its btmh alone: %v; want it refused, asking for the whole link", err)
					}
				})
			}
			for _, src := range []string{".torrent", "magnet"} {
				t.Run(src, func(t *testing.T) {
					ldir := filepath.Join(dir, "listener-"+src)
					n, _ := startNode(t, ldir, nil)
					var a *Added
					if src == ".torrent" {
						a, err = n.AddBytes(context.Background(), tb)
						if err == nil {
							n.AddPeers(a.InfoHash, seeder.Addr())
						}
					} else {
						a, err = n.Add(context.Background(), "magnet:?"+xt+"&x.pe="+seeder.Addr())
					}
					if err != nil {
						t.Fatal(err)
					}
					if a.InfoHash != wantKey {
						t.Fatalf("infohash %s, want %s", a.InfoHash, wantKey)
					}
					ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
					defer cancel()
					if err := n.WaitInfo(ctx, a.InfoHash); err != nil {
						t.Fatal(err)
					}
					files, err := n.Files(a.InfoHash)
					if err != nil {
						t.Fatal(err)
					}
					if len(files) != 3 || files[0].Path != "01 One.flac" || files[1].Path != "CD 2/02 Two.flac" || files[2].Path != "CD 2/03 Three.flac" {
						t.Fatalf("files %+v, want the 3 tracks in order and no pad file", files)
					}
					// The last track first: its tail comes through storage.
					for _, f := range []File{files[2], files[0], files[1]} {
						if err := streamAll(n, a.InfoHash, f.Index, want[f.Path]); err != nil {
							t.Fatalf("%s: %v", f.Path, err)
						}
					}
					if err := n.DownloadAll(ctx, a.InfoHash); err != nil {
						t.Fatal(err)
					}
					if err := n.WaitComplete(ctx, a.InfoHash); err != nil {
						t.Fatal(err)
					}
					waitUntil(t, "the album on disk as the seeder has it, and nothing else", func() bool {
						got := filesUnder(t, filepath.Join(ldir, "downloads", name))
						if len(got) != len(want) {
							return false
						}
						for path, b := range want {
							if !bytes.Equal(got[path], b) {
								return false
							}
						}
						return true
					})
					if link, err := n.Magnet(a.InfoHash); err != nil || !strings.HasPrefix(link, "magnet:?"+xt+"&") {
						t.Errorf("the listener's link %q, %v; want one that starts with %s", link, err, xt)
					}
				})
			}
		})
	}
}

// TestHybridSingleFile: a hybrid torrent of one track (no pad file)
// streams whole from a seeder.
func TestHybridSingleFile(t *testing.T) {
	dir := t.TempDir()
	seeder, _ := startNode(t, filepath.Join(dir, "seeder"), nil)
	root := filepath.Join(dir, "seeder", "downloads")
	track := makeTrack(t, filepath.Join(root, "Single.flac", "Single.flac"), 2)
	tb, _ := bep52Torrent(t, root, "Single.flac", []string{"Single.flac"}, 64<<10, false)
	mi, _, _ := loadTorrent(t, tb)
	var info map[string]any // one file: v1 "length", not "files"
	if err := bencode.Unmarshal(mi.InfoBytes, &info); err != nil {
		t.Fatal(err)
	}
	info["length"] = len(track)
	delete(info, "files")
	// (the file tree already names the one file under the name)
	ib, _ := bencode.Marshal(info)
	tb, _ = bencode.Marshal(map[string]any{"info": bencode.Bytes(ib)})
	// The single file sits at downloads/Single.flac/Single.flac for the seeder, as
	// anacrolix stores a v2 file under the torrent's name.
	sa, err := seeder.AddBytes(context.Background(), tb)
	if err != nil {
		t.Fatal(err)
	}
	se, _, _ := seeder.get(sa.InfoHash)
	se.t.VerifyData()
	waitUntil(t, "the seeder verifying its file", func() bool { return se.t.BytesMissing() == 0 })
	n, _ := startNode(t, filepath.Join(dir, "listener"), nil)
	a, err := n.AddBytes(context.Background(), tb)
	if err != nil {
		t.Fatal(err)
	}
	n.AddPeers(a.InfoHash, seeder.Addr())
	if len(a.Files) != 1 || a.Files[0].Length != int64(len(track)) {
		t.Fatalf("files %+v, want the one track", a.Files)
	}
	if err := streamAll(n, a.InfoHash, 0, track); err != nil {
		t.Fatal(err)
	}
}

// TestV2OnlyTorrentChecked: a v2-only torrent's file tree is checked as a
// v1 torrent's file list is: a path that leaves the folder, a negative
// length or no file at all is refused before anything is fetched, with an
// error that names the .torrent (or what is wrong in it).
func TestV2OnlyTorrentChecked(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "src")
	makeTrack(t, filepath.Join(root, "V2 Album", "01.flac"), 1)
	tb, _ := bep52Torrent(t, root, "V2 Album", []string{"01.flac"}, 64<<10, true)
	mi, _, _ := loadTorrent(t, tb)
	n, _ := startNode(t, filepath.Join(dir, "node"), nil)
	for _, c := range []struct {
		name   string
		change func(info map[string]any)
		want   error
		say    string
	}{
		{"path that leaves the folder", func(info map[string]any) {
			ft := info["file tree"].(map[string]any)
			ft[".."], ft["01.flac"] = ft["01.flac"], nil
			delete(ft, "01.flac")
		}, ErrUnsafePath, `".."`},
		{"negative length", func(info map[string]any) {
			f := info["file tree"].(map[string]any)["01.flac"].(map[string]any)[""].(map[string]any)
			f["length"] = int64(-5)
		}, ErrBadTorrent, "v2 file tree"},
		{"no file", func(info map[string]any) { info["file tree"] = map[string]any{} }, ErrBadTorrent, "no file"},
		{"piece length not a power of two", func(info map[string]any) { info["piece length"] = int64(50000) }, ErrBadPieces, "50000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var info map[string]any
			if err := bencode.Unmarshal(mi.InfoBytes, &info); err != nil {
				t.Fatal(err)
			}
			c.change(info)
			ib, _ := bencode.Marshal(info)
			bad, _ := bencode.Marshal(map[string]any{"info": bencode.Bytes(ib)})
			path := filepath.Join(dir, c.name+".torrent")
			if err := os.WriteFile(path, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := n.Add(context.Background(), path)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.say) || !strings.Contains(err.Error(), strconv.Quote(path)) {
				t.Errorf("error %v; want %v naming %s and the .torrent", err, c.want, c.say)
			}
		})
	}
	if got := n.Records(); len(got) != 0 {
		t.Fatalf("a refused torrent is in the node: %+v", got)
	}
}

// TestHybridMismatchRefused: a hybrid torrent whose v2 file tree does not
// name the files of its v1 list (here a path that leaves the folder, which
// anacrolix would store by) is refused.
func TestHybridMismatchRefused(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "src")
	makeTrack(t, filepath.Join(root, "A", "01.flac"), 1)
	tb, _ := bep52Torrent(t, root, "A", []string{"01.flac"}, 64<<10, false)
	mi, _, _ := loadTorrent(t, tb)
	var info map[string]any
	if err := bencode.Unmarshal(mi.InfoBytes, &info); err != nil {
		t.Fatal(err)
	}
	ft := info["file tree"].(map[string]any)
	ft[".."] = ft["01.flac"]
	delete(ft, "01.flac")
	ib, _ := bencode.Marshal(info)
	bad, _ := bencode.Marshal(map[string]any{"info": bencode.Bytes(ib)})
	if _, err := parseTorrentBytes(bad); !errors.Is(err, ErrUnsafePath) {
		t.Fatalf("error %v; want the v2 path refused as unsafe", err)
	}
	// A v2 file of another length than its v1 twin.
	ft["01.flac"] = ft[".."]
	delete(ft, "..")
	f := ft["01.flac"].(map[string]any)[""].(map[string]any)
	f["length"] = f["length"].(int64) - 1
	ib, _ = bencode.Marshal(info)
	bad, _ = bencode.Marshal(map[string]any{"info": bencode.Bytes(ib)})
	if _, err := parseTorrentBytes(bad); !errors.Is(err, ErrBadTorrent) || !strings.Contains(err.Error(), "01.flac") {
		t.Fatalf("error %v; want the hybrid refused, naming the file", err)
	}
}

// TestFilePiecesAndPaths: the watcher and a restart find a torrent's files
// where storage keeps them, and hash again the pieces that hold a file: a
// v2 or hybrid torrent starts each file on a piece (so a file's pieces are
// not where adding up the lengths before it puts them), and a one-file v2
// torrent keeps its file in a folder of the torrent's name.
func TestFilePiecesAndPaths(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "src")
	const pl = 64 << 10
	sizes := map[string]int{"a.flac": pl + 10, "b.flac": 3 * pl, "c.flac": 5}
	for name, size := range sizes {
		randomFile(t, filepath.Join(root, "Album", name), size)
	}
	randomFile(t, filepath.Join(root, "One.flac", "One.flac"), 2*pl+1)
	infoOf := func(tb []byte) *metainfo.Info {
		_, info, _ := loadTorrent(t, tb)
		return &info
	}
	names := slices.Sorted(maps.Keys(sizes))
	hybrid, _ := bep52Torrent(t, root, "Album", names, pl, false)
	v2, _ := bep52Torrent(t, root, "Album", names, pl, true)
	one, _ := bep52Torrent(t, root, "One.flac", []string{"One.flac"}, pl, true)
	v1 := &metainfo.Info{Name: "Album", PieceLength: pl, Files: []metainfo.FileInfo{
		{Length: pl + 10, Path: []string{"a.flac"}}, {Length: 3 * pl, Path: []string{"b.flac"}}, {Length: 5, Path: []string{"c.flac"}}}}
	for _, c := range []struct {
		name   string
		info   *metainfo.Info
		pieces [][2]int
		paths  []string
	}{
		{"v1", v1, [][2]int{{0, 2}, {1, 5}, {4, 5}}, []string{"Album/a.flac", "Album/b.flac", "Album/c.flac"}},
		{"hybrid", infoOf(hybrid), [][2]int{{0, 2}, {2, 5}, {5, 6}}, []string{"Album/a.flac", "Album/b.flac", "Album/c.flac"}},
		{"v2-only", infoOf(v2), [][2]int{{0, 2}, {2, 5}, {5, 6}}, []string{"Album/a.flac", "Album/b.flac", "Album/c.flac"}},
		{"v2-only, one file", infoOf(one), [][2]int{{0, 3}}, []string{"One.flac/One.flac"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := c.info.UpvertedFiles()
			paths := filePaths("music", c.info)
			if len(files) != len(c.pieces) || len(paths) != len(c.paths) {
				t.Fatalf("%d files, %d paths; want %d", len(files), len(paths), len(c.pieces))
			}
			for i, f := range files {
				if b, e := filePieces(c.info, f); b != c.pieces[i][0] || e != c.pieces[i][1] {
					t.Errorf("file %d: pieces [%d, %d), want %v", i, b, e, c.pieces[i])
				}
				if want := filepath.Join("music", filepath.FromSlash(c.paths[i])); paths[i] != want {
					t.Errorf("file %d: path %s, want %s", i, paths[i], want)
				}
			}
		})
	}
}
