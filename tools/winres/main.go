// Command winres writes the Windows resources of swarmtone.exe from
// FyneApp.toml and its icon: an .ico (PNG frames, as Windows Vista and later
// read them), a manifest and a resource script for mingw's windres, which
// compiles them into the .syso that `go build` links into package main.
// Nothing it makes is committed: `make windows` runs it on every build, so
// the version in the exe is always the one in FyneApp.toml.
//
//	go run ./tools/winres -toml FyneApp.toml -out build/winres
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/image/draw"

	"github.com/swarmtone/swarmtone/app"
)

func main() {
	toml := flag.String("toml", "FyneApp.toml", "the app's FyneApp.toml")
	out := flag.String("out", "build/winres", "folder for swarmtone.rc, .ico and .manifest")
	flag.Parse()
	if err := run(*toml, *out); err != nil {
		slog.Error("winres", "err", err)
		os.Exit(1)
	}
}

func run(tomlPath, out string) error {
	raw, err := os.ReadFile(tomlPath)
	if err != nil {
		return err
	}
	meta, err := app.ParseMetadata(raw)
	if err != nil {
		return err
	}
	iconPath := iconOf(raw, filepath.Dir(tomlPath))
	src, err := os.ReadFile(iconPath)
	if err != nil {
		return fmt.Errorf("reading the icon FyneApp.toml names: %w", err)
	}
	ico, err := ICO(src, []int{16, 24, 32, 48, 64, 256})
	if err != nil {
		return fmt.Errorf("%s: %w", iconPath, err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	files := map[string][]byte{
		"swarmtone.ico":      ico,
		"swarmtone.manifest": []byte(Manifest(meta)),
		"swarmtone.rc":       []byte(RC(meta, "swarmtone.ico", "swarmtone.manifest")),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// iconOf is the Icon key of [Details] (relative to the toml's folder).
func iconOf(toml []byte, dir string) string {
	for _, line := range strings.Split(string(toml), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "Icon" {
			return filepath.Join(dir, strings.Trim(strings.TrimSpace(v), `"`))
		}
	}
	return filepath.Join(dir, "Icon.png")
}

// ICO makes an icon file with one PNG frame per size from a PNG source.
func ICO(srcPNG []byte, sizes []int) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(srcPNG))
	if err != nil {
		return nil, fmt.Errorf("decoding the icon: %w", err)
	}
	frames := make([][]byte, len(sizes))
	for i, s := range sizes {
		if s < 1 || s > 256 {
			return nil, fmt.Errorf("icon size %d: want 1 to 256", s)
		}
		dst := image.NewNRGBA(image.Rect(0, 0, s, s))
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
		var b bytes.Buffer
		if err := png.Encode(&b, dst); err != nil {
			return nil, err
		}
		frames[i] = b.Bytes()
	}
	// ICONDIR, then one 16-byte ICONDIRENTRY per frame, then the frames.
	var b bytes.Buffer
	le := binary.LittleEndian
	b.Write(le.AppendUint16(nil, 0))
	b.Write(le.AppendUint16(nil, 1))
	b.Write(le.AppendUint16(nil, uint16(len(frames))))
	offset := 6 + 16*len(frames)
	for i, f := range frames {
		dim := byte(sizes[i] % 256) // 0 means 256
		b.Write([]byte{dim, dim, 0, 0})
		b.Write(le.AppendUint16(nil, 1))  // planes
		b.Write(le.AppendUint16(nil, 32)) // bits per pixel
		b.Write(le.AppendUint32(nil, uint32(len(f))))
		b.Write(le.AppendUint32(nil, uint32(offset)))
		offset += len(f)
	}
	for _, f := range frames {
		b.Write(f)
	}
	return b.Bytes(), nil
}

// versionWords turns "1.2.3" and build "4" into the four numbers of a
// VERSIONINFO (missing parts are 0).
func versionWords(version, build string) [4]uint16 {
	var w [4]uint16
	for i, p := range strings.SplitN(version, ".", 3) {
		n, _ := strconv.ParseUint(strings.TrimLeft(p, "v"), 10, 16)
		w[i] = uint16(n)
	}
	n, _ := strconv.ParseUint(build, 10, 16)
	w[3] = uint16(n)
	return w
}

// rcString quotes s for a resource script.
func rcString(s string) string {
	return `"` + strings.NewReplacer(`"`, `""`, `\`, `\\`).Replace(s) + `"`
}

// RC is the resource script: the icon (the first icon group is the one
// Explorer shows), the manifest, and the version resource.
func RC(m app.Metadata, ico, manifest string) string {
	w := versionWords(m.Version, m.Build)
	num := fmt.Sprintf("%d,%d,%d,%d", w[0], w[1], w[2], w[3])
	dotted := fmt.Sprintf("%d.%d.%d.%d", w[0], w[1], w[2], w[3])
	name := m.Name
	if name == "" {
		name = "Swarmtone"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#pragma code_page(65001)\n")
	fmt.Fprintf(&b, "1 ICON %s\n", rcString(ico))
	fmt.Fprintf(&b, "1 24 %s\n", rcString(manifest))
	fmt.Fprintf(&b, "1 VERSIONINFO\nFILEVERSION %s\nPRODUCTVERSION %s\nFILEFLAGSMASK 0x3f\nFILEFLAGS 0\nFILEOS 0x40004\nFILETYPE 1\nFILESUBTYPE 0\nBEGIN\n", num, num)
	fmt.Fprintf(&b, "  BLOCK \"StringFileInfo\"\n  BEGIN\n    BLOCK \"040904B0\"\n    BEGIN\n")
	for _, kv := range [][2]string{
		{"CompanyName", name},
		{"FileDescription", name + ": music shared peer-to-peer"},
		{"FileVersion", dotted},
		{"InternalName", "swarmtone"},
		{"OriginalFilename", "swarmtone.exe"},
		{"ProductName", name},
		{"ProductVersion", m.Version},
	} {
		fmt.Fprintf(&b, "      VALUE %s, %s\n", rcString(kv[0]), rcString(kv[1]))
	}
	fmt.Fprintf(&b, "    END\n  END\n  BLOCK \"VarFileInfo\"\n  BEGIN\n    VALUE \"Translation\", 0x409, 1200\n  END\nEND\n")
	return b.String()
}

// Manifest asks for no elevation, per-monitor DPI awareness (Fyne scales
// itself) and the modern common controls (for native dialogs).
func Manifest(m app.Metadata) string {
	w := versionWords(m.Version, m.Build)
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">
  <assemblyIdentity type="win32" name="%s" version="%d.%d.%d.%d" processorArchitecture="amd64"/>
  <trustInfo xmlns="urn:schemas-microsoft-com:asm.v3">
    <security><requestedPrivileges><requestedExecutionLevel level="asInvoker" uiAccess="false"/></requestedPrivileges></security>
  </trustInfo>
  <application xmlns="urn:schemas-microsoft-com:asm.v3">
    <windowsSettings>
      <dpiAware xmlns="http://schemas.microsoft.com/SMI/2005/WindowsSettings">true/pm</dpiAware>
      <dpiAwareness xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">permonitorv2,permonitor</dpiAwareness>
    </windowsSettings>
  </application>
  <dependency>
    <dependentAssembly>
      <assemblyIdentity type="win32" name="Microsoft.Windows.Common-Controls" version="6.0.0.0" processorArchitecture="*" publicKeyToken="6595b64144ccf1df" language="*"/>
    </dependentAssembly>
  </dependency>
</assembly>
`, m.ID, w[0], w[1], w[2], w[3])
}
