package library

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"sort"
	"time"

	"go.etcd.io/bbolt"
)

// keyPathStyle records in the meta bucket the pathKeyStyle the bypath keys
// follow, so a library file moved to an OS of another style is re-keyed.
var keyPathStyle = []byte("pathkeys")

// pathStyleCurrent reports whether the bypath keys of the file follow
// pathKeys.
func pathStyleCurrent(tx *bbolt.Tx) bool {
	meta := tx.Bucket(bucketMeta)
	return meta != nil && string(meta.Get(keyPathStyle)) == pathKeys.name()
}

func putPathStyle(tx *bbolt.Tx) error {
	return tx.Bucket(bucketMeta).Put(keyPathStyle, []byte(pathKeys.name()))
}

// pathGroup is the tracks whose paths have one key.
type pathGroup struct {
	key []byte
	ids []TrackID
}

// migratePathKeys rebuilds the bypath index from the tracks' paths with
// the keys pathKey makes on this OS: on Windows and macOS, C:\Music\A.flac
// and c:\music\a.flac become one key (and a library moved back to Linux
// gets exact keys again). Tracks that were two spellings of one file are
// merged. It works batchSize keys a transaction and is safe to interrupt
// and rerun: each run starts from the tracks, and a group already done is
// one track under its own key.
//
// Why merge rather than keep both records: the same file listed twice is
// the bug this fixes. Every stored use of a TrackID is in this file
// (playlists and the saved queue), so the merge rewrites those in the same
// transaction that deletes the merged track, and nothing the user made is
// lost: play counts add up, the favourite mark, the earliest added and the
// latest play are kept, and a playlist that held both keeps both entries
// (now the same track). The one case not merged is two records with
// different swarm locations (the file shared in two torrents): a track has
// one location, so the second record stays, as a swarm track (its local
// path cleared: the kept track has that file), with its ID, play count and
// playlist entries.
func migratePathKeys(ctx context.Context, l *Library) error {
	var groups []*pathGroup
	var stale [][]byte
	err := l.view(func(tx *bbolt.Tx) error {
		byKey := map[string]*pathGroup{}
		damaged := map[TrackID]bool{}
		err := tx.Bucket(bucketTracks).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return nil
			}
			t, err := decodeTrack(keyID(k), v)
			if err != nil {
				damaged[keyID(k)] = true // reported where it is read; salvage rebuilds it
				return nil
			}
			if t.Path == "" {
				return nil
			}
			nk := pathKey(t.Path)
			g := byKey[string(nk)]
			if g == nil {
				g = &pathGroup{key: nk}
				byKey[string(nk)] = g
			}
			g.ids = append(g.ids, t.ID)
			return nil
		})
		if err != nil {
			return err
		}
		byPath := tx.Bucket(bucketByPath)
		for k, g := range byKey {
			if len(g.ids) > 1 || keyID(byPath.Get([]byte(k))) != g.ids[0] {
				groups = append(groups, g)
			}
		}
		// Entries under keys no track has: old spellings, or stale.
		return byPath.ForEach(func(k, v []byte) error {
			if byKey[string(k)] == nil && !damaged[keyID(v)] {
				stale = append(stale, bytes.Clone(k))
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	for start := 0; start < len(stale); start += batchSize {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		batch := stale[start:min(start+batchSize, len(stale))]
		err := l.update(func(tx *bbolt.Tx) error {
			for _, k := range batch {
				if err := tx.Bucket(bucketByPath).Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	sort.Slice(groups, func(i, j int) bool { return bytes.Compare(groups[i].key, groups[j].key) < 0 })
	for start := 0; start < len(groups); start += batchSize {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		batch := groups[start:min(start+batchSize, len(groups))]
		err := l.update(func(tx *bbolt.Tx) error {
			ac := albumCache{}
			merged := map[TrackID]TrackID{}
			for _, g := range batch {
				if err := rekeyGroup(tx, ac, g, merged); err != nil {
					return err
				}
			}
			if err := ac.flush(tx); err != nil {
				return err
			}
			if err := dropSearchSnapshot(tx); err != nil {
				return err
			}
			return remapTrackIDs(tx, merged)
		})
		if err != nil {
			return err
		}
	}
	return l.update(putPathStyle)
}

// rekeyGroup puts one group's key on the track kept, merging the others
// into it (see migratePathKeys) and noting each merged ID in merged.
func rekeyGroup(tx *bbolt.Tx, ac albumCache, g *pathGroup, merged map[TrackID]TrackID) error {
	tracks := make([]Track, 0, len(g.ids))
	for _, id := range g.ids {
		t, err := getTrack(tx, id)
		if err != nil {
			return err // read a moment ago in this migration
		}
		tracks = append(tracks, t)
	}
	if len(tracks) == 1 {
		return tx.Bucket(bucketByPath).Put(g.key, idKey(tracks[0].ID))
	}
	// Keep a track whose file was found over a missing one, then the
	// oldest (the one most likely in playlists).
	slices.SortFunc(tracks, func(a, b Track) int {
		if a.Missing != b.Missing {
			if a.Missing {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	old := tracks[0]
	kept := old
	for i := range tracks[1:] {
		dup := &tracks[1+i]
		if kept.Swarm != nil && dup.Swarm != nil && !bytes.Equal(swarmKey(kept.Swarm), swarmKey(dup.Swarm)) {
			t := *dup
			t.Path, t.Missing, t.ModTime = "", false, time.Time{}
			if err := rewriteTrack(tx, ac, dup, &t); err != nil {
				return err
			}
			continue
		}
		m := mergeTrack(*dup, kept)
		m.ID, m.Added = kept.ID, kept.Added
		if !dup.Added.IsZero() && (m.Added.IsZero() || dup.Added.Before(m.Added)) {
			m.Added = dup.Added
		}
		m.PlayCount = kept.PlayCount + dup.PlayCount
		if dup.LastPlayed.After(kept.LastPlayed) {
			m.LastPlayed = dup.LastPlayed
		}
		m.Favourite = kept.Favourite || dup.Favourite
		if err := deleteIndexes(tx, ac, dup, &Track{}); err != nil {
			return err
		}
		if err := tx.Bucket(bucketTracks).Delete(idKey(dup.ID)); err != nil {
			return err
		}
		merged[dup.ID] = kept.ID
		kept = m
	}
	if err := rewriteTrack(tx, ac, &old, &kept); err != nil {
		return err
	}
	return tx.Bucket(bucketByPath).Put(g.key, idKey(kept.ID))
}

// remapTrackIDs points the playlists and the saved queue at the tracks
// merged IDs went into.
func remapTrackIDs(tx *bbolt.Tx, merged map[TrackID]TrackID) error {
	swap := func(ids []TrackID) bool {
		changed := false
		for i, id := range ids {
			if to, ok := merged[id]; ok {
				ids[i], changed = to, true
			}
		}
		return changed
	}
	if err := editPlaylists(tx, func(items []TrackID) ([]TrackID, bool) { return items, swap(items) }); err != nil {
		return err
	}
	settings := tx.Bucket(bucketSettings)
	var s Session
	if v := settings.Get(keySession); v == nil || json.Unmarshal(v, &s) != nil || !swap(s.Queue) {
		return nil // none, or damaged (replaced at the next save), or unchanged
	}
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return settings.Put(keySession, v)
}
