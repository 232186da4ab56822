// Package player is the audio engine: it decodes an io.ReadSeeker (MP3, FLAC,
// Ogg Vorbis, WAV), resamples, queues tracks gaplessly and plays them through
// oto (github.com/ebitengine/oto/v3), or into a WAV/null sink for tests.
//
// player never imports library, network, app or Fyne: it does not know
// whether its bytes come from a disk or a swarm.
package player
