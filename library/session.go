package library

import (
	"context"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"
)

// Session is what the listener had open when the app last stopped: the
// queue and where in it they were, the playback modes, the volume, the
// view and the window's size. It is stored as JSON beside the settings
// (fields can be added without a migration).
type Session struct {
	Queue      []TrackID `json:"queue"`       // in list order
	Current    int       `json:"current"`     // index in Queue; -1 none
	PositionMS int64     `json:"position_ms"` // in the current track
	Shuffle    bool      `json:"shuffle"`
	Repeat     string    `json:"repeat"` // "off", "one" or "all"
	Volume     float64   `json:"volume"` // 0 to 1
	View       string    `json:"view"`   // the window's view (its sidebar entry)
	// WindowWidth and WindowHeight are the window's content size; 0
	// when unknown.
	WindowWidth  float32 `json:"window_width"`
	WindowHeight float32 `json:"window_height"`
}

var keySession = []byte("session")

// Session returns the stored session; ok is false when none was saved.
func (l *Library) Session(ctx context.Context) (s Session, ok bool, err error) {
	if err := ctxErr(ctx); err != nil {
		return s, false, err
	}
	err = l.view(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketSettings).Get(keySession)
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("the saved session in %s is damaged (it is replaced at the next save): %w", l.db.Path(), err)
		}
		ok = true
		return nil
	})
	if err != nil || !ok {
		return Session{Current: -1}, false, err
	}
	if s.Current < -1 || s.Current >= len(s.Queue) || s.Volume < 0 || s.Volume > 1 || s.Volume != s.Volume {
		return Session{Current: -1}, false, fmt.Errorf("the saved session in %s is out of range (current %d of %d, volume %v): starting afresh", l.db.Path(), s.Current, len(s.Queue), s.Volume)
	}
	return s, true, nil
}

// SaveSession stores s, replacing the last one.
func (l *Library) SaveSession(ctx context.Context, s Session) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	v, err := json.Marshal(&s)
	if err != nil {
		return err
	}
	return l.update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSettings).Put(keySession, v)
	})
}
