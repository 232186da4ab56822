package ui

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/player"
)

// standInOpener puts an xdg-open first on PATH that appends each call to
// the returned file: a line "argc=N", then each argument on a line.
func standInOpener(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("the stand-in is an xdg-open shell script")
	}
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	script := "#!/bin/sh\n{ echo \"argc=$#\"; for a in \"$@\"; do printf '%s\\n' \"$a\"; done; } >>'" + calls + "'\n"
	if err := os.WriteFile(filepath.Join(dir, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return calls
}

// waitOpened waits until the stand-in was called exactly with links, one
// argument each, in order, and nothing else.
func waitOpened(t *testing.T, calls string, links ...string) {
	t.Helper()
	var want strings.Builder
	for _, l := range links {
		want.WriteString("argc=1\n" + l + "\n")
	}
	var got []byte
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, _ = os.ReadFile(calls)
		if string(got) == want.String() || time.Now().After(deadline) || !strings.HasPrefix(want.String(), string(got)) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if string(got) != want.String() {
		t.Fatalf("the opener was called with\n%s\nwant\n%s", got, want.String())
	}
}

func TestOpenerCommandFor(t *testing.T) {
	const link = "https://example.org/pay?a=1&b=$(id)"
	for _, tc := range []struct {
		goos string
		want []string
	}{
		{"linux", []string{"xdg-open", link}},
		{"freebsd", []string{"xdg-open", link}},
		{"darwin", []string{"open", link}},
		{"windows", []string{"rundll32", "url.dll,FileProtocolHandler", link}},
	} {
		if cmd := openerCommandFor(tc.goos, link); !slices.Equal(cmd.Args, tc.want) {
			t.Errorf("%s: openerCommandFor runs %q, want %q", tc.goos, cmd.Args, tc.want)
		}
	}
}

// TestOpenLink: the desktop's opener (a stand-in on PATH) gets exactly the
// signed link as one argument, shell characters and all; a link outside
// the allow-list never runs it.
func TestOpenLink(t *testing.T) {
	calls := standInOpener(t)
	for _, bad := range []string{"javascript:alert(1)", "JavaScript:alert(1)", "file:///etc/passwd", "data:text/html,x", "vbscript:msgbox(1)", "", "/etc/passwd", "https://example.org/ x"} {
		if err := openLink(bad); err == nil || !strings.HasPrefix(err.Error(), "not opened: ") {
			t.Errorf("openLink(%q) = %v, want it refused", bad, err)
		}
	}
	web := "https://example.org/pay?a=1&b=$(touch%20x);c='d'#e"
	pay := "bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.001&label=Night%20Choir"
	if err := openLink(web); err != nil {
		t.Fatal(err)
	}
	waitOpened(t, calls, web) // and not one refused link before it
	if err := openLink(pay); err != nil {
		t.Fatal(err)
	}
	waitOpened(t, calls, web, pay)
}

// TestSupportTheArtist: a creator's channel on a loopback DHT has two
// support links. On the channel page "Support the artist" lists them and
// opens the one chosen, exactly as signed, with the desktop's opener (a
// stand-in on PATH); while the channel's release plays, the now-playing bar
// offers the same. One link opens at once; links outside the allow-list
// show no button and open nothing.
func TestSupportTheArtist(t *testing.T) {
	calls := standInOpener(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	creator, _ := openDHTCore(t, ctx, "127.0.0.2", d.Addrs()[:1])
	link, err := creator.CreateChannel(ctx, "Night Choir")
	if err != nil {
		t.Fatal(err)
	}
	album := filepath.Join(t.TempDir(), "album")
	makeAlbum(t, album, "Loopback Sessions", "The Peers", 1)
	if pub, err := creator.Publish(ctx, album); err != nil || pub.Announced == 0 {
		t.Fatalf("publish: %+v, %v", pub, err)
	}
	web := "https://liberapay.com/nightchoir/donate?a=1&b=2"
	tip := "bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.001"
	links := []channel.Link{{Title: "Liberapay", URL: web}, {Title: "Tip in bitcoin", URL: tip}}
	if pub, err := creator.EditProfile(ctx, channel.Profile{Name: "Night Choir", Links: links}); err != nil || pub.Announced == 0 {
		t.Fatalf("EditProfile: %+v, %v", pub, err)
	}
	mine, err := creator.MyChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	release := mine.Index.Releases[0].InfoHash

	core, opts := openDHTCore(t, ctx, "127.0.0.3", d.Addrs()[1:2])
	// attachWindow, with the landmarks on before the views are made, as
	// Run does (the now-playing bar marks its button when made).
	mw := NewMainWindow(test.NewTempApp(t), opts)
	mw.enableLandmarks()
	mw.Attach(core)
	t.Cleanup(func() {
		mw.Close()
		mw.Window().Close()
	})
	if err := core.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	mw.Window().Resize(fyne.NewSize(1100, 700))
	var shown bool
	onUIWait(func() { shown = mw.nowPlaying.support.Visible() })
	if shown {
		t.Fatal("the now-playing bar offers Support the artist with nothing playing")
	}

	pasteLink(t, mw, link)
	p := openedPage(t, mw)
	support := pageButton(t, p, supportText)
	// The page's landmarks are marked when it is laid out, which may come
	// a frame after its button exists (CI beside stress-ng saw it late).
	eventually(t, "the landmark button:"+supportText+" on the channel page", func() bool {
		var marks map[string]Landmark
		onUIWait(func() { marks = mw.Landmarks() })
		_, ok := marks["button:"+supportText]
		return ok
	})
	tap(support)
	var said []string
	eventually(t, "the Support dialog", func() bool { said = overlayTexts(mw); return len(said) > 0 })
	for _, l := range links {
		if !slices.Contains(said, l.URL) || !slices.Contains(said, l.Title) {
			t.Fatalf("the Support dialog does not show %s (%s): %q", l.Title, l.URL, said)
		}
	}
	tapOverlayButton(t, mw, "Liberapay")
	waitOpened(t, calls, web)

	// The release plays: the bar offers its channel's links.
	tap(pageButton(t, p, "Play"))
	eventually(t, "the release added", func() bool {
		_, err := core.Node().Stats(release)
		return err == nil
	})
	if err := core.Node().AddPeers(release, creator.Node().Addr()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Support the artist on the now-playing bar", func() bool {
		onUIWait(func() { shown = mw.nowPlaying.support.Visible() })
		return shown
	})
	var marks map[string]Landmark
	onUIWait(func() {
		// The GL driver lays out again when a minimum size changes (a
		// button shown); the test driver only on a refresh.
		mw.Window().Content().Refresh()
		marks = mw.Landmarks()
	})
	if _, ok := marks["nowplaying:"+supportText]; !ok {
		t.Errorf("no landmark nowplaying:%s while the release plays", supportText)
	}
	tap(mw.nowPlaying.support)
	tapOverlayButton(t, mw, "Tip in bitcoin")
	waitOpened(t, calls, web, tip)

	// One link opens at once; none allowed shows no button and opens nothing.
	one := "https://ko-fi.com/nightchoir"
	onUIWait(func() {
		mw.supportArtist("Solo", []channel.Link{{Title: "Ko-fi", URL: one}, {Title: "Run", URL: "javascript:alert(1)"}})
	})
	waitOpened(t, calls, web, tip, one)
	onUIWait(func() {
		mw.showSupport(p.support, "Bad", []channel.Link{{URL: "javascript:alert(1)"}, {URL: "file:///etc/passwd"}})
		shown = p.support.Visible()
		mw.supportArtist("Bad", []channel.Link{{URL: "JavaScript:alert(1)"}, {URL: "data:text/html,x"}})
	})
	if shown {
		t.Fatal("Support the artist shown for links outside the allow-list")
	}
	if err := openLink(one); err != nil { // a last call: nothing was run between
		t.Fatal(err)
	}
	waitOpened(t, calls, web, tip, one, one)
}

// overlayTexts are the texts of the dialog in front.
func overlayTexts(mw *MainWindow) []string {
	var top fyne.CanvasObject
	onUIWait(func() { top = mw.Window().Canvas().Overlays().Top() })
	if top == nil {
		return nil
	}
	return texts(top)
}
