package app

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarmtone/swarmtone/player"
)

// TestSkipReason: the words a skipped track's notice gives for the errors
// the real decoders and file system return, never the track's internal
// number the player names it by.
func TestSkipReason(t *testing.T) {
	decodeErr := func(b []byte) error {
		_, err := player.NewDecoder(bytes.NewReader(b), "16")
		if err == nil {
			t.Fatalf("decoding %q: no error", b)
		}
		return err
	}
	_, openErr := os.Open(filepath.Join(t.TempDir(), "gone.flac"))
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"empty", decodeErr(nil), "file is empty"},
		{"random bytes", decodeErr(bytes.Repeat([]byte{0x13, 0x37}, 500)), "file is damaged"},
		{"FLAC header over nothing", decodeErr([]byte("fLaC")), "file is damaged"},
		{"Opus", decodeErr(append([]byte("OggS\x00\x02"), append(make([]byte, 22), "OpusHead"...)...)), "its format is not supported yet"},
		{"missing file", fmt.Errorf("16: opening: %w", openErr), "file is missing"},
		{"permission", fmt.Errorf("16: opening: %w", fs.ErrPermission), "file cannot be read (permission denied)"},
		{"swarm open", fmt.Errorf("16: opening: %w", fmt.Errorf("torrent dropped")), "it could not be opened"},
	}
	for _, c := range cases {
		got := skipReason(c.err)
		if got != c.want {
			t.Errorf("%s: skipReason(%v) = %q, want %q", c.name, c.err, got, c.want)
		}
		if strings.Contains(got, "16") {
			t.Errorf("%s: %q names the internal track number", c.name, got)
		}
	}
	if got := (Skip{Title: "Song", Reason: "file is damaged"}).Notice(); got != "Skipped “Song”: file is damaged" {
		t.Errorf("notice %q", got)
	}
}
