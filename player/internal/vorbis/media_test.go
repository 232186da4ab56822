package vorbis

import (
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/player/internal/testmedia"
)

// writeWAV writes float samples (per channel, in [-1, 1]) as a 16-bit WAV,
// WAVE_FORMAT_EXTENSIBLE with the default speaker mask above 2 channels.
func writeWAV(t testing.TB, path string, pcm [][]float64, rate int) {
	t.Helper()
	ch, n := len(pcm), len(pcm[0])
	data := make([]byte, 0, n*ch*2)
	for i := range n {
		for c := range ch {
			v := int16(max(min(math.Round(pcm[c][i]*32767), 32767), -32768))
			data = binary.LittleEndian.AppendUint16(data, uint16(v))
		}
	}
	f := testmedia.WAVFormat{Tag: 1, Channels: ch, Rate: rate, Bits: 16}
	if ch > 2 { // WAVE_FORMAT_EXTENSIBLE with the default speaker mask
		f.Mask = map[int]uint32{3: 0x7, 4: 0x33, 5: 0x37, 6: 0x3F, 7: 0x13F, 8: 0x63F}[ch]
	}
	b := testmedia.WAV(f, data)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// encodeOgg encodes pcm with tool ("oggenc" or "ffmpeg", whose libvorbis
// is used) and the given arguments; it returns the Ogg file's path.
func encodeOgg(t testing.TB, pcm [][]float64, rate int, tool string, args ...string) string {
	t.Helper()
	testtool.NeedOne(t, tool)
	dir := t.TempDir()
	wav, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.ogg")
	writeWAV(t, wav, pcm, rate)
	var cmd *exec.Cmd
	if tool == "oggenc" {
		cmd = exec.Command("oggenc", append(append([]string{"-Q", "-o", out}, args...), wav)...)
	} else {
		cmd = exec.Command("ffmpeg", append(append([]string{"-v", "error", "-y", "-i", wav, "-c:a", "libvorbis"}, args...), out)...)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, b)
	}
	return out
}
