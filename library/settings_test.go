package library

import (
	"reflect"
	"testing"
	"time"
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
