package network

import (
	"fmt"
	"time"

	"github.com/anacrolix/torrent/metainfo"
	"go.etcd.io/bbolt"
)

// pausedBucket holds the infohashes the user paused, so a pause survives a
// restart.
var pausedBucket = []byte("network/paused")

// SetPaused stops a torrent's uploads and downloads, or lets them run
// again: the user's pause, separate from the seeding policy. Stats shows
// StatePaused while it lasts, and Restore brings it back after a restart.
// Resuming also lifts a seeding-policy stop and restarts the seeding clock:
// the user asked for this torrent to run.
func (n *Node) SetPaused(infoHash string, paused bool) error {
	e, ih, err := n.get(infoHash)
	if err != nil {
		return err
	}
	if err := n.savePaused(ih, paused); err != nil {
		return err
	}
	n.pause(e, paused)
	return nil
}

// pause applies the user's pause to a torrent.
func (n *Node) pause(e *entry, paused bool) {
	e.mu.Lock()
	e.userPaused = paused
	if !paused && e.paused {
		e.paused, e.doneAt = false, time.Now()
	}
	refused := e.validErr != nil
	e.mu.Unlock()
	if paused {
		e.t.DisallowDataUpload()
		e.t.DisallowDataDownload()
		return
	}
	e.t.AllowDataUpload()
	if !refused { // metadata we refused never downloads
		e.t.AllowDataDownload()
	}
}

// savePaused records (or clears) the user's pause of ih.
func (n *Node) savePaused(ih metainfo.Hash, paused bool) error {
	err := update(n.db, func(tx *bbolt.Tx) error {
		b := tx.Bucket(pausedBucket)
		if paused {
			return b.Put(ih[:], []byte{1})
		}
		return b.Delete(ih[:])
	})
	if err != nil {
		return fmt.Errorf("saving the pause of %s: %w", ih.HexString(), err)
	}
	return nil
}

// loadPaused returns the set of torrents the user paused.
func loadPaused(db *bbolt.DB) (map[metainfo.Hash]bool, error) {
	out := map[metainfo.Hash]bool{}
	err := view(db, func(tx *bbolt.Tx) error {
		return tx.Bucket(pausedBucket).ForEach(func(k, _ []byte) error {
			if len(k) == len(metainfo.Hash{}) {
				out[metainfo.Hash(k)] = true
			}
			return nil
		})
	})
	return out, err
}

// Paused reports whether the user paused a torrent.
func (n *Node) Paused(infoHash string) bool {
	e, _, err := n.get(infoHash)
	if err != nil {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.userPaused
}
