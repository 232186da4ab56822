package network

import (
	"context"
	"crypto/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestTransmissionMetadataByMagnet: Transmission seeds an album made with
// many small pieces (metadata of two ut_metadata pieces); we add only its
// magnet and Transmission's address at once, while Transmission is still
// starting (it takes connections seconds later), and get the metadata
// because the node redials the address. (Without the redial: nothing in
// 3 minutes. Transmission answers back-to-back metadata requests; it is
// not the strict seeder of TestMetadataFromStrictSeeder.)
func TestTransmissionMetadataByMagnet(t *testing.T) {
	tools := testtool.Need(t, "transmission-daemon", "transmission-create")
	daemon, create := tools[0], tools[1]
	dir := t.TempDir()
	seedDir := filepath.Join(dir, "seed")
	makeTrack(t, filepath.Join(seedDir, "Album", "01.flac"), 2)
	big := make([]byte, 24<<20) // the network moves bytes: no need for audio
	rand.Read(big)
	if err := os.WriteFile(filepath.Join(seedDir, "Album", "02.flac"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	tfile := filepath.Join(dir, "album.torrent")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// 16 KiB pieces: ~1,550 of them, 20 bytes each: two ut_metadata pieces.
	if out, err := exec.CommandContext(ctx, create, "-o", tfile, "-s", "16", filepath.Join(seedDir, "Album")).CombinedOutput(); err != nil {
		t.Fatalf("transmission-create: %v: %s", err, out)
	}
	tb, err := os.ReadFile(tfile)
	if err != nil {
		t.Fatal(err)
	}
	mi, _, ih := loadTorrent(t, tb)
	if n := (len(mi.InfoBytes) + metaPieceSize - 1) / metaPieceSize; n < 2 {
		t.Fatalf("metadata of %d bytes is one ut_metadata piece: not the case under test", len(mi.InfoBytes))
	}
	watch := filepath.Join(dir, "watch")
	os.MkdirAll(watch, 0o755)
	// Before the daemon starts: its first scan of the folder finds it
	// (see TestEncryptionWithTransmission).
	if err := os.WriteFile(filepath.Join(watch, "album.torrent"), tb, 0o644); err != nil {
		t.Fatal(err)
	}
	peerPort := freePort(t)
	startProcess(t, ctx, daemon, "-f", "-g", filepath.Join(dir, "tconfig"),
		"-p", strconv.Itoa(freePort(t)), "-r", "127.0.0.1", "-T",
		"-w", seedDir, "-c", watch, "-P", strconv.Itoa(peerPort), "-i", "127.0.0.1",
		"-O", "-Y", "-M", "--no-utp", "-ep", "--log-error")
	n, _ := startNode(t, filepath.Join(dir, "node"), nil)
	if _, err := n.Add(ctx, "magnet:?xt=urn:btih:"+ih.HexString()); err != nil {
		t.Fatal(err)
	}
	// Transmission may not listen yet: the node redials the known address.
	if err := n.AddPeers(ih.HexString(), net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort))); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := n.WaitInfo(ctx, ih.HexString()); err != nil {
		t.Fatalf("metadata from Transmission: %v", err)
	}
	fs, err := n.Files(ih.HexString())
	if err != nil || len(fs) != 2 {
		t.Fatalf("files: %+v, %v", fs, err)
	}
	t.Logf("metadata (%d bytes) after %v", len(mi.InfoBytes), time.Since(start).Round(time.Millisecond))
}
