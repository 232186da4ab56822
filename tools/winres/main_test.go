package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/assets"
)

func TestICOHoldsEverySize(t *testing.T) {
	sizes := []int{16, 32, 48, 256}
	ico, err := ICO(assets.Icon, sizes)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if le.Uint16(ico[0:]) != 0 || le.Uint16(ico[2:]) != 1 || int(le.Uint16(ico[4:])) != len(sizes) {
		t.Fatalf("bad ICONDIR % x", ico[:6])
	}
	for i, want := range sizes {
		e := ico[6+16*i:]
		dim := int(e[0])
		if dim == 0 {
			dim = 256
		}
		size, off := le.Uint32(e[8:]), le.Uint32(e[12:])
		if int(off)+int(size) > len(ico) {
			t.Fatalf("frame %d: %d bytes at %d run past the %d-byte file", i, size, off, len(ico))
		}
		img, err := png.Decode(bytes.NewReader(ico[off : off+size]))
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if b := img.Bounds(); dim != want || b.Dx() != want || b.Dy() != want {
			t.Errorf("frame %d: entry says %d, PNG is %v; want %d", i, dim, b, want)
		}
	}
}

func TestICORefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		png   []byte
		sizes []int
	}{
		{"not a PNG", []byte("GIF89a"), []int{16}},
		{"too big", assets.Icon, []int{512}},
		{"zero", assets.Icon, []int{0}},
	} {
		if _, err := ICO(tc.png, tc.sizes); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestVersionWords(t *testing.T) {
	for _, tc := range []struct {
		version, build string
		want           [4]uint16
	}{
		{"0.1.0", "1", [4]uint16{0, 1, 0, 1}},
		{"1.2", "", [4]uint16{1, 2, 0, 0}},
		{"v2.10.3", "17", [4]uint16{2, 10, 3, 17}},
		{"1.2.3-beta", "x", [4]uint16{1, 2, 0, 0}},
	} {
		if got := versionWords(tc.version, tc.build); got != tc.want {
			t.Errorf("versionWords(%q, %q) = %v, want %v", tc.version, tc.build, got, tc.want)
		}
	}
}

// TestRunWritesFromFyneAppTOML runs the tool on the real FyneApp.toml.
func TestRunWritesFromFyneAppTOML(t *testing.T) {
	raw, err := os.ReadFile("../../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	meta, err := app.ParseMetadata(raw)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := run("../../FyneApp.toml", out); err != nil {
		t.Fatal(err)
	}
	rc, err := os.ReadFile(filepath.Join(out, "swarmtone.rc"))
	if err != nil {
		t.Fatal(err)
	}
	w := versionWords(meta.Version, meta.Build)
	for _, want := range []string{
		`1 ICON "swarmtone.ico"`,
		`1 24 "swarmtone.manifest"`,
		`VALUE "ProductVersion", "` + meta.Version + `"`,
		fmt.Sprintf("FILEVERSION %d,%d,%d,%d", w[0], w[1], w[2], w[3]),
	} {
		if !strings.Contains(string(rc), want) {
			t.Errorf("swarmtone.rc lacks %q:\n%s", want, rc)
		}
	}
	manifest, err := os.ReadFile(filepath.Join(out, "swarmtone.manifest"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(manifest), `name="`+meta.ID+`"`) {
		t.Errorf("manifest does not name %s:\n%s", meta.ID, manifest)
	}
}
