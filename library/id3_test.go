package library

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// id3v23 builds an ID3v2.3 tag from text frames (ID → ISO-8859-1 text).
func id3v23(frames [][2]string) []byte {
	var body bytes.Buffer
	for _, f := range frames {
		body.WriteString(f[0])
		data := append([]byte{0}, f[1]...)
		_ = binary.Write(&body, binary.BigEndian, uint32(len(data)))
		body.Write([]byte{0, 0})
		body.Write(data)
	}
	return append(id3Header(body.Len()), body.Bytes()...)
}

// id3Header is an ID3v2.3 header declaring size bytes of frames.
func id3Header(size int) []byte {
	return []byte{'I', 'D', '3', 3, 0, 0,
		byte(size>>21) & 0x7f, byte(size>>14) & 0x7f, byte(size>>7) & 0x7f, byte(size) & 0x7f}
}

// writeMP3WithTags writes a file that tag readers take for a tagged MP3:
// an ID3v2.3 tag followed by MPEG frame headers.
func writeMP3WithTags(t *testing.T, path, title, artist string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	b := id3v23([][2]string{{"TIT2", title}, {"TPE1", artist}})
	frame := make([]byte, 417)
	frame[0], frame[1], frame[2] = 0xff, 0xfb, 0x90
	for range 20 {
		b = append(b, frame...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
