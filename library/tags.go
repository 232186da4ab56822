package library

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dhowden/tag"
)

// fileTags is what the tag reader found in one file.
type fileTags struct {
	title, artist, album, albumArtist, genre string
	track, trackTotal, disc, discTotal, year int
	codec                                    string
	replayGain                               ReplayGain
	picture                                  []byte
}

// readTags reads r's tags with github.com/dhowden/tag, which panics on some
// malformed ID3 frames: a panic becomes an error. tag.ErrNoTagsFound (a WAV,
// an untagged file) is not an error: the result is just empty.
func readTags(r io.ReadSeeker) (ft fileTags, err error) {
	defer func() {
		if p := recover(); p != nil {
			ft, err = fileTags{}, fmt.Errorf("tag reader crashed on malformed tags: %v", p)
		}
	}()
	m, err := tag.ReadFrom(r)
	if err == tag.ErrNoTagsFound {
		return fileTags{}, nil
	}
	if err != nil {
		return fileTags{}, fmt.Errorf("reading tags: %w", err)
	}
	ft.title, ft.artist, ft.album = clean(m.Title()), clean(m.Artist()), clean(m.Album())
	ft.albumArtist, ft.genre = clean(m.AlbumArtist()), clean(m.Genre())
	ft.track, ft.trackTotal = m.Track()
	ft.disc, ft.discTotal = m.Disc()
	ft.year = m.Year()
	switch m.FileType() {
	case tag.MP3:
		ft.codec = "mp3"
	case tag.FLAC:
		ft.codec = "flac"
	case tag.M4A, tag.M4B, tag.M4P:
		ft.codec = "aac"
	case tag.ALAC:
		ft.codec = "alac"
	}
	if p := m.Picture(); p != nil && len(p.Data) > 0 {
		ft.picture = p.Data
	}
	raw := m.Raw()
	ft.replayGain = replayGainFrom(raw)
	if m.Format() == tag.VORBIS {
		vorbisFallbacks(&ft, raw)
	}
	return ft, nil
}

// vorbisFallbacks fills fields that writers spell differently in Vorbis
// comments (ffmpeg writes "album_artist", "totaltracks", "1/12").
func vorbisFallbacks(ft *fileTags, raw map[string]any) {
	get := func(keys ...string) string {
		for _, k := range keys {
			if v, ok := raw[k].(string); ok && strings.TrimSpace(v) != "" {
				return clean(v)
			}
		}
		return ""
	}
	if ft.albumArtist == "" {
		ft.albumArtist = get("albumartist", "album_artist", "album artist")
	}
	numTotal := func(n, total *int, numKey string, totalKeys ...string) {
		if *n == 0 {
			a, b, _ := strings.Cut(get(numKey), "/")
			*n, _ = strconv.Atoi(strings.TrimSpace(a))
			if *total == 0 && b != "" {
				*total, _ = strconv.Atoi(strings.TrimSpace(b))
			}
		}
		if *total == 0 {
			*total, _ = strconv.Atoi(get(totalKeys...))
		}
	}
	numTotal(&ft.track, &ft.trackTotal, "tracknumber", "tracktotal", "totaltracks")
	numTotal(&ft.disc, &ft.discTotal, "discnumber", "disctotal", "totaldiscs")
}

// clean trims a tag value and drops NULs some writers leave behind.
func clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\x00", ""))
}

// replayGainFrom finds REPLAYGAIN_* values among raw tags: Vorbis comments
// (FLAC, Ogg, Opus) are plain keys, ID3v2 keeps them in TXXX frames whose
// description is the name, MP4 in "----" atoms named after them. Opus
// files may carry R128_TRACK_GAIN and R128_ALBUM_GAIN instead (RFC 7845
// §5.2.1: Q7.8 dB to -23 LUFS, on top of the header's output gain, which
// the decoder applies): they count, 5 dB louder (ReplayGain's reference
// is -18 LUFS), where no REPLAYGAIN_* gain is given.
func replayGainFrom(raw map[string]any) ReplayGain {
	var rg ReplayGain
	var r128Track, r128Album *float64
	set := func(name, value string) {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "r128_track_gain" || name == "r128_album_gain" {
			q, err := strconv.Atoi(clean(value))
			if err != nil || q < math.MinInt16 || q > math.MaxInt16 {
				return
			}
			g := float64(q)/256 + 5
			if name == "r128_track_gain" {
				r128Track = &g
			} else {
				r128Album = &g
			}
			return
		}
		if !strings.HasPrefix(name, "replaygain_") {
			return
		}
		f, ok := parseGain(clean(value))
		if !ok {
			return
		}
		switch name {
		case "replaygain_track_gain":
			rg.TrackGain, rg.HasTrack = f, true
		case "replaygain_track_peak":
			rg.TrackPeak = f
		case "replaygain_album_gain":
			rg.AlbumGain, rg.HasAlbum = f, true
		case "replaygain_album_peak":
			rg.AlbumPeak = f
		}
	}
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			set(k, v)
		case []string:
			if len(v) > 0 {
				set(k, v[0])
			}
		case *tag.Comm:
			set(v.Description, v.Text)
		}
	}
	if r128Track != nil && !rg.HasTrack {
		rg.TrackGain, rg.HasTrack = *r128Track, true
	}
	if r128Album != nil && !rg.HasAlbum {
		rg.AlbumGain, rg.HasAlbum = *r128Album, true
	}
	return rg
}

// parseGain reads "-6.50 dB" or "0.988" ; NaN and infinities are refused.
func parseGain(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "dB"), "db"))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// titleFromFileName is a file's name without folder and extension, the
// title of a track without (readable) tags.
func titleFromFileName(p string) string {
	base := filepath.Base(p)
	return strings.TrimSpace(strings.TrimSuffix(base, filepath.Ext(base)))
}
