package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// settingsView edits the settings stored in the library. Network changes
// apply at the next start; playback changes at once. Every save goes
// through Core.SaveSettings in the background.
type settingsView struct {
	mw     *MainWindow
	object fyne.CanvasObject
	form   *widget.Form
	status *widget.Label

	// The music section stays above the scrolled form, so Import now is
	// always in sight; it imports the folders on screen.
	importBtn    *widget.Button
	browse       *widget.Button
	importBar    *widget.ProgressBar
	importStatus *widget.Label
	loading      bool // load fills the form: its changes are not the listener's

	musicFolders, downloadFolder, port, upload, download, proxy *widget.Entry
	seedRatio, seedHours                                        *widget.Entry
	portHint                                                    *widget.RichText
	dht, pex, lsd, upnp, anonymous, keep                        *keyCheck
	encryption, replayGain, themeSel                            *keySelect

	channel *myChannelSection // "My channel", below the form
	blocked *blockedSection   // "Blocked", below it (blocked.go)

	// listenPort is the port the node listens on now (Core.ListenPort; a
	// fixed one in the golden test, where the system picks it).
	listenPort func() int

	// loaded is what the form started from, with every change asked
	// since: the UI goroutine alone touches it, a save gets a copy.
	loaded app.Settings
	// saves counts the saves asked for (UI goroutine). A save that lands
	// after a newer one is skipped: the newer copy holds its changes too.
	saves    uint64
	saveMu   sync.Mutex // serialises the background saves
	savedGen uint64     // the newest save written; guarded by saveMu
}

func newSettingsView(mw *MainWindow) *settingsView {
	v := &settingsView{mw: mw, status: &widget.Label{Wrapping: fyne.TextWrapWord}, listenPort: mw.core.ListenPort}
	v.musicFolders = &widget.Entry{MultiLine: true, PlaceHolder: "one folder per line"}
	v.downloadFolder = widget.NewEntry()
	v.port = widget.NewEntry()
	v.upload = &widget.Entry{PlaceHolder: "0 = unlimited"}
	v.download = &widget.Entry{PlaceHolder: "0 = unlimited"}
	v.seedRatio = &widget.Entry{PlaceHolder: "0 = never"}
	v.seedHours = &widget.Entry{PlaceHolder: "0 = never"}
	v.portHint = formHint(portHint(0, false))
	v.proxy = &widget.Entry{PlaceHolder: "socks5://127.0.0.1:9050 or http://HOST:PORT"}
	v.dht = newKeyCheck("DHT (find peers without trackers)", nil)
	v.pex = newKeyCheck("Peer exchange", nil)
	v.lsd = newKeyCheck("Local peer discovery", nil)
	v.upnp = newKeyCheck("Open the port on the router (UPnP)", nil)
	v.anonymous = newKeyCheck("Anonymous mode", nil)
	v.keep = newKeyCheck("Keep what I play (finish downloading streamed tracks)", nil)
	v.encryption = newKeySelect([]string{"prefer", "require", "off"}, nil)
	v.replayGain = newKeySelect([]string{"off", "track", "album"}, nil)
	v.themeSel = newKeySelect([]string{"system", "light", "dark"}, v.themeChanged)
	mw.markFunc("settings.theme", func() (fyne.CanvasObject, bool) { return v.themeSel, mw.shown(v.object) })
	v.form = &widget.Form{
		Items: []*widget.FormItem{
			{Text: "Download folder", Widget: v.downloadFolder},
			{Text: "Listening port", Widget: container.NewVBox(v.port, v.portHint)},
			{Text: "Upload limit (KB/s)", Widget: v.upload},
			{Text: "Download limit (KB/s)", Widget: v.download},
			{Text: "Stop seeding at ratio", Widget: withHint(v.seedRatio,
				"a complete download stops once it has uploaded this many times its size in one run, e.g. 2; 0 = never; your own shares always seed")},
			{Text: "Stop seeding after (hours)", Widget: withHint(v.seedHours,
				"counted from when a download completes, or from each start of Swarmtone; 0 = never; your own shares always seed")},
			{Text: "Peers", Widget: withHint(container.NewVBox(v.dht, v.pex, v.lsd, v.upnp), peersHint(mw.opts))},
			{Text: "Encryption", Widget: v.encryption},
			{Text: "Proxy", Widget: withHint(v.proxy,
				"peers, trackers and web seeds go only through it; what cannot (the DHT, uTP, UDP trackers, local discovery, UPnP) is turned off")},
			{Text: "Privacy", Widget: withHint(v.anonymous, "no client name or version is sent; no local discovery or UPnP")},
			{Text: "Streaming", Widget: v.keep},
			{Text: "ReplayGain", Widget: v.replayGain},
			{Text: "Theme", Widget: v.themeSel},
		},
		SubmitText: "Save",
		OnSubmit:   v.save,
	}
	v.musicFolders.SetMinRowsVisible(2)
	v.browse = &widget.Button{Icon: theme.FolderOpenIcon(), Text: "Browse…", OnTapped: v.browseFolder}
	v.importBtn = &widget.Button{Icon: theme.ViewRefreshIcon(), Text: "Import now", Importance: widget.HighImportance, OnTapped: v.importNow}
	v.importBar = widget.NewProgressBar()
	v.importBar.Hide()
	v.importStatus = &widget.Label{Wrapping: fyne.TextWrapWord}
	music := &widget.Form{Items: []*widget.FormItem{{
		Text:     "Music folders",
		Widget:   container.NewBorder(nil, nil, nil, container.NewVBox(v.browse, v.importBtn), v.musicFolders),
		HintText: "one per line; Import now reads them into the library",
	}}}
	top := container.NewVBox(music, v.importBar, v.importStatus, widget.NewSeparator())
	v.channel = newMyChannelSection(mw)
	v.blocked = newBlockedSection(mw)
	form := newPageScroll(container.NewVBox(v.form, v.status, widget.NewSeparator(), v.channel.object, widget.NewSeparator(), v.blocked.object))
	mw.markFunc("settings.form", func() (fyne.CanvasObject, bool) { return form, mw.shown(v.object) })
	v.object = container.NewBorder(top, nil, nil, nil, form)
	v.load()
	return v
}

// load fills the form from the library.
func (v *settingsView) load() {
	s, err := v.mw.core.Settings(v.mw.ctx)
	if err != nil {
		v.status.SetText("Could not read the settings: " + err.Error())
		return
	}
	v.loaded = s
	v.loading = true
	defer func() { v.loading = false }()
	v.musicFolders.SetText(strings.Join(s.MusicFolders, "\n"))
	v.downloadFolder.SetText(s.DownloadFolder)
	v.downloadFolder.SetPlaceHolder(v.mw.core.DownloadFolder())
	v.port.SetText(strconv.Itoa(s.ListenPort))
	setFormHint(v.portHint, portHint(v.listenPort(), s.Proxy != ""))
	v.upload.SetText(strconv.FormatInt(s.UploadLimit/1000, 10))
	v.download.SetText(strconv.FormatInt(s.DownloadLimit/1000, 10))
	v.seedRatio.SetText(strconv.FormatFloat(s.SeedRatio, 'f', -1, 64))
	v.seedHours.SetText(strconv.FormatFloat(s.SeedHours, 'f', -1, 64))
	v.proxy.SetText(s.Proxy)
	v.dht.SetChecked(s.DHT)
	v.pex.SetChecked(s.PEX)
	v.lsd.SetChecked(s.LSD)
	v.upnp.SetChecked(s.UPnP)
	v.anonymous.SetChecked(s.Anonymous)
	v.keep.SetChecked(s.KeepWhatIPlay)
	v.encryption.SetSelected(s.Encryption)
	v.replayGain.SetSelected(s.ReplayGain)
	v.themeSel.SetSelected(s.Theme)
	v.mw.applyTheme(s.Theme)
}

// settings reads the form; errors name the field.
func (v *settingsView) settings() (app.Settings, error) {
	s := v.loaded
	s.MusicFolders = v.folders()
	s.DownloadFolder = strings.TrimSpace(v.downloadFolder.Text)
	var err error
	if s.ListenPort, err = strconv.Atoi(strings.TrimSpace(v.port.Text)); err != nil {
		return s, fmt.Errorf("listening port %q is not a number", v.port.Text)
	}
	up, err := strconv.ParseInt(strings.TrimSpace(v.upload.Text), 10, 64)
	if err != nil || up < 0 {
		return s, fmt.Errorf("upload limit %q: give KB/s, 0 for none", v.upload.Text)
	}
	down, err := strconv.ParseInt(strings.TrimSpace(v.download.Text), 10, 64)
	if err != nil || down < 0 {
		return s, fmt.Errorf("download limit %q: give KB/s, 0 for none", v.download.Text)
	}
	s.UploadLimit, s.DownloadLimit = up*1000, down*1000
	if s.SeedRatio, err = parseNever(v.seedRatio.Text); err != nil {
		return s, fmt.Errorf("seed ratio %q is not a number: give e.g. 2, or 0 to seed forever", v.seedRatio.Text)
	}
	if s.SeedHours, err = parseNever(v.seedHours.Text); err != nil {
		return s, fmt.Errorf("seed time %q is not a number of hours: give e.g. 24 or 0.5, or 0 to seed forever", v.seedHours.Text)
	}
	s.Proxy = strings.TrimSpace(v.proxy.Text)
	s.DHT, s.PEX, s.LSD, s.UPnP = v.dht.Checked, v.pex.Checked, v.lsd.Checked, v.upnp.Checked
	s.Anonymous, s.KeepWhatIPlay = v.anonymous.Checked, v.keep.Checked
	s.Encryption, s.ReplayGain, s.Theme = v.encryption.Selected, v.replayGain.Selected, v.themeSel.Selected
	return s, s.Validate()
}

// formHint is a hint under a form's field that wraps to the form's width:
// a FormItem's HintText is one line that never wraps, and the long ones
// held the window 1,028 px wide. It looks like Fyne's own hints.
func formHint(text string) *widget.RichText {
	h := widget.NewRichText()
	h.Wrapping = fyne.TextWrapWord
	setFormHint(h, text)
	return h
}

// setFormHint changes what h says; empty hides it.
func setFormHint(h *widget.RichText, text string) {
	h.Segments = []widget.RichTextSegment{&widget.TextSegment{Text: text,
		Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder, SizeName: theme.SizeNameCaptionText, Inline: true}}}
	h.Hidden = text == ""
	h.Refresh()
}

// withHint is w with its hint under it (none when hint is empty).
func withHint(w fyne.CanvasObject, hint string) fyne.CanvasObject {
	return container.NewVBox(w, formHint(hint))
}

// peersHint says when this run's command line overrides the saved peer
// sources (the form shows what the next plain start uses).
func peersHint(opts app.Options) string {
	switch {
	case opts.NoDHT && len(opts.Bootstrap) > 0:
		return "this run was started with --no-dht and --bootstrap: only the DHT of those nodes is on until Swarmtone starts without them"
	case opts.NoDHT:
		return "this run was started with --no-dht: all of these and trackers are off until Swarmtone starts without it"
	case len(opts.Bootstrap) > 0:
		return "this run was started with --bootstrap: the DHT starts only from those nodes until Swarmtone starts without it"
	}
	return ""
}

// parseNever reads a number where empty means 0 ("never").
func parseNever(text string) (float64, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, nil
	}
	return strconv.ParseFloat(text, 64)
}

// portHint says what port 0 does and on which port the node listens now
// (none through a proxy, which takes no incoming connections).
func portHint(now int, proxy bool) string {
	switch {
	case now <= 0 && proxy:
		return "0 picks a free port at each start; not listening now: peers cannot connect in through the proxy"
	case now <= 0:
		return "0 picks a free port at each start"
	}
	return fmt.Sprintf("0 picks a free port at each start; listening on port %d now", now)
}

// save stores the form (the Save button). The form keeps what was typed
// whether or not the save works, so a failed one can be tried again.
func (v *settingsView) save() {
	s, err := v.settings()
	if err != nil {
		v.status.SetText("Not saved: " + err.Error())
		return
	}
	v.loaded = s
	v.status.SetText("Saving…")
	v.store(func(err error) {
		if err != nil {
			v.status.SetText("Not saved: " + err.Error())
			return
		}
		v.status.SetText("Saved. Network changes apply the next time Swarmtone starts.")
	})
}

// saveVolume keeps the volume for the next start (the end of a drag of the
// volume slider). A failure is shown wherever the listener is.
func (v *settingsView) saveVolume(vol float64) {
	v.loaded.Volume = vol
	v.store(func(err error) {
		if err != nil {
			v.mw.showError("Volume", fmt.Errorf("the volume was not kept for the next start: %w", err))
		}
	})
}

// store saves a copy of v.loaded in the background and hands the result to
// done on the UI goroutine. Saves land in the order they were asked for.
func (v *settingsView) store(done func(error)) {
	s := v.loaded
	s.MusicFolders = slices.Clone(s.MusicFolders) // the copy shares nothing with the form
	v.saves++
	gen := v.saves
	go func() {
		err := v.storeInOrder(gen, s)
		onUI(func() { done(err) })
	}()
}

// storeInOrder writes s, the gen-th save asked for, unless a newer one was
// written already: that one holds s's changes too.
func (v *settingsView) storeInOrder(gen uint64, s app.Settings) error {
	v.saveMu.Lock()
	defer v.saveMu.Unlock()
	if gen < v.savedGen {
		return nil
	}
	if err := v.mw.core.SaveSettings(v.mw.ctx, s); err != nil {
		return err
	}
	v.savedGen = gen
	return nil
}

// folders are the music folders on screen.
func (v *settingsView) folders() []string {
	var out []string
	for _, line := range strings.Split(v.musicFolders.Text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// themeChanged draws the window in the theme chosen at once and keeps it.
func (v *settingsView) themeChanged(name string) {
	if v.loading {
		return
	}
	v.mw.applyTheme(name)
	v.loaded.Theme = name
	v.store(func(err error) {
		if err != nil {
			v.status.SetText("The theme was not kept for the next start: " + err.Error())
		}
	})
}

// browseFolder adds a folder picked in the folder chooser to the list.
func (v *settingsView) browseFolder() {
	v.mw.chooseFolder("Add", func(dir string) {
		v.addFolderOnScreen(dir)
	})
}

// addFolderOnScreen adds dir to the list on screen, once.
func (v *settingsView) addFolderOnScreen(dir string) {
	folders := v.folders()
	if !slices.Contains(folders, dir) {
		folders = append(folders, dir)
	}
	v.musicFolders.SetText(strings.Join(folders, "\n"))
}

// addMusicFolder adds dir to the music folders and keeps the list (the
// empty library's "Add your music folder…").
func (v *settingsView) addMusicFolder(dir string) {
	v.addFolderOnScreen(dir)
	v.keepFolders()
}

// keepFolders saves the music folders on screen (and nothing else of the
// form), so the next start shows what was imported.
func (v *settingsView) keepFolders() {
	v.loaded.MusicFolders = v.folders()
	v.store(func(err error) {
		if err != nil {
			v.importStatus.SetText("The music folders were not kept for the next start: " + err.Error())
		}
	})
}

// importNow imports the music folders on screen, saved or not, and keeps
// them.
func (v *settingsView) importNow() {
	folders := v.folders()
	if len(folders) == 0 {
		v.importStatus.SetText("Add a music folder first (Browse…).")
		return
	}
	v.keepFolders()
	v.mw.importMusic(folders, v.importBar, v.importStatus, func(app.ImportReport, error) {})
}
