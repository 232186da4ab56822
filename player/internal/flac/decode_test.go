package flac

import (
	"testing"
)

// TestDecodeMatchesEncoderInput encodes generated PCM with the real flac
// tool (and ffmpeg's encoder) in many configurations and checks that
// decoding gives back exactly the samples the encoder was given; check
// asserts the configuration really exercised the feature it is named for.
func TestDecodeMatchesEncoderInput(t *testing.T) {
	cases := []struct {
		name                string
		channels, rate, bps int
		seconds             float64
		kind, tool          string
		args                []string
		check               func(s stats) bool
	}{
		{"16bit-stereo-44k", 2, 44100, 16, 3, "mixed", "flac", nil,
			func(s stats) bool {
				return s.lpc > 0 && s.constant > 0 && s.verbatim > 0 && s.wasted > 0 && s.assign[10]+s.assign[8]+s.assign[9] > 0
			}},
		{"16bit-stereo-level0-fixed", 2, 44100, 16, 2, "mixed", "flac", []string{"-0"},
			func(s stats) bool { return s.fixed > 0 && s.lpc == 0 && s.maxFixed >= 2 }},
		{"16bit-stereo-level8", 2, 44100, 16, 2, "mixed", "flac", []string{"-8"},
			func(s stats) bool { return s.maxLPC > 8 }},
		{"24bit-stereo-96k-level8", 2, 96000, 24, 2, "mixed", "flac", []string{"-8"},
			func(s stats) bool { return s.rice2 > 0 && s.lpcWide > 0 }},
		{"8bit-mono-22k", 1, 22050, 8, 2, "mixed", "flac", nil, nil},
		{"20bit-stereo-48k", 2, 48000, 20, 2, "mixed", "flac", nil, nil},
		{"12bit-stereo-12k", 2, 12000, 12, 2, "mixed", "flac", nil, nil},
		{"4bit-mono-lax", 1, 8000, 4, 1, "mixed", "flac", []string{"--lax"}, nil},
		{"32bit-stereo", 2, 44100, 32, 1, "mixed", "flac", nil,
			func(s stats) bool { return s.side64 > 0 }},
		{"6ch-48k", 6, 48000, 16, 1, "mixed", "flac", nil, nil},
		{"8ch-24bit", 8, 48000, 24, 0.5, "mixed", "flac", []string{"--channel-map=none"}, nil},
		{"3ch-11025", 3, 11025, 16, 1, "mixed", "flac", nil, nil},
		{"blocksize-192", 2, 44100, 16, 1, "mixed", "flac", []string{"-b", "192"}, nil},
		{"blocksize-4096", 2, 44100, 16, 1, "mixed", "flac", []string{"-b", "4096"}, nil},
		{"blocksize-16384-lax", 2, 44100, 16, 2, "mixed", "flac", []string{"--lax", "-b", "16384"}, nil},
		{"blocksize-65535-lax", 2, 44100, 16, 3, "mixed", "flac", []string{"--lax", "-b", "65535"}, nil},
		{"blocksize-1000", 1, 44100, 16, 1, "mixed", "flac", []string{"-b", "1000"}, nil},
		{"lpc32-exhaustive-lax", 2, 44100, 16, 1, "mixed", "flac", []string{"--lax", "-l", "32", "-p", "-b", "4096"},
			func(s stats) bool { return s.maxLPC > 12 }},
		{"lpc32-q15-24bit-lax", 2, 48000, 24, 1, "mixed", "flac", []string{"--lax", "-l", "32", "-q", "15"},
			func(s stats) bool { return s.maxLPC > 12 && s.lpcWide > 0 }},
		{"lpc-order12-exhaustive-576", 1, 44100, 16, 1, "music", "flac", []string{"-l", "12", "-b", "576", "-e"},
			func(s stats) bool { return s.maxLPC == 12 }},
		{"silence-constant", 2, 44100, 16, 1, "silence", "flac", nil,
			func(s stats) bool { return s.constant > 0 && s.verbatim == 0 }},
		{"noise-verbatim", 2, 44100, 16, 1, "noise", "flac", nil,
			func(s stats) bool { return s.verbatim > 0 }},
		{"rate-300010-lax", 1, 300010, 16, 0.2, "mixed", "flac", []string{"--lax"}, nil},
		{"ffmpeg-16bit", 2, 44100, 16, 2, "mixed", "ffmpeg", nil, nil},
		{"ffmpeg-24bit-level12", 2, 48000, 24, 1, "mixed", "ffmpeg", []string{"-compression_level", "12", "-strict", "-2"},
			func(s stats) bool { return s.rice2 > 0 }},
		{"ffmpeg-mono-lpc32", 1, 44100, 16, 1, "music", "ffmpeg", []string{"-lpc_type", "cholesky", "-max_prediction_order", "32", "-strict", "-2"},
			func(s stats) bool { return s.maxLPC > 12 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := int(tc.seconds * float64(tc.rate))
			if tc.rate > 100000 {
				n = int(tc.seconds * 44100)
			}
			pcm := signal(tc.kind, tc.channels, n, tc.bps, uint64(len(tc.name)))
			path := encode(t, pcm, tc.rate, tc.bps, tc.tool, tc.args...)
			got, d := decodeAll(t, path)
			in := d.Info()
			if in.Channels != tc.channels || in.SampleRate != tc.rate || in.BitsPerSample != tc.bps {
				t.Errorf("STREAMINFO %d ch %d Hz %d bits, want %d %d %d", in.Channels, in.SampleRate, in.BitsPerSample, tc.channels, tc.rate, tc.bps)
			}
			samePCM(t, got, pcm)
			t.Logf("%+v", d.stats)
			if tc.check != nil && !tc.check(d.stats) {
				t.Errorf("the encoded file does not exercise what the case is for: %+v", d.stats)
			}
		})
	}
}
