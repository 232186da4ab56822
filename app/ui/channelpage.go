package ui

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/channel"
)

// channelLookupTimeout bounds a channel page's lookup (the DHT, then the
// index torrent) and a Follow from it; tests shorten it.
var channelLookupTimeout = 60 * time.Second

// maxShownReleases bounds the rows a channel page draws (a channel holds
// up to 5,000 releases).
const maxShownReleases = 300

// channelPage is one creator's channel: its name at once (from the link),
// then, once the DHT and the index answer, its profile and releases, each
// with Play, and Follow or Unfollow. Lookups run in the background, bounded
// by channelLookupTimeout and cancelled when the page is left; a failure is
// said in words on the page, with Retry.
type channelPage struct {
	v      *channelsView
	link   string
	ctx    context.Context // ends when the page is left
	cancel context.CancelFunc
	looks  int // counts lookups, so only the newest one is shown
	// lookStop cancels the running lookup; lookDone is closed when it has
	// returned. A follow waits for it: the Core's lookup saves the
	// channel's record as it read it, and would bring back a channel
	// unfollowed meanwhile.
	lookStop context.CancelFunc
	lookDone chan struct{}

	view app.ChannelView // as last read
	mine bool            // the user's own channel

	object   fyne.CanvasObject
	name     *widget.Label
	status   *widget.Label
	progress *widget.ProgressBarInfinite
	retry    *widget.Button
	follow   *widget.Button
	support  *widget.Button // shown when the profile has a link to open
	profile  *fyne.Container
	releases *fyne.Container
	health   *healthLabels // the releases' swarm labels (discoverhealth.go)
}

func newChannelPage(v *channelsView, link, name string) *channelPage {
	ctx, cancel := context.WithCancel(v.mw.ctx)
	p := &channelPage{v: v, link: link, ctx: ctx, cancel: cancel}
	back := &widget.Button{Text: "Back", Icon: theme.NavigateBackIcon(), Importance: widget.LowImportance, OnTapped: func() { v.closePage() }}
	p.name = &widget.Label{Text: channelName(name), SizeName: theme.SizeNameHeadingText, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	p.status = &widget.Label{Wrapping: fyne.TextWrapWord}
	p.progress = widget.NewProgressBarInfinite()
	p.retry = &widget.Button{Text: "Retry", Icon: theme.ViewRefreshIcon(), OnTapped: p.lookup}
	p.follow = &widget.Button{Text: "Follow", Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: p.toggleFollow}
	copyLink := &widget.Button{Text: "Copy link", Icon: theme.ContentCopyIcon(), Importance: widget.LowImportance}
	copyLink.OnTapped = func() {
		v.mw.app.Clipboard().SetContent(link)
		copyLink.SetText("Copied")
	}
	p.support = newSupportButton()
	v.mw.markFunc("button:"+supportText, p.shownButton(p.support))
	p.profile = container.NewVBox()
	p.releases = container.NewVBox()
	// The landmarks find these buttons by their labels as they change
	// (button:Follow, then button:Unfollow); a release's Play is marked
	// by its title (releaseRow).
	block := newBlockButton(v, func() (string, string) { return link, p.view.Name }) // blocked.go
	header := container.NewVBox(container.NewHBox(back), p.name, container.NewHBox(p.follow, p.retry, copyLink, p.support, block), p.status, p.progress)
	body := container.NewVBox(p.profile, widget.NewSeparator(), p.releases)
	p.object = container.NewBorder(header, nil, nil, nil, container.NewVScroll(body))
	p.updateFollow()
	for _, c := range v.channels {
		if app.SameChannel(c.Link, link) {
			p.show(c, nil) // followed: the version saved, while the DHT is asked
		}
	}
	p.lookup()
	return p
}

// shownButton finds b for the landmarks while it is on screen.
func (p *channelPage) shownButton(b *widget.Button) func() (fyne.CanvasObject, bool) {
	return func() (fyne.CanvasObject, bool) {
		return b, p.v.page == p && p.v.mw.shown(p.v.object) && b.Visible()
	}
}

// leave cancels what the page still waits for.
func (p *channelPage) leave() { p.cancel() }

// lookup reads the channel in the background: the user's own channel as
// saved, any other from the DHT.
func (p *channelPage) lookup() {
	p.looks++
	look := p.looks
	p.setWorking("Looking up the channel… (this can take up to a minute)")
	mw, link := p.v.mw, p.link
	ctx, cancel := context.WithTimeout(p.ctx, channelLookupTimeout)
	done := make(chan struct{})
	p.lookStop, p.lookDone = cancel, done
	go func() {
		defer close(done)
		defer cancel()
		var view app.ChannelView
		var err error
		mine := false
		if my, merr := mw.core.MyChannel(ctx); merr == nil && app.SameChannel(my.Link, link) {
			view, mine = my, true
		} else {
			view, err = mw.core.LookAtChannel(ctx, link)
		}
		onUI(func() {
			if look != p.looks || p.ctx.Err() != nil {
				return // a newer lookup, or the page was left
			}
			p.mine = mine
			p.show(view, err)
		})
	}()
}

// setWorking shows that something runs in the background.
func (p *channelPage) setWorking(what string) {
	p.status.SetText(what)
	p.status.Importance = widget.MediumImportance
	p.status.Show()
	p.progress.Show()
	p.progress.Start()
	p.retry.Hide()
}

// show draws what a lookup or a follow read; err (if any) is said above
// the last good version, if there is one.
func (p *channelPage) show(view app.ChannelView, err error) {
	p.progress.Stop()
	p.progress.Hide()
	if view.Link != "" {
		p.view = view
	}
	if p.view.Name != "" {
		p.name.SetText(channelName(p.view.Name))
	}
	switch {
	case err != nil && p.view.Followed && p.view.Index == nil:
		// Followed while nobody serves it: the Core keeps looking.
		p.status.SetText(pendingText)
		p.status.Importance = widget.MediumImportance
		p.status.Refresh()
		p.retry.Show()
	case err != nil:
		p.status.SetText(app.ChannelProblem(err))
		p.status.Importance = widget.DangerImportance
		p.status.Refresh()
		p.retry.Show()
	case p.mine:
		p.status.SetText("This is your channel. Share its link so others can follow it.")
		p.status.Importance = widget.MediumImportance
		p.status.Refresh()
	default:
		p.status.Hide()
	}
	p.updateFollow()
	p.showIndex()
}

// pendingText is what a followed channel not found yet says.
const pendingText = "Followed. Nobody serves this channel right now: Swarmtone will keep looking and show its releases here when it is found."

// updateFollow makes the button say what a tap does. A channel can be
// followed before it is found: the follow waits (pendingText).
func (p *channelPage) updateFollow() {
	if p.mine {
		p.follow.Hide()
		return
	}
	p.follow.Show()
	if p.view.Followed {
		p.follow.SetText("Unfollow")
		p.follow.SetIcon(theme.ContentRemoveIcon())
		p.follow.Importance = widget.MediumImportance
	} else {
		p.follow.SetText("Follow")
		p.follow.SetIcon(theme.ContentAddIcon())
		p.follow.Importance = widget.HighImportance
	}
	p.follow.Enable()
	p.follow.Refresh()
}

// toggleFollow follows or unfollows in the background.
func (p *channelPage) toggleFollow() {
	mw, link, followed, was := p.v.mw, p.link, p.view.Followed, p.view
	p.follow.Disable()
	if followed {
		p.setWorking("Unfollowing…")
	} else {
		p.setWorking("Following…")
		p.v.sawReleases(p.view) // on screen now: no notification for them
	}
	p.looks++ // a lookup still running must not draw over this
	look := p.looks
	lookDone := p.lookDone
	if p.lookStop != nil {
		p.lookStop()
	}
	ctx, cancel := context.WithTimeout(p.ctx, channelLookupTimeout)
	go func() {
		defer cancel()
		if lookDone != nil {
			<-lookDone // it ends soon, cancelled
		}
		var view app.ChannelView
		var err error
		if followed {
			err = mw.core.Unfollow(ctx, link)
			view = was
			view.Followed = err != nil // still followed if it failed
		} else {
			view, err = mw.core.Follow(ctx, link, nil)
		}
		onUI(func() {
			p.v.reload()
			if look != p.looks || p.ctx.Err() != nil {
				return
			}
			p.show(view, err)
		})
	}()
}

// showIndex draws the profile and the releases of the version shown.
func (p *channelPage) showIndex() {
	p.profile.RemoveAll()
	p.releases.RemoveAll()
	idx := p.view.Index
	if idx == nil {
		p.v.mw.showSupport(p.support, "", nil)
		return
	}
	p.v.mw.showSupport(p.support, p.view.Name, idx.Profile.Links)
	if bio := app.ChannelParagraphs(idx.Profile.Bio, 4000); bio != "" {
		p.profile.Add(&widget.Label{Text: bio, Wrapping: fyne.TextWrapWord})
	}
	for _, l := range idx.Profile.Links {
		p.profile.Add(profileLink(l, p.v.mw.openSupportLink))
	}
	p.profile.Add(&widget.Label{Text: releasesText(idx) + updatedText(idx.Updated), Importance: widget.LowImportance})
	p.health = newHealthLabels()
	for i, r := range idx.Releases {
		if i == maxShownReleases {
			p.releases.Add(&widget.Label{Text: fmt.Sprintf("and %d more releases", len(idx.Releases)-i), Importance: widget.LowImportance})
			break
		}
		p.releases.Add(p.releaseRow(r))
	}
	p.showVisibleReposts(idx) // discoverreposts.go
	p.health.fill(p.ctx, p.v.mw)
}

// releaseRow is a release's title, its artist, year and track count, and
// Play: the release streams as any magnet does.
func (p *channelPage) releaseRow(r app.ChannelRelease) fyne.CanvasObject {
	title := app.ChannelText(r.Title, 300)
	play := &widget.Button{Text: "Play", Icon: theme.MediaPlayIcon(), OnTapped: func() { p.v.mw.addAndPlay(app.ReleaseMagnet(r)) }}
	p.v.mw.markFunc("release:"+title, p.shownButton(play))
	var meta []string
	if a := app.ChannelText(r.Artist, 200); a != "" {
		meta = append(meta, a)
	}
	if r.Year > 0 {
		meta = append(meta, fmt.Sprint(r.Year))
	}
	if len(r.Tracks) > 0 {
		meta = append(meta, tracksText(len(r.Tracks)))
	}
	text := container.NewVBox(
		&widget.Label{Text: title, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis},
		&widget.Label{Text: strings.Join(meta, " · "), Importance: widget.LowImportance, Truncation: fyne.TextTruncateEllipsis})
	buttons := container.NewHBox(play)
	if repost := p.repostButton(r); repost != nil {
		buttons.Add(repost)
	}
	return container.NewBorder(nil, nil, nil, container.NewHBox(p.health.label(r.InfoHash), container.NewCenter(buttons)), text)
}

// profileLink is a link the creator chose: a hyperlink, which open opens,
// only when channel.CheckLink accepts it (a web page or a payment link,
// exactly as signed); anything else stays text.
func profileLink(l app.ChannelLinkRef, open func(link string)) fyne.CanvasObject {
	title, raw := app.ChannelText(l.Title, 200), app.ChannelText(l.URL, 2000)
	if u, err := url.Parse(l.URL); err == nil && channel.SafeLink(l.URL) {
		if title == "" {
			title = l.URL
		}
		link := l.URL
		return &widget.Hyperlink{Text: title, URL: u, OnTapped: func() { open(link) }}
	}
	if title != "" && raw != "" {
		return &widget.Label{Text: title + ": " + raw, Truncation: fyne.TextTruncateEllipsis}
	}
	return &widget.Label{Text: title + raw, Truncation: fyne.TextTruncateEllipsis}
}

func channelName(name string) string {
	if name = app.ChannelText(name, 200); name == "" {
		return "Unnamed channel"
	}
	return name
}

// releasesText counts a channel's releases, and its reposts when it has
// some (a curator's channel may hold only those).
func releasesText(idx *channel.Index) string {
	n := len(idx.Releases)
	text := fmt.Sprintf("%d %s", n, plural(n, "release", "releases"))
	if n := len(idx.Reposts); n > 0 {
		text += fmt.Sprintf(" · %d %s", n, plural(n, "repost", "reposts"))
	}
	return text
}

func updatedText(unix int64) string {
	if unix <= 0 {
		return ""
	}
	return " · updated " + time.Unix(unix, 0).Format("2 January 2006")
}
