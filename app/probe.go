package app

import (
	"io"
	"strings"

	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/player"
)

// probeAudio is the library's duration probe: the player knows formats, the
// library does not.
func probeAudio(r io.ReadSeeker) (library.AudioInfo, error) {
	info, err := player.Probe(r)
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
