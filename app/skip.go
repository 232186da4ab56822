package app

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/player"
)

// Skip is a track the player could not play and went past (EventTrackSkipped).
type Skip struct {
	TrackID TrackID
	Title   string // as the library shows it
	Reason  string // in words, e.g. "file is damaged"
}

// Notice is what the window shows about it: Skipped “Title”: reason.
func (s Skip) Notice() string { return "Skipped “" + s.Title + "”: " + s.Reason }

// skipOf names the track of a player error and says in words why it
// failed: the player's own error names the track by its internal ID.
func (c *Core) skipOf(ctx context.Context, ev *player.Event) Skip {
	s := Skip{Reason: skipReason(ev.Err)}
	id, err := strconv.ParseUint(ev.TrackID, 10, 64)
	if err != nil {
		s.Title = ev.TrackID
		return s
	}
	s.TrackID = TrackID(id)
	s.Title = "Track " + ev.TrackID
	if ts, err := c.lib.Tracks(ctx, []TrackID{s.TrackID}); err == nil && len(ts) == 1 {
		s.Title = ts[0].DisplayTitle()
	}
	return s
}

// skipReason says in a few words why a track could not be played.
func skipReason(err error) string {
	var de *player.DamagedError
	switch {
	case err == nil:
		return "it could not be played"
	case errors.Is(err, network.ErrNoPeerHasPiece),
		// A decoder that keeps the message, not the error, of its reader.
		strings.Contains(err.Error(), network.ErrNoPeerHasPiece.Error()):
		return "no peer online has this part of it (it plays once one is)"
	case errors.Is(err, fs.ErrNotExist):
		return "file is missing"
	case errors.Is(err, fs.ErrPermission):
		return "file cannot be read (permission denied)"
	case errors.As(err, &de) && strings.Contains(de.Reason, "empty"),
		strings.Contains(err.Error(), "empty file"):
		return "file is empty"
	case errors.Is(err, player.ErrNotDecodedYet):
		return "its format is not supported yet"
	case strings.Contains(err.Error(), ": opening: "):
		return "it could not be opened"
	}
	return "file is damaged"
}

// damageReason is Check's reason for an unplayable file, without its name.
func damageReason(err error) string {
	var de *player.DamagedError
	if errors.As(err, &de) {
		return de.Reason
	}
	return err.Error()
}

// unsupportedReason is Check's error about a format the player does not
// decode, without the name of r (the file's path) before it, e.g. "AAC/M4A
// is not supported (Swarmtone plays MP3, …)".
func unsupportedReason(r io.ReadSeeker, err error) string {
	msg := err.Error()
	if n, ok := r.(interface{ Name() string }); ok {
		msg = strings.TrimPrefix(msg, n.Name()+": ")
	}
	generic := ": " + player.ErrUnsupported.Error()
	msg = strings.Replace(msg, generic+" (supported: ", " (Swarmtone plays ", 1)
	return strings.TrimSuffix(msg, generic)
}
