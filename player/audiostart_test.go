package player

import "testing"

// TestAudioStart: where the player starts reading the audio, from a file's
// first bytes: past an ID3v2 tag (and its footer when flagged), else at 0.
func TestAudioStart(t *testing.T) {
	for _, tc := range []struct {
		name string
		head []byte
		want int64
	}{
		{"ID3v2.3 tag of 1,000 bytes", []byte{'I', 'D', '3', 3, 0, 0, 0, 0, 0x07, 0x68}, 10 + 1000},
		{"ID3v2.4 tag with a footer", []byte{'I', 'D', '3', 4, 0, 0x10, 0, 0, 0x07, 0x68}, 10 + 1000 + 10},
		{"largest tag", []byte{'I', 'D', '3', 4, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f}, 10 + 1<<28 - 1},
		{"size bytes' high bits ignored", []byte{'I', 'D', '3', 3, 0, 0, 0x80, 0x80, 0x80, 0x81}, 10 + 1},
		{"more bytes than the header", []byte{'I', 'D', '3', 3, 0, 0, 0, 0, 0, 5, 'T', 'I', 'T', '2'}, 15},
		{"FLAC", []byte("fLaC\x00\x00\x00\x22\x10\x00"), 0},
		{"MP3 frame", []byte{0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0, 0, 0}, 0},
		{"tag header cut short", []byte{'I', 'D', '3', 3, 0, 0, 0, 0, 0}, 0},
		{"empty", nil, 0},
	} {
		if got := AudioStart(tc.head); got != tc.want {
			t.Errorf("%s: AudioStart(% x) = %d, want %d", tc.name, tc.head, got, tc.want)
		}
	}
}
