package channel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

const ih = "0123456789abcdef0123456789abcdef01234567"

func sample() *Index {
	return &Index{
		Updated: 1764700000,
		Profile: Profile{Name: "Night Choir", Bio: "Field recordings.\n\nSupport us.", Links: []Link{{Title: "Support", URL: "https://example.org/support"}}},
		Releases: []Release{{
			InfoHash: ih, Title: "First Light", Artist: "Night Choir", Year: 2026, Published: 1764700000, Cover: 2,
			Tracks: []Track{{File: 0, Title: "Dawn", Duration: 183000}, {File: 1, Title: "Dusk", Duration: 201000}},
		}},
		Reposts:   []Repost{{Channel: "magnet:?xs=urn:btpk:" + strings.Repeat("cd", 32) + "&dn=Other", InfoHash: ih, Title: "Theirs", Artist: "Them", At: 1764700100}},
		Follows:   []Follow{{Channel: "magnet:?xs=urn:btpk:" + strings.Repeat("ab", 32), Name: "Friend"}},
		Playlists: []Playlist{{Title: "Best of", Entries: []PlaylistEntry{{InfoHash: ih, File: 1, Title: "One"}}}},
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	idx := sample()
	b, err := idx.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, idx) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, idx)
	}
}

// TestDecodeRefuses: every hostile or broken index is refused whole with
// the rule it broke named, quickly and without a crash.
func TestDecodeRefuses(t *testing.T) {
	enc := func(mod func(*Index)) []byte {
		idx := sample()
		idx.Schema = Schema
		mod(idx)
		b, err := jsonMarshal(idx)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	releases := func(n int) []Release {
		rs := make([]Release, n)
		for i := range rs {
			rs[i] = Release{InfoHash: ih, Title: "x"}
		}
		return rs
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a JSON object"},
		{"bencode bomb", append(bytes.Repeat([]byte("l"), 1<<20), bytes.Repeat([]byte("e"), 1<<20)...), "not a JSON object"},
		{"bencoded dict", []byte("d6:schema19:swarmtone.channel/1e"), "not a JSON object"},
		{"nesting bomb", append(append([]byte(`{"x":`), bytes.Repeat([]byte("["), 1<<20)...), bytes.Repeat([]byte("]"), 1<<20)...), "nested deeper"},
		{"ten million releases", append(append([]byte(`{"schema":"swarmtone.channel/1","releases":[`), bytes.Repeat([]byte("{},"), 10_000_000)...), "{}]}"...), "bytes (limit"},
		{"a million releases in 4 MiB", append(append([]byte(`{"schema":"swarmtone.channel/1","releases":[`), bytes.Repeat([]byte("{},"), 1_000_000)...), "{}]}"...), "more than"},
		{"a million numbers", append(append([]byte(`{"schema":"swarmtone.channel/1","releases":[`), bytes.Repeat([]byte("1,"), 1_000_000)...), "1]}"...), "a list of more than"},
		{"over the release cap", enc(func(i *Index) { i.Releases = releases(MaxReleases + 1) }), "releases (limit 5000)"},
		{"over the track cap", enc(func(i *Index) { i.Releases[0].Tracks = make([]Track, MaxTracks+1) }), "tracks (limit 500)"},
		{"no schema", enc(func(i *Index) { i.Schema = "" }), "is not a Swarmtone channel"},
		{"schema 2", enc(func(i *Index) { i.Schema = "swarmtone.channel/2" }), "version \"2\""},
		{"bad infohash", enc(func(i *Index) { i.Releases[0].InfoHash = "xyz" }), "is not 40 hex"},
		{"repost dated before 1970", enc(func(i *Index) { i.Reposts[0].At = -1 }), "repost 0:"},
		{"file web seed", enc(func(i *Index) { i.Releases[0].WebSeeds = []string{"file:///etc/passwd"} }), "web seed"},
		{"bad follow", enc(func(i *Index) { i.Follows[0].Channel = "magnet:?xt=urn:btih:" + ih }), "not a channel link"},
		{"negative file", enc(func(i *Index) { i.Playlists[0].Entries[0].File = -1 }), "playlist 0 entry 0"},
		{"trailing data", append(enc(func(*Index) {}), `{}`...), "data after"},
		{"not JSON", []byte(`{"schema": swarmtone}`), "invalid character"},
		{"unbalanced", []byte(`{]]]]`), "unbalanced"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idx, err := Decode(c.data)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Decode = %v, %v; want ErrInvalid naming %q", idx, err, c.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"  Night\tChoir \n", "Night Choir"},
		{"evil\u202Egnp.exe", "evilgnp.exe"},
		{"a\x1b[31mred", "a[31mred"},
		{"zero\u200Bwidth", "zerowidth"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{strings.Repeat("é", 200), strings.Repeat("é", 100)},
	} {
		if got := Text(c.in, 200); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Paragraphs("one\n\n\n\ntwo  \nthree", 100); got != "one\n\ntwo\nthree" {
		t.Errorf("Paragraphs = %q", got)
	}
}

// FuzzDecode: Decode never panics; what it accepts is within every cap,
// printable, and encodes to an index that decodes to the same.
func FuzzDecode(f *testing.F) {
	b, _ := sample().Encode()
	f.Add(b)
	f.Add([]byte(`{"schema":"swarmtone.channel/1","releases":[]}`))
	f.Add([]byte(`{"schema":"swarmtone.channel/1.3","profile":{"name":"\u202e x"},"releases":[{"ih":"` + strings.ToUpper(ih) + `"}]}`))
	f.Add([]byte(`{"a":"\"[[[["}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if len(idx.Releases) > MaxReleases || !utf8.ValidString(idx.Profile.Name) || strings.ContainsFunc(idx.Profile.Name, func(r rune) bool { return r < 0x20 }) {
			t.Fatalf("accepted index out of bounds: %+v", idx.Profile)
		}
		out, err := idx.Encode()
		if err != nil {
			t.Fatalf("accepted index does not encode: %v", err)
		}
		again, err := Decode(out)
		if err != nil || !reflect.DeepEqual(again, idx) {
			t.Fatalf("re-decoded index differs: %v\n%s", err, fmt.Sprint(again))
		}
	})
}

func jsonMarshal(idx *Index) ([]byte, error) { return json.Marshal(idx) }
