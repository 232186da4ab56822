package ui

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// maxFeedShown is how many feed entries the Channels view reads and draws.
const maxFeedShown = 100

// channelsView is the Channels entry of the sidebar: the feed (new
// releases of followed channels, newest first) and the channels followed;
// a channel's page opens in its place, and Back returns.
type channelsView struct {
	mw       *MainWindow
	object   *fyne.Container // home, or the page
	home     fyne.CanvasObject
	status   *widget.Label
	feedBox  *fyne.Container
	followed *fyne.Container
	suggest  *suggestionsBox // "Suggested" (discoversuggest.go)
	page     *channelPage    // nil on home
	reloads  int             // counts reloads, so only the newest one is shown

	feed     []app.FeedEntry
	channels []app.ChannelView
	// announced holds releases the Core said are new to the feed, until a
	// reload has read them and notified; seen holds releases the user saw
	// on a channel page, which need no notification.
	announced map[string]bool
	seen      map[string]bool
	notify    func(title, body string) // mw.notify; tests record
}

func newChannelsView(mw *MainWindow) *channelsView {
	v := &channelsView{mw: mw, announced: map[string]bool{}, seen: map[string]bool{}, notify: mw.notify}
	v.status = &widget.Label{Text: "Paste a channel link (Ctrl+V) to open a creator's channel and follow it.", Wrapping: fyne.TextWrapWord}
	openLink := &widget.Button{Text: "Open a channel link…", Icon: theme.ContentPasteIcon(), OnTapped: mw.showAddLink}
	mw.markFunc("button:Open a channel link…", func() (fyne.CanvasObject, bool) { return openLink, mw.shown(v.object) })
	v.feedBox = container.NewVBox()
	v.followed = container.NewVBox()
	heading := func(s string) *widget.Label {
		return &widget.Label{Text: s, SizeName: theme.SizeNameSubHeadingText, TextStyle: fyne.TextStyle{Bold: true}}
	}
	v.suggest = newSuggestionsBox(v)
	v.home = container.NewBorder(container.NewBorder(nil, nil, nil, openLink, v.status), nil, nil, nil, container.NewVScroll(container.NewVBox(
		heading("New releases"), v.feedBox, widget.NewSeparator(), v.suggest.object, heading("Following"), v.followed)))
	v.object = container.NewStack(v.home)
	v.reload()
	return v
}

// openChannel shows the page of a channel link (pasted, typed or given at
// start) in the Channels view. A link that is not a valid channel link is
// said in a dialog; nothing is added.
func (mw *MainWindow) openChannel(link string) {
	link = strings.TrimSpace(link)
	name, err := app.ChannelLinkName(link)
	if err != nil {
		mw.showError("Not a channel link", fmt.Errorf("%s\n\n%w", app.ChannelProblem(err), err))
		return
	}
	for i, vw := range mw.views {
		if vw.name == "Channels" {
			mw.sidebar.Select(i)
		}
	}
	mw.channels.openPage(link, name)
}

// openPage shows a channel's page, in place of the one open (if any).
func (v *channelsView) openPage(link, name string) {
	if v.page != nil {
		v.page.leave()
	}
	v.page = newChannelPage(v, link, name)
	v.show(v.page.object)
}

// closePage goes back to the feed (Back, Escape); it reports whether a
// page was open.
func (v *channelsView) closePage() bool {
	if v.page == nil {
		return false
	}
	v.page.leave()
	v.page = nil
	v.show(v.home)
	return true
}

func (v *channelsView) show(o fyne.CanvasObject) {
	v.mw.win.Canvas().Unfocus() // what had the keyboard went with the page
	v.object.Objects = []fyne.CanvasObject{o}
	v.object.Refresh()
}

// sawReleases notes the releases of a channel the user is looking at:
// following it adds them to the feed, but they are no news to notify.
func (v *channelsView) sawReleases(view app.ChannelView) {
	if view.Index == nil {
		return
	}
	for _, r := range view.Index.Releases {
		v.seen[strings.ToLower(r.InfoHash)] = true
	}
}

// newRelease is app.EventChannelUpdated: infoHash is new to the feed.
func (v *channelsView) newRelease(infoHash string) {
	v.announced[strings.ToLower(infoHash)] = true
	v.reload()
}

// reload reads the feed and the followed channels in the background.
func (v *channelsView) reload() {
	v.suggest.reload()
	v.reloads++
	gen := v.reloads
	mw := v.mw
	go func() {
		feed, ferr := mw.core.FollowedFeed(mw.ctx, maxFeedShown)
		chans, cerr := mw.core.FollowedChannels(mw.ctx)
		onUI(func() {
			if gen != v.reloads {
				return // a newer reload is on its way
			}
			if err := errors.Join(ferr, cerr); err != nil {
				if mw.ctx.Err() == nil {
					v.status.SetText("Could not read your channels: " + err.Error())
				}
				return
			}
			v.feed, v.channels = feed, chans
			v.draw()
			v.notifyNew()
		})
	}()
}

// draw rebuilds the feed and the list of channels followed.
func (v *channelsView) draw() {
	v.feedBox.RemoveAll()
	if len(v.feed) == 0 {
		v.feedBox.Add(&widget.Label{Text: "Nothing yet: new releases of the channels you follow appear here.", Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord})
	}
	for _, e := range v.feed {
		v.feedBox.Add(v.feedRow(e))
	}
	v.followed.RemoveAll()
	if len(v.channels) == 0 {
		v.followed.Add(&widget.Label{Text: "You follow no channel yet.", Importance: widget.LowImportance})
	}
	for _, c := range v.channels {
		link := c.Link
		name := channelName(c.Name)
		open := &widget.Hyperlink{Text: name, OnTapped: func() { v.openPage(link, name) }}
		v.mw.markFunc("channel:"+name, v.shownHome(open))
		info := "not fetched yet"
		if c.Pending {
			info = "not found yet — will keep looking"
		}
		if c.Index != nil {
			info = releasesText(c.Index)
		}
		if c.LastError != "" && !c.Pending {
			info += " · last check failed"
		}
		v.followed.Add(container.NewHBox(open, &widget.Label{Text: info, Importance: widget.LowImportance}))
	}
}

// feedRow is a new release: its title, its channel (tap for the page),
// its date, and Play.
func (v *channelsView) feedRow(e app.FeedEntry) fyne.CanvasObject {
	title := app.ChannelText(e.Title, 300)
	link, name := app.FeedChannelLink(e), channelName(e.ChannelName)
	ih := hex.EncodeToString(e.InfoHash[:])
	play := &widget.Button{Text: "Play", Icon: theme.MediaPlayIcon(), OnTapped: func() {
		v.mw.addAndPlay(app.ReleaseMagnet(app.ChannelRelease{InfoHash: ih, Title: e.Title}))
	}}
	v.mw.markFunc("feed:"+title, v.shownHome(play))
	when := e.Seen
	if e.Published > 0 {
		when = time.Unix(e.Published, 0)
	}
	meta := when.Format("2 January 2006")
	if a := app.ChannelText(e.Artist, 200); a != "" {
		meta = a + " · " + meta
	}
	source := container.NewHBox(&widget.Hyperlink{Text: name, OnTapped: func() { v.openPage(link, name) }})
	if fromLink, fromName, ok := app.FeedRepostFrom(e); ok {
		// A release of another channel that this one reposted: say whose.
		fromName = channelName(fromName)
		from := &widget.Hyperlink{Text: fromName, OnTapped: func() { v.openPage(fromLink, fromName) }}
		v.mw.markFunc("feedfrom:"+title, v.shownHome(from))
		source.Add(&widget.Label{Text: "reposted from", Importance: widget.LowImportance})
		source.Add(from)
	}
	source.Add(&widget.Label{Text: meta, Importance: widget.LowImportance})
	text := container.NewVBox(
		&widget.Label{Text: title, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis},
		source)
	return container.NewBorder(nil, nil, nil, container.NewCenter(play), text)
}

// shownHome finds o for the landmarks while the feed is on screen.
func (v *channelsView) shownHome(o fyne.CanvasObject) func() (fyne.CanvasObject, bool) {
	return func() (fyne.CanvasObject, bool) {
		return o, v.page == nil && v.mw.shown(v.object)
	}
}

// notifyNew sends a desktop notification for the releases announced since
// the last one, one per channel, leaving out what the user saw on its page.
func (v *channelsView) notifyNew() {
	if len(v.announced) == 0 {
		return
	}
	var order []string
	byChannel := map[string][]string{}
	for _, e := range v.feed {
		ih := hex.EncodeToString(e.InfoHash[:])
		if !v.announced[ih] || v.seen[ih] {
			continue
		}
		name := channelName(e.ChannelName)
		if byChannel[name] == nil {
			order = append(order, name)
		}
		title := app.ChannelText(e.Title, 300)
		if _, from, ok := app.FeedRepostFrom(e); ok {
			title += " (reposted from " + channelName(from) + ")"
		}
		byChannel[name] = append(byChannel[name], title)
	}
	clear(v.announced)
	for _, name := range order {
		titles := byChannel[name]
		if len(titles) == 1 {
			v.notify("New release from "+name, titles[0])
		} else {
			v.notify(fmt.Sprintf("%d new releases from %s", len(titles), name), fmt.Sprintf("%s and %d more", titles[0], len(titles)-1))
		}
	}
}
