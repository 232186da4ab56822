package app

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/player"
)

// TestSessionSavedOnChange: once the session is restored, changes are
// written to the library file by themselves, a moment after they settle,
// with no Close (a crash keeps them); before RestoreSession nothing is
// written, so a headless command never replaces the window's session.
func TestSessionSavedOnChange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := openCore(t, ctx, nil)
	album := makeAlbum(t, t.TempDir(), 3)
	if _, err := c.Import(ctx, []string{album}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	ids, _, err := c.TrackIDs(ctx, "", OrderArtist)
	if err != nil {
		t.Fatal(err)
	}
	tracks, err := c.Tracks(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Play(tracks, 2); err != nil {
		t.Fatal(err)
	}
	// Without RestoreSession nothing is saved: a save would come
	// sessionDebounce after a change, so twice that is enough to see one.
	c.SetSessionView("Transfers")
	time.Sleep(2 * sessionDebounce)
	if _, ok, err := c.Library().Session(ctx); ok || err != nil {
		t.Fatalf("a session was saved before RestoreSession (%v)", err)
	}
	c.RestoreSession(ctx)
	if err := c.SetRepeat(RepeatOne); err != nil {
		t.Fatal(err)
	}
	if err := c.SetVolume(0.5); err != nil {
		t.Fatal(err)
	}
	c.SetSessionView("Queue")
	waitFor(t, ctx, "the session to be saved", func() bool {
		s, ok, err := c.Library().Session(ctx)
		return err == nil && ok && s.Repeat == "one" && s.Volume == 0.5 && s.View == "Queue" &&
			slices.Equal(s.Queue, ids) && s.Current == 2
	})
}

// TestSessionRestoreLeavesOutGoneTracks restores a saved queue whose
// current track is no longer in the library: the others are cued, and
// the track after the gone one is current, from its start.
func TestSessionRestoreLeavesOutGoneTracks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := openCore(t, ctx, nil)
	album := makeAlbum(t, t.TempDir(), 2)
	if _, err := c.Import(ctx, []string{album}, nil); err != nil {
		t.Fatal(err)
	}
	ids, _, err := c.TrackIDs(ctx, "", OrderArtist)
	if err != nil || len(ids) != 2 {
		t.Fatalf("%d tracks, %v", len(ids), err)
	}
	const gone = TrackID(999_999)
	if err := c.Library().SaveSession(ctx, Session{Queue: []TrackID{ids[0], gone, ids[1]}, Current: 1, PositionMS: 1500, Volume: 0.6, Repeat: "all"}); err != nil {
		t.Fatal(err)
	}
	if err := c.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	s := c.RestoreSession(ctx)
	if !slices.Equal(s.Queue, ids) || s.Current != 1 || s.PositionMS != 0 {
		t.Fatalf("restored %+v, want queue %v, current 1 from its start", s, ids)
	}
	st, err := c.PlayerState()
	if err != nil {
		t.Fatal(err)
	}
	if !st.Paused || st.Index != 1 || len(st.Queue) != 2 || st.Repeat != RepeatAll || st.Position > 100*time.Millisecond {
		t.Errorf("engine after restore: %+v", st)
	}
}
