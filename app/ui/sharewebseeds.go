package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// Web seeds in the share dialog: HTTP(S) servers that hold the shared files
// too (BEP 19). The field can be filled while the files hash; what it holds
// when the share is made is added to it, and "Set web seeds" changes them
// later. The magnet shown follows.

// setWebSeedsText labels the button that applies the field.
const setWebSeedsText = "Set web seeds"

// offerWebSeeds adds the web seed field to a share dialog still hashing.
func (sd *shareDialog) offerWebSeeds() {
	sd.seeds = widget.NewMultiLineEntry()
	sd.seeds.SetPlaceHolder("https://files.example.org/music/ (optional, one a line)")
	sd.seeds.SetMinRowsVisible(2)
	sd.seeds.Validator = func(s string) error {
		_, err := app.ValidateWebSeeds(strings.Split(s, "\n"))
		return err
	}
	sd.seedsNote = &widget.Label{Wrapping: fyne.TextWrapWord}
	sd.seedsBtn = &widget.Button{Text: setWebSeedsText, OnTapped: sd.applyWebSeeds}
	sd.seedsBtn.Disable() // until the share is made
	sd.mw.markFunc("entry:web seeds", func() (fyne.CanvasObject, bool) { return sd.seeds, !sd.closed })
	sd.box.Add(sd.webSeedsBox())
}

// webSeedsBox is the field with its label, button and note.
func (sd *shareDialog) webSeedsBox() fyne.CanvasObject {
	label := &widget.Label{Text: "Web seeds (optional): web servers that hold these files too, so listeners can play them when no friend is online. " +
		"For an album, the address of the folder that holds the album's folder.", Wrapping: fyne.TextWrapWord}
	return container.NewVBox(label, sd.seeds, container.NewHBox(sd.seedsBtn), sd.seedsNote)
}

// applyWebSeeds is the button's: setWebSeeds with nothing after.
func (sd *shareDialog) applyWebSeeds() { sd.setWebSeeds(func(string) {}) }

// setWebSeeds checks the field and gives its URLs to the share; the magnet
// shown gains them, and then is called with the share's magnet (new, or
// as it was if the web seeds were refused). A bad URL is named and nothing
// changes.
func (sd *shareDialog) setWebSeeds(then func(magnet string)) {
	if sd.infoHash == "" {
		return
	}
	urls, err := app.ValidateWebSeeds(strings.Split(sd.seeds.Text, "\n"))
	if err != nil {
		sd.seedsNote.SetText("Web seeds not set: " + err.Error())
		then(sd.magnet)
		return
	}
	sd.seedsBtn.Disable()
	sd.seedsNote.SetText("Setting web seeds…")
	mw, ih := sd.mw, sd.infoHash
	go func() {
		magnet, err := mw.core.SetWebSeeds(mw.ctx, ih, urls)
		onUI(func() {
			sd.seedsBtn.Enable()
			if err != nil {
				sd.seedsNote.SetText("Web seeds not set: " + err.Error())
				then(sd.magnet)
				return
			}
			defer then(magnet)
			sd.magnet = magnet
			if sd.link != nil {
				sd.link.SetText(magnet)
			}
			switch len(urls) {
			case 0:
				sd.seedsNote.SetText("No web seeds: the link names none.")
			case 1:
				sd.seedsNote.SetText("1 web seed set: the link above names it.")
			default:
				sd.seedsNote.SetText(fmt.Sprintf("%d web seeds set: the link above names them.", len(urls)))
			}
		})
	}()
}
