package library

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

var (
	testArtists = []string{"Björk", "The Beatles", "Beyoncé", "Sigur Rós", "Motörhead", "Daft Punk", "Nina Simone", "Ólafur Arnalds"}
	testWords   = []string{"love", "night", "dance", "river", "light", "song", "blue", "heart", "dream", "fire", "rain", "home"}
	testGenres  = []string{"Rock", "Pop", "Jazz", "Électronique", "Folk"}
)

// syntheticTracks makes n deterministic local tracks numbered from first.
func syntheticTracks(first, n int) []Track {
	r := rand.New(rand.NewPCG(uint64(first), 99))
	out := make([]Track, n)
	for i := range out {
		k := first + i
		artist := testArtists[r.IntN(len(testArtists))]
		out[i] = Track{
			Title:       fmt.Sprintf("%s %s %d", testWords[r.IntN(len(testWords))], testWords[r.IntN(len(testWords))], k),
			Artist:      artist,
			Album:       fmt.Sprintf("Album %d", k/10),
			Genre:       testGenres[r.IntN(len(testGenres))],
			TrackNumber: k%10 + 1,
			DiscNumber:  1,
			Year:        1960 + k%60,
			Duration:    time.Duration(120+r.IntN(300)) * time.Second,
			Codec:       "flac",
			Path:        fmt.Sprintf("/music/%d/%d.flac", k/10, k),
			Size:        int64(1e6 + k),
			ModTime:     time.Unix(1_700_000_000+int64(k), 0),
		}
	}
	return out
}

func TestTrackCodecRoundTrip(t *testing.T) {
	ih := [20]byte{1, 2, 3}
	cases := []Track{
		{ID: 1},
		{ID: 2, Title: "Jóga", Artist: "Björk", Album: "Homogenic", AlbumArtist: "Björk", Genre: "Electronic",
			TrackNumber: 3, TrackTotal: 10, DiscNumber: 1, DiscTotal: 1, Year: 1997, Duration: 305 * time.Second,
			Codec: "flac", Bitrate: 900_000, SampleRate: 44100, Channels: 2, Size: 1 << 30,
			ReplayGain: ReplayGain{TrackGain: -6.5, TrackPeak: 0.98, AlbumGain: -7.25, AlbumPeak: 1, HasTrack: true, HasAlbum: true},
			ArtID:      "00112233445566778899aabbccddeeff", Path: "/m/j.flac", ModTime: time.Unix(5, 6), Missing: true,
			Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 7, Path: "Homogenic/03 Jóga.flac"},
			Added: time.Unix(10, 0), PlayCount: 42, LastPlayed: time.Unix(20, 1), Favourite: true},
	}
	for _, want := range cases {
		got, err := decodeTrack(want.ID, encodeTrack(&want))
		if err != nil {
			t.Fatalf("decode %d: %v", want.ID, err)
		}
		if !reflect.DeepEqual(normTimes(got), normTimes(want)) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
		// Every truncation is an error, never a panic.
		b := encodeTrack(&want)
		for n := range len(b) {
			if _, err := decodeTrack(want.ID, b[:n]); err == nil {
				t.Errorf("decoding %d of %d bytes gave no error", n, len(b))
			}
		}
	}
}

func normTimes(t Track) Track {
	for _, p := range []*time.Time{&t.ModTime, &t.Added, &t.LastPlayed} {
		if !p.IsZero() {
			*p = time.Unix(0, p.UnixNano())
		}
	}
	return t
}

func TestPutTracksMatchesAndKeepsUserData(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	ids := mustPut(t, l, Track{Title: "One", Artist: "A", Path: "/m/one.mp3", Size: 10, Favourite: true})
	if _, err := l.RecordPlay(ctx, ids[0], time.Unix(100, 0)); err != nil {
		t.Fatal(err)
	}
	// Same path, new tags: same ID, user data kept, tags updated.
	again := mustPut(t, l, Track{Title: "One (remaster)", Path: "/m/one.mp3", Size: 11})
	if again[0] != ids[0] {
		t.Fatalf("re-put by path gave ID %d, want %d", again[0], ids[0])
	}
	got := mustTrack(t, l, ids[0])
	if got.Title != "One (remaster)" || got.Artist != "A" || got.Size != 11 || got.PlayCount != 1 || !got.Favourite ||
		!got.LastPlayed.Equal(time.Unix(100, 0)) {
		t.Errorf("after update: %+v", got)
	}
	if n := trackCount(t, l); n != 1 {
		t.Errorf("count %d, want 1", n)
	}
	if _, err := l.Track(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Track(999) err %v, want ErrNotFound", err)
	}
}

// TestSwarmTrackCompletingToDiskKeepsIdentity follows a track from a magnet:
// added as swarm-only with its download destination, played, put in a
// playlist, then completed and imported from disk.
func TestSwarmTrackCompletingToDiskKeepsIdentity(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	ih := [20]byte{0xab, 0xcd}
	dir := t.TempDir()
	dest := filepath.Join(dir, "Album", "01 Song.mp3")
	ids := mustPut(t, l, Track{Title: "Song", Artist: "Friend", Path: dest, Missing: true,
		Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 0, Path: "Album/01 Song.mp3"}})
	id := ids[0]
	if _, err := l.RecordPlay(ctx, id, time.Unix(50, 0)); err != nil {
		t.Fatal(err)
	}
	pl, err := l.CreatePlaylist(ctx, "From a friend")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.AddToPlaylist(ctx, pl.ID, -1, id, id); err != nil {
		t.Fatal(err)
	}
	if tr := mustTrack(t, l, id); tr.Local() {
		t.Fatal("swarm track with no file reports Local")
	}

	// The file completes: the import of the download folder finds it by path.
	writeMP3WithTags(t, dest, "Song", "Friend")
	res, err := l.Import(ctx, []string{dir}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 0 || res.Updated != 1 {
		t.Errorf("import result %+v, want 1 updated, 0 added", res)
	}
	got := mustTrack(t, l, id)
	if !got.Local() || got.PlayCount != 1 || got.Swarm == nil || got.Swarm.InfoHash != ih {
		t.Errorf("completed track %+v: want local, play count 1, swarm location kept", got)
	}
	byS, err := l.TrackBySwarm(ctx, ih, 0)
	if err != nil || byS.ID != id {
		t.Errorf("TrackBySwarm = %d, %v; want %d", byS.ID, err, id)
	}
	p, _ := l.Playlist(ctx, pl.ID)
	if !reflect.DeepEqual(p.Items, []TrackID{id, id}) {
		t.Errorf("playlist items %v", p.Items)
	}
	if n := trackCount(t, l); n != 1 {
		t.Errorf("count %d, want 1", n)
	}

	ids2 := mustPut(t, l, Track{Title: "Other", Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 1}})
	in, err := l.TracksInTorrent(ctx, ih)
	if err != nil || len(in) != 2 || in[0].ID != id || in[1].ID != ids2[0] {
		t.Errorf("TracksInTorrent: %v, %v", in, err)
	}
}

// trackCount is the number of tracks in l.
func trackCount(t testing.TB, l *Library) int {
	t.Helper()
	n, err := countTracks(l)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// countTracks is the number of tracks in l (for a crash child, which has no
// testing.TB).
func countTracks(l *Library) (n int, err error) {
	err = l.view(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucketTracks).Stats().KeyN
		return nil
	})
	return n, err
}
