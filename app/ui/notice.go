package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// noticeFor is how long a notice stays before it goes away by itself.
const noticeFor = 6 * time.Second

// notice is a one-line message in the now-playing bar that goes away by
// itself: what happened in the background (a track skipped) is said
// without a dialog, and the listener never has to dismiss anything.
type notice struct {
	label *widget.Label
	// gen counts the notices shown, so an older one's timer does not hide
	// a newer one. Read and written on the UI goroutine only.
	gen   int
	after time.Duration // noticeFor; tests shorten it
}

func newNotice() *notice {
	n := &notice{after: noticeFor, label: &widget.Label{Importance: widget.WarningImportance, Truncation: fyne.TextTruncateEllipsis}}
	n.label.Hide()
	return n
}

// show says text for a few seconds. It runs on the UI goroutine.
func (n *notice) show(text string) {
	n.gen++
	gen := n.gen
	n.label.SetText(text)
	n.label.Show()
	time.AfterFunc(n.after, func() {
		onUI(func() {
			if n.gen == gen {
				n.label.Hide()
			}
		})
	})
}

// text is what the notice says while it is shown, "" otherwise.
func (n *notice) text() string {
	if !n.label.Visible() {
		return ""
	}
	return n.label.Text
}
