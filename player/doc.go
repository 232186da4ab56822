// Package player is the audio engine: it decodes an io.ReadSeeker (MP3,
// FLAC, Ogg Vorbis, WAV), resamples, queues tracks gaplessly and plays them
// through oto (github.com/ebitengine/oto/v3), or into a WAV/null sink for
// tests and --out.
//
// player never imports library, network, app or Fyne: it does not know
// whether its bytes come from a disk or a swarm. A Track carries an Open
// function, and Probe reads only headers, so the network can hand out
// streaming readers and size its readahead from Info.Bitrate.
//
// The pieces:
//
//   - Probe and NewDecoder recognise the format from the bytes, never the
//     name. MP3 uses our own Layer III decoder (internal/mp3) plus
//     Xing/LAME/VBRI parsing (exact length, encoder delay and padding
//     trimmed for gapless, exact seeks by a header-only frame index); FLAC
//     uses our own decoder (internal/flac: any bit depth, more than two
//     channels downmixed); Vorbis too (internal/vorbis: floor 0 and 1,
//     sample-exact seeks by granule); Ogg Opus through github.com/pion/opus
//     (SILK, CELT and hybrid; mono and stereo; pre-skip and end trimming,
//     seeks with 80 ms pre-roll); WAV is read here. AAC/M4A and Opus with
//     more than two channels are recognised and refused with
//     ErrUnsupported. Decoder panics become errors.
//   - Resampler is a Kaiser-windowed polyphase sinc (≥ 120 dB SNR for a
//     48 → 44.1 kHz sine). Everything plays as float32 stereo at
//     OutputRate, 44.1 kHz, because most music is 44.1 kHz and then needs
//     no resampling at all.
//   - Output is what plays the mix: OtoOutput (the sound card; one oto
//     context per process, a missing device is an error, not a hang),
//     WAVSink (exactly what would be heard, real-time or offline),
//     NullSink, and NullDevice (discards, but timed as oto is).
//   - Engine owns playback on one goroutine and takes commands on a
//     channel, so callers never wait on I/O. Each track decodes on its own
//     goroutine into a bounded buffer (~6 s); the next one is opened and
//     decoded as soon as the current one starts, and the mixer switches to
//     it on the next sample. A source that runs dry gives EventBuffering,
//     silence, and EventResumed once ~1 s is buffered again.
package player
