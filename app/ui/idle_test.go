package ui

import (
	"slices"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/library"
)

// recv waits up to 30 s for a value from ch.
func recv[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("gave up waiting for %s", what)
		panic("unreachable")
	}
}

// TestNowPlayingIdle: with nothing playing the now-playing bar follows no
// download (nothing polls, nothing redraws); a playing swarm track's
// downloaded parts are redrawn only when they change, and following stops
// when playback stops.
func TestNowPlayingIdle(t *testing.T) {
	mw, _ := openWindow(t)
	b := mw.nowPlaying
	reads := make(chan [][2]float64)
	var idle bool
	onUIWait(func() {
		idle = b.unfollow == nil && b.got.redrawn == 0
		b.followEvery = time.Millisecond
		b.downloaded = func(app.Track) [][2]float64 { return <-reads }
	})
	if !idle {
		t.Fatal("with nothing playing, the bar follows a download or has redrawn it")
	}

	swarm := app.Track{Title: "Remote", Swarm: &library.SwarmLocation{FileIndex: 0}}
	onUIWait(func() { b.followDownloaded(swarm) })
	half := [][2]float64{{0, 0.5}}
	more := [][2]float64{{0, 0.75}}
	// Each send returns once the follower took the value, so after the
	// fourth the first three have been handed to the UI goroutine (in order).
	for _, r := range [][][2]float64{half, half, more, more} {
		select {
		case reads <- r:
		case <-time.After(30 * time.Second):
			t.Fatal("the follower stopped reading the playing track's download")
		}
	}
	var redrawn int
	onUIWait(func() { redrawn = b.got.redrawn })
	if redrawn != 2 {
		t.Errorf("redrawn %d times for ranges half, half, more: want 2 (the same ranges are not redrawn)", redrawn)
	}

	onUIWait(func() { b.onPlayerEvent(app.PlayerEvent{Kind: app.PlayerStopped}) })
	onUIWait(func() { idle = b.unfollow == nil && len(b.got.ranges) == 0 })
	if !idle {
		t.Error("after playback stopped the bar still follows a download or shows one")
	}
	// A read the follower began before the stop may still be waiting for
	// its value: let it have one.
	select {
	case reads <- more:
	case <-time.After(200 * time.Millisecond):
	}
	// Not happening: the follower polled every 1 ms; 200 ms is 200 of its
	// periods, far more than a stopped follower could miss.
	select {
	case reads <- more:
		t.Error("the download is still read after playback stopped")
	case <-time.After(200 * time.Millisecond):
	}

	local := app.Track{Title: "Here", Path: "/music/here.flac"}
	onUIWait(func() {
		b.followDownloaded(local)
		idle = b.unfollow == nil && slices.Equal(b.got.ranges, [][2]float64{{0, 1}})
	})
	if !idle {
		t.Error("a track on disk is followed, or not shown whole")
	}
}

// TestTransfersHidden: a hidden Transfers view reads the stats of the
// downloads not yet complete (and of torrents just added), never all of
// them; a download that completes is announced; shown, it reads all of
// them at every tick.
func TestTransfersHidden(t *testing.T) {
	mw, _ := openWindow(t)
	// A second view on the same window, so the fakes are in place before
	// its loop starts; the loop ends with the window.
	var v *transfersView
	onUIWait(func() { v = newTransfersView(mw) })
	share := app.TorrentStats{InfoHash: "aa", Name: "Shared", Shared: true, Length: 10, Progress: 1}
	download := app.TorrentStats{InfoHash: "bb", Name: "Fetched", Length: 10, Progress: 0.5}
	added := app.TorrentStats{InfoHash: "cc", Name: "Added", Length: 10, Progress: 0.1}
	alls := make(chan int, 10000)
	somes := make(chan []string, 10000)
	done := make(chan bool, 1)
	announced := make(chan string, 10)
	n := 0
	v.every, v.slowEvery = time.Millisecond, time.Millisecond
	v.readAll = func() []app.TorrentStats {
		n++
		alls <- n
		return []app.TorrentStats{share, download}
	}
	v.readSome = func(ihs []string) []app.TorrentStats {
		somes <- slices.Sorted(slices.Values(ihs))
		select {
		case <-done:
			download.Progress = 1 // only this goroutine reads it
		default:
		}
		var out []app.TorrentStats
		for _, st := range []app.TorrentStats{share, download, added} {
			if slices.Contains(ihs, st.InfoHash) {
				out = append(out, st)
			}
		}
		return out
	}
	v.announce = func(_, content string) { announced <- content }
	v.start()

	if got := recv(t, "the first look", alls); got != 1 {
		t.Fatalf("read all %d times", got)
	}
	for range 3 {
		if got := recv(t, "a check of the pending download", somes); !slices.Equal(got, []string{"bb"}) {
			t.Fatalf("hidden, the view read %v, want only the pending download [bb]", got)
		}
	}
	done <- true
	if got := recv(t, "the announcement", announced); got != "Fetched is now on your disk and seeding." {
		t.Errorf("announced %q", got)
	}
	for len(somes) > 0 { // checks up to the one that found it complete
		<-somes
	}

	onUIWait(func() { v.setShown(true) })
	for range 3 {
		recv(t, "the shown view's refresh", alls)
	}
	onUIWait(func() {
		v.setShown(false)
		v.changed("cc")
	})
	for i := range 3 {
		if got := recv(t, "a check of the added torrent", somes); !slices.Equal(got, []string{"cc"}) {
			t.Fatalf("hidden, the view read %v, want only the added download [cc]", got)
		}
		if i == 0 {
			for len(alls) > 0 { // refreshes from before it was hidden
				<-alls
			}
		}
	}
	// Every read happens on the view's one loop, in turn: after these
	// checks no refresh was in flight, so any read of all is a fault.
	if len(alls) > 0 {
		t.Errorf("hidden, the view read every torrent's stats %d times", len(alls))
	}
	select {
	case got := <-announced:
		t.Errorf("announced %q again, or a torrent that did not finish", got)
	default:
	}
}
