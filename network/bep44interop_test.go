package network

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// bittorrentDHTModules is the node_modules folder holding the npm
// bittorrent-dht package: installed with webtorrent-cli into .tools (or
// named by SWARMTONE_NODE_MODULES).
func bittorrentDHTModules(t *testing.T) string {
	t.Helper()
	dirs := []string{os.Getenv("SWARMTONE_NODE_MODULES")}
	if root, err := filepath.Abs(".."); err == nil {
		dirs = append(dirs, filepath.Join(root, ".tools", "webtorrent", "node_modules"))
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "bittorrent-dht", "index.js")); err == nil {
			return d
		}
	}
	testtool.Missing(t, "the npm package bittorrent-dht is not installed", "tools/deps.sh test (it comes with webtorrent-cli into .tools/webtorrent)")
	return ""
}

// runBep44Peer runs testdata/bep44peer.mjs and decodes its JSON line.
func runBep44Peer(t *testing.T, ctx context.Context, node, modules string, boot []string, args ...string) map[string]any {
	t.Helper()
	cmd := exec.CommandContext(ctx, node, append([]string{"testdata/bep44peer.mjs", modules, strings.Join(boot, ",")}, args...)...)
	out, err := cmd.Output()
	var res map[string]any
	if jerr := json.Unmarshal(out, &res); jerr != nil || err != nil || res["error"] != nil {
		t.Fatalf("bittorrent-dht %s: %v, %s %v", args[0], err, out, res["error"])
	}
	return res
}

// TestBittorrentDHTInterop: the DHT webtorrent uses (npm bittorrent-dht)
// gets and verifies an item we put, and we get and verify an item it puts
// (a BEP 46 ih value), on a 20-node loopback DHT.
func TestBittorrentDHTInterop(t *testing.T) {
	node := testtool.NeedOne(t, "node")
	modules := bittorrentDHTModules(t)
	d := startLoopDHT(t, 20)
	boot := d.Addrs()[:3]
	n, _ := dhtNode(t, t.TempDir(), boot, nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	salt := []byte("swarmtone")

	priv := newKey(t)
	ours := [20]byte{0xde, 0xad, 19: 1}
	it, err := SignItem(priv, salt, 3, Bep46Value(ours))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.PutItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	pub := pubOf(priv)
	got := runBep44Peer(t, ctx, node, modules, boot, "get", hex.EncodeToString(pub[:]), hex.EncodeToString(salt))
	if got["seq"] != float64(3) || got["ih"] != hex.EncodeToString(ours[:]) {
		t.Fatalf("bittorrent-dht got %v, want seq 3 ih %x", got, ours)
	}

	theirKey := newKey(t)
	theirs := [20]byte{0xbe, 0xef, 19: 2}
	put := runBep44Peer(t, ctx, node, modules, boot, "put", hex.EncodeToString(theirKey.Seed()), hex.EncodeToString(salt), hex.EncodeToString(theirs[:]), "5")
	if stored, _ := put["stored"].(float64); stored == 0 {
		t.Fatalf("bittorrent-dht stored its item on no node: %v", put)
	}
	item, err := n.GetItem(ctx, pubOf(theirKey), salt, 0)
	if err != nil {
		t.Fatal(err)
	}
	ih, err := ParseBep46Value(item.Value)
	if err != nil || item.Seq != 5 || ih != theirs {
		t.Fatalf("we got seq %d ih %x (%v) from bittorrent-dht's item, want seq 5 ih %x", item.Seq, ih, err, theirs)
	}
}
