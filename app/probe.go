package app

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/player"
)

// probeAudio is the library's probe: the player knows formats, the
// library does not. It decodes the first frames too (player.Check), so a
// file that cannot play (empty, random bytes, cut short) is reported as
// unplayable at import instead of failing when the queue reaches it. So is
// audio in a format the player does not decode (AAC/M4A, surround Opus):
// the import refuses it and says why, rather than cataloguing a track
// that every play would skip.
func probeAudio(r io.ReadSeeker) (library.AudioInfo, error) {
	info, err := player.Check(r)
	switch {
	case errors.Is(err, player.ErrDamaged):
		return library.AudioInfo{}, fmt.Errorf("%w: %s", library.ErrUnplayable, damageReason(err))
	case errors.Is(err, player.ErrNotDecodedYet):
		return library.AudioInfo{}, fmt.Errorf("%w: %s", library.ErrUnplayable, unsupportedReason(r, err))
	}
	if err != nil {
		return library.AudioInfo{}, err
	}
	return library.AudioInfo{
		Duration:   info.Duration,
		Codec:      codecName(info.Format),
		Bitrate:    info.Bitrate,
		SampleRate: info.SampleRate,
		Channels:   info.Channels,
	}, nil
}

// codecName is the library's short codec name for a player format.
func codecName(f player.Format) string {
	switch f {
	case player.FormatVorbis:
		return "vorbis"
	case player.FormatOpus:
		return "opus"
	case player.FormatAAC:
		return "aac"
	}
	return strings.ToLower(string(f))
}
