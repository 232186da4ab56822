// Package mp3 decodes MPEG audio Layer III (MP3): MPEG-1, MPEG-2 LSF and
// MPEG-2.5, at every sample rate those define, mono, stereo, dual channel
// and joint stereo (mid/side and intensity, including the MPEG-2 intensity
// scale-factor rules), long, short and mixed blocks, the bit reservoir and
// CRC-protected frames.
//
// Not supported, with an error: Layers I and II, and free-format streams
// (bitrate index 0), which are all but unused in music files.
//
// The decoder is written for speed: float32 throughout, Huffman decoding
// by table lookup over a 64-bit bit window with requantisation folded in,
// an IMDCT factored into two 9-point DCTs, a polyphase synthesis built on
// a 32-point DCT (Lee's factorisation, unrolled by internal/gendct), and
// no allocations per frame. On one core of the development machine it
// decodes 44.1 kHz stereo VBR (lame -V 2) at 580–800× real time, against
// 650–1000× for ffmpeg -threads 1 and 36–70× for go-mp3 (BenchmarkDecode
// and the player bench).
//
// Its output is the raw decoded stream, sample for sample what ffmpeg's
// float decoder gives (about 120 dB SNR): no encoder delay or padding is
// trimmed (the player's wrapper does that), and the decoder delay is the
// standard 529 samples (528 of the filterbanks + 1). Two places where
// decoders disagree follow the standard and LAME rather than ffmpeg: the
// 24 kHz long bands 17 and 18 are 54 and 62 lines wide, and an MPEG-2
// intensity position of 2^slen - 1 is illegal (the band is decoded as
// mid/side or left/right). Mixed blocks (which LAME never writes) are
// checked only by construction.
//
// Corrupt input never panics: a frame whose header is damaged is skipped
// by resynchronising, a frame whose side information or main data is
// damaged decodes to whatever the bits say (bounded) or silence, and a
// frame whose bit reservoir reaches back before the start of the stream
// (after a seek) decodes as silence.
package mp3
