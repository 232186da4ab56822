package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/channel"
)

// myChannelSection is "My channel" in Settings: make the channel, edit its
// profile, remove releases, back up and restore its key. Every publish
// runs in the background; the status line says how it went.
type myChannelSection struct {
	mw     *MainWindow
	object fyne.CanvasObject
	status *widget.Label

	// mine is the channel as last read (nil: none yet); UI goroutine.
	mine *app.ChannelView

	create     *fyne.Container // shown while there is no channel
	createName *widget.Entry
	createBtn  *widget.Button

	own              *fyne.Container // shown once there is one
	link             *widget.Entry
	copyBtn          *widget.Button
	name, bio, links *widget.Entry
	saveBtn          *widget.Button
	follows          *widget.Check // followsText
	releases         *fyne.Container
	exportBtn        *widget.Button
	importBtn        *widget.Button
	// busy is set while a publish or key change runs: one at a time.
	busy bool
}

// maxReleaseRows bounds the rows drawn; `swarmtone channel show` lists all.
const maxReleaseRows = 200

func newMyChannelSection(mw *MainWindow) *myChannelSection {
	s := &myChannelSection{mw: mw, status: &widget.Label{Wrapping: fyne.TextWrapWord}}
	s.createName = &widget.Entry{PlaceHolder: "your name as listeners will see it"}
	s.createBtn = &widget.Button{Icon: theme.ContentAddIcon(), Text: "Create my channel", Importance: widget.HighImportance, OnTapped: s.createChannel}
	s.create = container.NewVBox(
		&widget.Label{Text: "A channel is your catalogue: people follow its link and get your new releases, with no server in between.", Wrapping: fyne.TextWrapWord},
		container.NewBorder(nil, nil, widget.NewLabel("Name"), s.createBtn, s.createName),
	)

	s.link = &widget.Entry{Wrapping: fyne.TextWrapBreak, MultiLine: true}
	s.link.OnChanged = func(string) { s.showLink() } // selectable, not editable
	s.copyBtn = &widget.Button{Icon: theme.ContentCopyIcon(), Text: "Copy link", OnTapped: s.copyLink}
	s.name = widget.NewEntry()
	s.bio = &widget.Entry{MultiLine: true, Wrapping: fyne.TextWrapWord, PlaceHolder: "a few words about you and your music"}
	s.bio.SetMinRowsVisible(3)
	s.links = &widget.Entry{MultiLine: true, PlaceHolder: "Support me https://example.org/support"}
	s.links.SetMinRowsVisible(2)
	s.saveBtn = &widget.Button{Icon: theme.DocumentSaveIcon(), Text: "Save profile", Importance: widget.HighImportance, OnTapped: s.saveProfile}
	profile := &widget.Form{Items: []*widget.FormItem{
		{Text: "Name", Widget: s.name},
		{Text: "Bio", Widget: s.bio},
		{Text: "Links", Widget: s.links, HintText: "one per line: a title, then the https://, bitcoin: or lightning: address"},
	}}
	s.releases = container.NewVBox()
	s.exportBtn = &widget.Button{Icon: theme.DocumentSaveIcon(), Text: "Export key…", OnTapped: s.chooseExport}
	s.importBtn = &widget.Button{Icon: theme.FolderOpenIcon(), Text: "Import key…", OnTapped: s.chooseImport}
	s.own = container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel("Link"), s.copyBtn, s.link),
		profile,
		container.NewHBox(s.saveBtn),
		s.newFollowsCheck(),
		&widget.Label{Text: "Releases", TextStyle: fyne.TextStyle{Bold: true}},
		s.releases,
	)
	keys := container.NewVBox(
		&widget.Label{Text: "Your channel's key is what lets you publish to it: keep a copy (Export key…), or the channel is lost with this computer. Import key… brings a channel back from its copy.", Wrapping: fyne.TextWrapWord},
		container.NewHBox(s.exportBtn, s.importBtn),
	)
	title := &widget.Label{Text: "My channel", TextStyle: fyne.TextStyle{Bold: true}}
	s.object = container.NewVBox(title, s.create, s.own, keys, s.status)
	s.reload()
	return s
}

// has says whether the user has a channel (UI goroutine).
func (s *myChannelSection) has() bool { return s.mine != nil }

// reload reads the channel from the library (a local read) and shows it;
// the profile form takes the saved profile.
func (s *myChannelSection) reload() {
	v, err := s.mw.core.MyChannel(s.mw.ctx)
	switch {
	case errors.Is(err, app.ErrNoChannel):
		s.mine = nil
	case err != nil && v.Link == "":
		s.status.SetText("Could not read your channel: " + err.Error())
		return
	default:
		if err != nil { // the link is there; its saved index is not
			s.status.SetText("Could not read your channel's releases: " + err.Error())
		}
		s.mine = &v
	}
	s.exportBtn.Disable()
	if s.mine == nil {
		s.own.Hide()
		s.create.Show()
		return
	}
	s.exportBtn.Enable()
	s.create.Hide()
	s.own.Show()
	s.showLink()
	s.showFollows()
	s.name.SetText(v.Name)
	var rels []channel.Release
	if v.Index != nil {
		s.bio.SetText(v.Index.Profile.Bio)
		s.links.SetText(formatLinks(v.Index.Profile.Links))
		rels = v.Index.Releases
	} else {
		s.bio.SetText("")
		s.links.SetText("")
	}
	s.showReleases(rels)
	s.showExtras(v.Index)
}

// releasesChanged shows the channel's link and releases again after a
// publish from elsewhere (the share dialog, Transfers); a profile being
// typed stays.
func (s *myChannelSection) releasesChanged() {
	if s.mine == nil {
		s.reload()
		return
	}
	v, err := s.mw.core.MyChannel(s.mw.ctx)
	if err != nil {
		s.status.SetText("Could not read your channel: " + err.Error())
		return
	}
	s.mine = &v
	s.showLink()
	if v.Index != nil {
		s.showReleases(v.Index.Releases)
		s.showExtras(v.Index)
	}
}

// showLink puts the channel's link back in its (read-only) entry.
func (s *myChannelSection) showLink() {
	if s.mine != nil && s.link.Text != s.mine.Link {
		s.link.SetText(s.mine.Link)
	}
}

// showReleases lists the releases, newest first, each with Remove.
func (s *myChannelSection) showReleases(rels []channel.Release) {
	var rows []fyne.CanvasObject
	if len(rels) == 0 {
		rows = append(rows, &widget.Label{Text: "Nothing published yet: tick \"Publish to my channel\" when you share an album, or use the button of a share in Transfers.", Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance})
	}
	for i, r := range rels {
		if i == maxReleaseRows {
			rows = append(rows, widget.NewLabel(fmt.Sprintf("and %d more (see `swarmtone channel show`)", len(rels)-i)))
			break
		}
		text := r.Title
		if r.Artist != "" {
			text += " — " + r.Artist
		}
		if r.Year > 0 {
			text += fmt.Sprintf(" (%d)", r.Year)
		}
		rm := &widget.Button{Icon: theme.DeleteIcon(), Text: "Remove", OnTapped: func() { s.confirmRemove(r) }}
		rows = append(rows, container.NewBorder(nil, nil, nil, rm, &widget.Label{Text: text, Truncation: fyne.TextTruncateEllipsis}))
	}
	s.releases.Objects = rows
	s.releases.Refresh()
}

// run does one channel change in the background, one at a time, and hands
// its result to done on the UI goroutine.
func (s *myChannelSection) run(doing string, work func(ctx context.Context) (string, error), done func(msg string, err error)) {
	if s.busy {
		s.status.SetText("Wait: your channel is being published.")
		return
	}
	s.busy = true
	s.saveBtn.Disable()
	s.createBtn.Disable()
	s.status.SetText(doing)
	go func() {
		msg, err := work(s.mw.ctx)
		onUI(func() {
			s.busy = false
			s.saveBtn.Enable()
			s.createBtn.Enable()
			done(msg, err)
		})
	}()
}

// createChannel makes the channel with the name typed.
func (s *myChannelSection) createChannel() {
	name := strings.TrimSpace(s.createName.Text)
	if err := channel.CheckProfile(channel.Profile{Name: name}); err != nil {
		s.status.SetText("Not created: " + err.Error())
		return
	}
	s.run("Making your channel…", func(ctx context.Context) (string, error) {
		_, err := s.mw.core.CreateChannel(ctx, name)
		return "", err
	}, func(_ string, err error) {
		if err != nil {
			s.status.SetText("Not created: " + err.Error())
			return
		}
		s.reload()
		s.status.SetText("Your channel is made. Copy its link for your listeners, add a bio and links and Save, and publish albums from the share dialog or Transfers.")
	})
}

// saveProfile publishes the profile on screen as a new version.
func (s *myChannelSection) saveProfile() {
	p := s.profile()
	if err := channel.CheckProfile(p); err != nil {
		s.status.SetText("Not published: " + err.Error())
		return
	}
	s.publish("Publishing your profile…", func(ctx context.Context) (app.Published, error) {
		return s.mw.core.EditProfile(ctx, p)
	})
}

// publish runs one publish and says how it went.
func (s *myChannelSection) publish(doing string, do func(ctx context.Context) (app.Published, error)) {
	s.run(doing, func(ctx context.Context) (string, error) {
		pub, err := do(ctx)
		return publishedText(pub, err), err
	}, func(msg string, err error) {
		if err == nil {
			s.reload()
		}
		s.status.SetText(msg)
	})
}

// profile is the profile on screen.
func (s *myChannelSection) profile() channel.Profile {
	return channel.Profile{Name: strings.TrimSpace(s.name.Text), Bio: strings.TrimSpace(s.bio.Text), Links: parseLinks(s.links.Text)}
}

// parseLinks reads one link a line: an optional title, then the address
// (checked by channel.CheckProfile).
func parseLinks(text string) []channel.Link {
	var out []channel.Link
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		out = append(out, channel.Link{Title: strings.Join(f[:len(f)-1], " "), URL: f[len(f)-1]})
	}
	return out
}

// formatLinks is parseLinks' text for links.
func formatLinks(links []channel.Link) string {
	lines := make([]string, len(links))
	for i, l := range links {
		lines[i] = strings.TrimSpace(l.Title + " " + l.URL)
	}
	return strings.Join(lines, "\n")
}

// publishedText says in plain words how a publish went.
func publishedText(pub app.Published, err error) string {
	switch {
	case err != nil:
		return "Not published: " + err.Error()
	case pub.AnnounceErr != nil:
		return fmt.Sprintf("Published version %d. It is saved here and will be announced to the network later: %v", pub.Seq, pub.AnnounceErr)
	default:
		return fmt.Sprintf("Published version %d.", pub.Seq)
	}
}

// copyLink puts the channel's link on the clipboard.
func (s *myChannelSection) copyLink() {
	if s.mine == nil {
		return
	}
	s.mw.app.Clipboard().SetContent(s.mine.Link)
	s.status.SetText("Link copied: send it to your listeners; they paste it into Swarmtone to follow you.")
}

// confirmRemove asks, then removes a release from the channel.
func (s *myChannelSection) confirmRemove(r channel.Release) {
	s.mw.showDialog(dialog.NewConfirm("Remove from your channel?",
		fmt.Sprintf("Remove %q from your channel? The next version leaves it out; the share itself and your files stay.", r.Title),
		func(ok bool) {
			if ok {
				s.removeRelease(r.InfoHash)
			}
		}, s.mw.win))
}

// removeRelease publishes the channel without a release.
func (s *myChannelSection) removeRelease(infoHash string) {
	s.publish("Removing the release…", func(ctx context.Context) (app.Published, error) {
		return s.mw.core.Unpublish(ctx, infoHash)
	})
}

// chooseExport asks where to write the key backup.
func (s *myChannelSection) chooseExport() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			s.mw.showError("Could not export the key", err)
			return
		}
		if w == nil {
			return // cancelled
		}
		path := w.URI().Path()
		w.Close() // ExportKey writes it, readable by the user only
		s.exportKey(path)
	}, s.mw.win)
	d.SetFileName("swarmtone-channel-key.txt")
	s.mw.showDialog(d)
}

// exportKey writes the key backup to path.
func (s *myChannelSection) exportKey(path string) {
	s.run("Writing the key backup…", func(ctx context.Context) (string, error) {
		if err := s.mw.core.ExportKey(ctx, path); err != nil {
			return "Key not exported: " + err.Error(), err
		}
		return "Key saved to " + path + ". Keep it private: whoever has it can publish as your channel.", nil
	}, func(msg string, err error) { s.status.SetText(msg) })
}

// chooseImport asks for a key backup, warns that it replaces the channel
// there is, and imports it.
func (s *myChannelSection) chooseImport() {
	fd := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			s.mw.showError("Could not open the key backup", err)
			return
		}
		if r == nil {
			return // cancelled
		}
		path := r.URI().Path()
		r.Close()
		if s.mine == nil {
			s.importKey(path)
			return
		}
		s.mw.showDialog(dialog.NewConfirm("Replace your channel?",
			"Importing this key replaces your current channel on this computer. Unless you exported its key, the current channel is lost for good.",
			func(ok bool) {
				if ok {
					s.importKey(path)
				}
			}, s.mw.win))
	}, s.mw.win)
	s.mw.showDialog(fd)
}

// importKey makes the key in the backup at path the user's channel.
func (s *myChannelSection) importKey(path string) {
	s.run("Importing the key…", func(ctx context.Context) (string, error) {
		link, err := s.mw.core.ImportKey(ctx, path)
		if err != nil {
			return "Key not imported: " + err.Error(), err
		}
		return "Key imported: this is now your channel (" + link + ").", nil
	}, func(msg string, err error) {
		s.reload()
		s.status.SetText(msg)
	})
}
