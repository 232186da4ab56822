package library

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

func TestSettingsDefaultsAndRoundTrip(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	got, err := l.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, DefaultSettings()) {
		t.Errorf("new library settings %+v, want defaults", got)
	}
	if err := DefaultSettings().Validate(); err != nil {
		t.Errorf("defaults are invalid: %v", err)
	}
	s := DefaultSettings()
	s.MusicFolders = []string{"/a", "/b"}
	s.ListenPort = 51413
	s.DHT = false
	s.Encryption = "require"
	s.Proxy = "socks5://127.0.0.1:9050"
	s.Anonymous = true
	s.UploadLimit = 1 << 20
	s.SeedRatio, s.SeedHours = 1.5, 48
	s.ReplayGain = "album"
	s.Theme = "dark"
	s.Volume = 0.25
	if err := l.SaveSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got, _ = l.Settings(ctx); !reflect.DeepEqual(got, s) {
		t.Errorf("stored %+v, read %+v", s, got)
	}
	bad := []func(*Settings){
		func(s *Settings) { s.ListenPort = 70000 },
		func(s *Settings) { s.Encryption = "maybe" },
		func(s *Settings) { s.ReplayGain = "loud" },
		func(s *Settings) { s.Theme = "pink" },
		func(s *Settings) { s.Volume = 1.5 },
		func(s *Settings) { s.DownloadLimit = -1 },
		func(s *Settings) { s.Proxy = "" },
	}
	for i, spoil := range bad {
		b := s
		spoil(&b)
		if err := l.SaveSettings(ctx, b); err == nil {
			t.Errorf("bad settings %d saved", i)
		}
	}
}

// TestSettingsValidateNamesTheField: every value out of range is refused
// with an error that names the setting, and the edges are accepted.
func TestSettingsValidateNamesTheField(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(*Settings)
		want  string // in the error; "" for valid
	}{
		{"port 0 (a free one)", func(s *Settings) { s.ListenPort = 0 }, ""},
		{"port 65535", func(s *Settings) { s.ListenPort = 65535 }, ""},
		{"port negative", func(s *Settings) { s.ListenPort = -1 }, "listen port -1"},
		{"port huge", func(s *Settings) { s.ListenPort = 1 << 40 }, "listen port"},
		{"upload negative", func(s *Settings) { s.UploadLimit = -5 }, "upload limit -5"},
		{"download negative", func(s *Settings) { s.DownloadLimit = -1 }, "download limit -1"},
		{"ratio 1", func(s *Settings) { s.SeedRatio = 1 }, ""},
		{"ratio at the cap", func(s *Settings) { s.SeedRatio = MaxSeedRatio }, ""},
		{"ratio negative", func(s *Settings) { s.SeedRatio = -0.5 }, "seed ratio -0.5"},
		{"ratio huge", func(s *Settings) { s.SeedRatio = 1e300 }, "seed ratio"},
		{"ratio NaN", func(s *Settings) { s.SeedRatio = math.NaN() }, "seed ratio NaN"},
		{"ratio infinite", func(s *Settings) { s.SeedRatio = math.Inf(1) }, "seed ratio"},
		{"hours 0.5", func(s *Settings) { s.SeedHours = 0.5 }, ""},
		{"hours negative", func(s *Settings) { s.SeedHours = -1 }, "seed time -1 hours"},
		{"hours huge", func(s *Settings) { s.SeedHours = MaxSeedHours + 1 }, "seed time"},
		{"hours NaN", func(s *Settings) { s.SeedHours = math.NaN() }, "seed time"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			tc.spoil(&s)
			err := s.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("accepted %+v", s)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// TestSettingsRecordsOfEarlierVersions: a record saved before the seeding
// limits and before port 0 meant a free port reads as it behaved then
// (port 0 was the fixed default port; no seeding limits), and one saved now
// keeps 0 as a free port.
func TestSettingsRecordsOfEarlierVersions(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	cases := []struct {
		raw       string
		port      int
		ratio     float64
		seedHours float64
	}{
		{`{"listen_port":0,"encryption":"prefer","replaygain":"track","theme":"system","volume":0.8}`, DefaultListenPort, 0, 0},
		{`{"listen_port":6881}`, 6881, 0, 0},
		{`{}`, DefaultListenPort, 0, 0},
		{`{"listen_port":0,"settings_version":1,"seed_ratio":2,"seed_hours":1.5}`, 0, 2, 1.5},
	}
	for _, tc := range cases {
		if err := l.update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketSettings).Put(keySettings, []byte(tc.raw)) }); err != nil {
			t.Fatal(err)
		}
		s, err := l.Settings(ctx)
		if err != nil {
			t.Fatalf("%s: %v", tc.raw, err)
		}
		if s.ListenPort != tc.port || s.SeedRatio != tc.ratio || s.SeedHours != tc.seedHours {
			t.Errorf("%s read as port %d, ratio %v, %v hours; want %d, %v, %v", tc.raw, s.ListenPort, s.SeedRatio, s.SeedHours, tc.port, tc.ratio, tc.seedHours)
		}
	}
	// Port 0 chosen now survives a save and a read.
	s := DefaultSettings()
	s.ListenPort = 0
	if err := l.SaveSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got, err := l.Settings(ctx); err != nil || got.ListenPort != 0 {
		t.Fatalf("port 0 saved, read back %d (%v)", got.ListenPort, err)
	}
}

func TestTorrentRecords(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	a := TorrentRecord{InfoHash: [20]byte{1}, Name: "Album", Metainfo: []byte("d4:infod...ee"), Folder: "/music/Album", Origin: Shared}
	b := TorrentRecord{InfoHash: [20]byte{2}, Name: "Friend", Folder: "/dl", Origin: Fetched, Magnet: "magnet:?xt=urn:btih:02", Added: time.Unix(5, 0)}
	for _, r := range []TorrentRecord{a, b} {
		if err := l.PutTorrent(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	all, err := l.Torrents(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("Torrents: %v, %v", all, err)
	}
	if all[0].InfoHash != a.InfoHash || string(all[0].Metainfo) != string(a.Metainfo) || all[0].Added.IsZero() || all[0].Origin != Shared {
		t.Errorf("shared record: %+v", all[0])
	}
	if got, err := l.Torrent(ctx, b.InfoHash); err != nil || got.Magnet != b.Magnet || !got.Added.Equal(b.Added) {
		t.Errorf("fetched record: %+v, %v", got, err)
	}
	if err := l.DeleteTorrent(ctx, a.InfoHash); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Torrent(ctx, a.InfoHash); err == nil {
		t.Error("deleted torrent still there")
	}
	if err := l.PutTorrent(ctx, TorrentRecord{Origin: "stolen"}); err == nil {
		t.Error("bad origin accepted")
	}
}
