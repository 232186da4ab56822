package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// followsText labels My channel's switch for the list of channels
// followed in the channel (off by default).
const followsText = "Publish the channels I follow"

// newFollowsCheck is My channel's switch for the list of channels the user
// follows; turning it publishes a version with or without the list.
func (s *myChannelSection) newFollowsCheck() fyne.CanvasObject {
	s.follows = &widget.Check{Text: followsText}
	s.follows.OnChanged = s.setPublishFollows
	return container.NewVBox(s.follows, &widget.Label{
		Text:       "Off unless you turn it on: then listeners see on your channel whom you follow, and so can anyone else.",
		Wrapping:   fyne.TextWrapWord,
		Importance: widget.LowImportance,
	})
}

// showFollows puts the switch in the state saved, without publishing.
func (s *myChannelSection) showFollows() {
	on := s.mw.core.PublishesFollows(s.mw.ctx) // a local read
	if s.follows.Checked != on {
		s.follows.Checked = on // not SetChecked: that would publish again
		s.follows.Refresh()
	}
}

// setPublishFollows publishes the channel with or without the list.
func (s *myChannelSection) setPublishFollows(on bool) {
	if s.busy {
		s.showFollows()
		s.status.SetText("Wait: your channel is being published.")
		return
	}
	doing := "Publishing the channels you follow…"
	if !on {
		doing = "Taking the channels you follow off your channel…"
	}
	s.publish(doing, func(ctx context.Context) (app.Published, error) {
		pub, err := s.mw.core.SetPublishFollows(ctx, on)
		onUI(s.showFollows) // as saved, whether it worked or not
		return pub, err
	})
}
