package library

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"go.etcd.io/bbolt"
)

// DescribeSwarmTrack reads the tags, cover and audio properties of a file
// that plays from the swarm, from r (a stream over that file: the tag reader
// and opts.Probe read only its head, and its last 128 bytes for an ID3v1
// tag), and stores them on the file's track, keeping the track's identity
// and user data. A tag the file lacks leaves the track's value as it was;
// unreadable tags are an error naming the file, and the track is unchanged.
func (l *Library) DescribeSwarmTrack(ctx context.Context, loc SwarmLocation, r io.ReadSeeker, size int64, opts ImportOptions) (Track, error) {
	name := loc.InfoHashHex() + "/" + loc.Path
	ft, err := readTags(r)
	if err != nil {
		return Track{}, fmt.Errorf("%s: %w", name, err)
	}
	if err := ctxErr(ctx); err != nil {
		return Track{}, err
	}
	t := Track{Swarm: &loc, Size: size, Codec: ft.codec, ReplayGain: ft.replayGain}
	t.Title, t.Artist, t.Album, t.AlbumArtist, t.Genre = ft.title, ft.artist, ft.album, ft.albumArtist, ft.genre
	t.TrackNumber, t.TrackTotal, t.DiscNumber, t.DiscTotal, t.Year = ft.track, ft.trackTotal, ft.disc, ft.discTotal, ft.year
	if opts.Probe != nil {
		_ = probeTrack(r, &t, opts.Probe, name) // a swarm track stays listed: playing it says what is wrong
	}
	if t.Bitrate == 0 && t.Duration > 0 {
		t.Bitrate = int(float64(size*8) / t.Duration.Seconds())
	}
	var art *coverArt
	if ft.picture != nil {
		if a, err := makeCoverArt(ft.picture); err != nil {
			slog.Warn("library: cover art of a swarm file", "file", name, "err", err)
		} else {
			art, t.ArtID = &a, a.id
		}
	}
	written, err := l.writeBatch(func(tx *bbolt.Tx, ac albumCache, now time.Time, out []Track) ([]Track, error) {
		if art != nil {
			if err := putArt(tx, art); err != nil {
				return nil, err
			}
		}
		pt, err := putTrack(tx, ac, t, now)
		if err != nil {
			return nil, err
		}
		return append(out, pt), nil
	})
	if err != nil {
		return Track{}, fmt.Errorf("%s: %w", name, err)
	}
	return written[0], nil
}

// probeTrack fills t's audio properties from probe, reading r from its
// start; a probe that fails or panics leaves them empty (the track still
// plays; its length shows once known) and returns why (Import keeps a
// file whose error wraps ErrUnplayable out of the library).
func probeTrack(r io.ReadSeeker, t *Track, probe func(io.ReadSeeker) (AudioInfo, error), name string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			slog.Warn("library: probe crashed", "file", name, "panic", p)
			err = fmt.Errorf("%w: reading it crashed (%v)", ErrUnplayable, p)
		}
	}()
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return err
	}
	info, err := probe(r)
	if err != nil {
		slog.Debug("library: probe", "file", name, "err", err)
		return err
	}
	t.Duration, t.Bitrate, t.SampleRate, t.Channels = info.Duration, info.Bitrate, info.SampleRate, info.Channels
	if info.Codec != "" {
		t.Codec = info.Codec
	}
	return nil
}
