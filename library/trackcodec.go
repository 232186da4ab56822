package library

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Track records are a compact binary encoding rather than JSON: decoding
// 100,000 of them on open must take tens of milliseconds, not hundreds.
// Layout (version 1): version byte, flags, then fields in the order of
// encodeTrack. Unknown trailing bytes are ignored so later versions may append.
const trackCodecVersion = 1

const (
	flagMissing = 1 << iota
	flagFavourite
	flagSwarm
	flagRGTrack
	flagRGAlbum
)

var errShortRecord = errors.New("track record is truncated")

func encodeTrack(t *Track) []byte {
	b := make([]byte, 0, 128+len(t.Title)+len(t.Artist)+len(t.Album)+len(t.Path))
	b = append(b, trackCodecVersion)
	var flags uint64
	if t.Missing {
		flags |= flagMissing
	}
	if t.Favourite {
		flags |= flagFavourite
	}
	if t.Swarm != nil {
		flags |= flagSwarm
	}
	if t.ReplayGain.HasTrack {
		flags |= flagRGTrack
	}
	if t.ReplayGain.HasAlbum {
		flags |= flagRGAlbum
	}
	b = binary.AppendUvarint(b, flags)
	for _, s := range []string{t.Title, t.Artist, t.Album, t.AlbumArtist, t.Genre, t.Codec, t.Path, t.ArtID} {
		b = appendString(b, s)
	}
	for _, n := range []int64{int64(t.TrackNumber), int64(t.TrackTotal), int64(t.DiscNumber), int64(t.DiscTotal),
		int64(t.Year), int64(t.Duration), int64(t.Bitrate), int64(t.SampleRate), int64(t.Channels), t.Size,
		unixNano(t.ModTime), unixNano(t.Added), int64(t.PlayCount), unixNano(t.LastPlayed)} {
		b = binary.AppendVarint(b, n)
	}
	if t.Swarm != nil {
		b = append(b, t.Swarm.InfoHash[:]...)
		b = binary.AppendVarint(b, int64(t.Swarm.FileIndex))
		b = appendString(b, t.Swarm.Path)
	}
	if t.ReplayGain.HasTrack {
		b = appendFloat(b, t.ReplayGain.TrackGain)
		b = appendFloat(b, t.ReplayGain.TrackPeak)
	}
	if t.ReplayGain.HasAlbum {
		b = appendFloat(b, t.ReplayGain.AlbumGain)
		b = appendFloat(b, t.ReplayGain.AlbumPeak)
	}
	return b
}

// decodeTrack never panics: a damaged record is an error naming the track.
func decodeTrack(id TrackID, b []byte) (Track, error) {
	t := Track{ID: id}
	if len(b) == 0 {
		return t, fmt.Errorf("track %d: empty record", id)
	}
	if b[0] != trackCodecVersion {
		return t, fmt.Errorf("track %d: record version %d is not known to this Swarmtone (update it)", id, b[0])
	}
	d := decoder{b: b[1:]}
	flags := d.uvarint()
	strs := []*string{&t.Title, &t.Artist, &t.Album, &t.AlbumArtist, &t.Genre, &t.Codec, &t.Path, &t.ArtID}
	for _, p := range strs {
		*p = d.string()
	}
	t.TrackNumber = int(d.varint())
	t.TrackTotal = int(d.varint())
	t.DiscNumber = int(d.varint())
	t.DiscTotal = int(d.varint())
	t.Year = int(d.varint())
	t.Duration = time.Duration(d.varint())
	t.Bitrate = int(d.varint())
	t.SampleRate = int(d.varint())
	t.Channels = int(d.varint())
	t.Size = d.varint()
	t.ModTime = fromUnixNano(d.varint())
	t.Added = fromUnixNano(d.varint())
	t.PlayCount = int(d.varint())
	t.LastPlayed = fromUnixNano(d.varint())
	t.Missing = flags&flagMissing != 0
	t.Favourite = flags&flagFavourite != 0
	if flags&flagSwarm != 0 {
		s := &SwarmLocation{}
		copy(s.InfoHash[:], d.bytes(20))
		s.FileIndex = int(d.varint())
		s.Path = d.string()
		t.Swarm = s
	}
	if flags&flagRGTrack != 0 {
		t.ReplayGain.HasTrack = true
		t.ReplayGain.TrackGain = d.float()
		t.ReplayGain.TrackPeak = d.float()
	}
	if flags&flagRGAlbum != 0 {
		t.ReplayGain.HasAlbum = true
		t.ReplayGain.AlbumGain = d.float()
		t.ReplayGain.AlbumPeak = d.float()
	}
	if d.err != nil {
		return Track{ID: id}, fmt.Errorf("track %d: %w", id, d.err)
	}
	return t, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendFloat(b []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// decoder reads fields and remembers the first error instead of panicking.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShortRecord
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShortRecord
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.err = errShortRecord
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errShortRecord
		return ""
	}
	return string(d.bytes(int(n)))
}

func (d *decoder) float() float64 {
	v := d.bytes(8)
	if v == nil {
		return 0
	}
	return math.Float64frombits(binary.BigEndian.Uint64(v))
}

// searchFields reads the searched fields of a record without copying them
// (title, artist, album artist, album, genre, as numSearchFields orders
// them). ok is false when the record needs a full decode: damaged, or no
// title, so the title comes from the file name.
func searchFields(b []byte) (f [numSearchFields][]byte, ok bool) {
	if len(b) == 0 || b[0] != trackCodecVersion {
		return f, false
	}
	d := decoder{b: b[1:]}
	d.uvarint() // flags
	var raw [5][]byte
	for i := range raw {
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			return f, false
		}
		raw[i] = d.bytes(int(n))
	}
	if d.err != nil || len(raw[0]) == 0 {
		return f, false
	}
	// Record order: title, artist, album, album artist, genre.
	return [numSearchFields][]byte{raw[0], raw[1], raw[3], raw[2], raw[4]}, true
}
