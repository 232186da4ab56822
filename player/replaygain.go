package player

import "math"

// ReplayGain holds a track's ReplayGain tags: gains in dB, peaks linear
// (1.0 = full scale; 0 = unknown).
type ReplayGain struct {
	TrackGain, TrackPeak float64
	AlbumGain, AlbumPeak float64
	HasTrack, HasAlbum   bool
}

// ReplayGainMode selects which ReplayGain value applies.
type ReplayGainMode int

// ReplayGain modes. Album falls back to track values when a track has no
// album gain.
const (
	ReplayGainOff ReplayGainMode = iota
	ReplayGainTrack
	ReplayGainAlbum
)

// scale is the linear factor for g under mode with preamp (dB). Peak
// protection lowers it so the track's peak does not exceed full scale.
func (g ReplayGain) scale(mode ReplayGainMode, preamp float64) float32 {
	gain, peak, ok := 0.0, 0.0, false
	switch {
	case mode == ReplayGainAlbum && g.HasAlbum:
		gain, peak, ok = g.AlbumGain, g.AlbumPeak, true
	case mode != ReplayGainOff && g.HasTrack:
		gain, peak, ok = g.TrackGain, g.TrackPeak, true
	}
	if !ok {
		return 1
	}
	s := math.Pow(10, (gain+preamp)/20)
	if peak > 0 && s*peak > 1 {
		s = 1 / peak
	}
	return float32(s)
}
