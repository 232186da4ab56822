package ui

import (
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// addMusicView is what the Library shows while the library is empty: the
// three ways to get music in, as buttons, and an import's progress.
type addMusicView struct {
	mw     *MainWindow
	object fyne.CanvasObject
	status *widget.Label
	bar    *widget.ProgressBar
	add    *widget.Button
	share  *widget.Button
	paste  *widget.Button

	stack *fyne.Container // the Library page: the table, or this over it
	empty bool            // the library's last reload found no tracks
}

func newAddMusicView(mw *MainWindow) *addMusicView {
	v := &addMusicView{mw: mw, status: &widget.Label{Wrapping: fyne.TextWrapWord, Alignment: fyne.TextAlignCenter}, bar: widget.NewProgressBar()}
	v.bar.Hide()
	v.add = &widget.Button{Icon: theme.FolderOpenIcon(), Text: "Add your music folder…", Importance: widget.HighImportance, OnTapped: v.chooseAndImport}
	v.share = &widget.Button{Icon: theme.UploadIcon(), Text: "Share files…", OnTapped: mw.chooseAndShare}
	v.paste = &widget.Button{Icon: theme.ContentPasteIcon(), Text: "Paste a link", OnTapped: mw.showAddLink}
	heading := &widget.Label{Text: "Your library is empty", Alignment: fyne.TextAlignCenter, SizeName: theme.SizeNameHeadingText, TextStyle: fyne.TextStyle{Bold: true}}
	text := &widget.Label{Text: "Add the folder where your music is, share an album with friends, or paste a magnet link a friend sent you. " +
		"You can also drop files, folders or .torrent files on this window.", Wrapping: fyne.TextWrapWord, Alignment: fyne.TextAlignCenter}
	body := container.NewVBox(heading, text, container.NewCenter(container.NewHBox(v.add, v.share, v.paste)), v.bar, v.status)
	// A fixed width keeps the wrapped text readable in a wide window.
	v.object = container.NewCenter(container.NewGridWrap(fyne.NewSize(620, body.MinSize().Height+120), body))
	v.object.Hide()
	return v
}

// page is the Library page: the library view, with this call to action in
// its place while the library is empty.
func (v *addMusicView) page(library fyne.CanvasObject) fyne.CanvasObject {
	if v.stack == nil {
		v.stack = container.NewStack(library, v.object)
		v.apply()
	}
	return v.stack
}

// setEmpty says whether the library has no tracks (from the library
// view's reload, on the UI goroutine).
func (v *addMusicView) setEmpty(empty bool) {
	v.empty = empty
	v.apply()
}

func (v *addMusicView) apply() {
	if v.stack == nil {
		return
	}
	library := v.stack.Objects[0]
	if v.empty {
		library.Hide()
		v.object.Show()
	} else {
		v.object.Hide()
		library.Show()
	}
}

// chooseAndImport asks for the music folder (the chooser opens in the
// desktop's music folder), keeps it in the settings and imports it.
func (v *addMusicView) chooseAndImport() {
	v.mw.chooseFolder("Import", func(dir string) {
		v.mw.settings.addMusicFolder(dir)
		v.mw.importMusic([]string{dir}, v.bar, v.status, func(rep app.ImportReport, err error) {
			if text, bad := importReport(rep, err); bad {
				v.mw.showReport("Imported, with problems", text)
			}
		})
	})
}

// importMusic imports folders in the background, showing the files found
// and read on bar and status; done gets the outcome on the UI goroutine.
// One import runs at a time.
func (mw *MainWindow) importMusic(folders []string, bar *widget.ProgressBar, status *widget.Label, done func(app.ImportReport, error)) {
	if mw.importing {
		status.SetText("An import is already running: wait for it to finish.")
		return
	}
	mw.setImporting(true)
	bar.SetValue(0)
	bar.Show()
	status.SetText("Looking for music in " + strings.Join(folders, ", ") + "…")
	go func() {
		rep, err := mw.core.ImportMusic(mw.ctx, folders, func(n, total int, current string) {
			onUI(func() {
				if total > 0 {
					bar.SetValue(float64(n) / float64(total))
				}
				if current != "" {
					status.SetText(fmt.Sprintf("Read %d of %d files found: %s", n, total, current))
				}
			})
		})
		onUI(func() {
			mw.setImporting(false)
			bar.Hide()
			text, _ := importReport(rep, err)
			status.SetText(text)
			done(rep, err)
		})
	}()
}

// setImporting notes whether an import runs; the buttons that start one
// are disabled meanwhile.
func (mw *MainWindow) setImporting(on bool) {
	mw.importing = on
	for _, b := range []*widget.Button{mw.addMusic.add, mw.settings.importBtn} {
		if on {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

// maxListed is how many unreadable files an import report names.
const maxListed = 10

// importReport says what an import did: folders that do not exist and
// files that could not be read, by name. bad reports whether there were
// any such problems.
func importReport(rep app.ImportReport, err error) (text string, bad bool) {
	var lines []string
	for _, f := range rep.NotFound {
		lines = append(lines, fmt.Sprintf("Folder %s does not exist.", f))
	}
	if err != nil {
		lines = append(lines, "Import stopped: "+err.Error())
	}
	counts := fmt.Sprintf("Imported: %d new, %d updated, %d unchanged", rep.Added, rep.Updated, rep.Unchanged)
	if rep.Missing > 0 {
		counts += fmt.Sprintf(", %d no longer on disk", rep.Missing)
	}
	if n := len(rep.Warnings); n > 0 {
		counts += fmt.Sprintf(", %d could not be read:", n)
	} else {
		counts += "."
	}
	lines = append(lines, counts)
	for i, w := range rep.Warnings {
		if i == maxListed {
			lines = append(lines, fmt.Sprintf("…and %d more.", len(rep.Warnings)-maxListed))
			break
		}
		// The folder and the file name say which file; the whole path
		// would wrap the dialog into a wall of text.
		lines = append(lines, fmt.Sprintf("• %s: %v", filepath.Join(filepath.Base(filepath.Dir(w.Path)), filepath.Base(w.Path)), w.Err))
	}
	return strings.Join(lines, "\n"), len(rep.NotFound) > 0 || len(rep.Warnings) > 0 || err != nil
}

// showReport shows a report of several lines, left-aligned and scrolling
// when long (dialog.ShowInformation centres every line).
func (mw *MainWindow) showReport(title, text string) {
	body := container.NewVScroll(&widget.Label{Text: text, Wrapping: fyne.TextWrapWord})
	body.SetMinSize(fyne.NewSize(520, 160))
	d := dialog.NewCustom(title, "OK", body, mw.win)
	mw.showDialog(d)
}
