package main

// The lab's listener: this bench binary run again inside the listener's
// namespace (labListenerEnv), a Swarmtone Core (library, node, player,
// prefetch: what the window drives) playing into a null sound device timed
// as the app's oto output is (player.NullDevice: a track starts when its
// first audio is decoded, not at the sink's next pull). It plays the
// session's script and prints one JSON result per play.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/player"
)

// labListenerEnv names the plan file: the bench binary is then the listener.
const labListenerEnv = "SWARMTONE_BENCH_LAB_LISTENER"

// labDebugEnv set, the listeners log at debug (lab_listenerN.log): every
// stream's first byte and read, not only those over a second.
const labDebugEnv = "SWARMTONE_BENCH_LAB_DEBUG"

type labPlan struct {
	Listen string // host:port inside the listener's namespace
	Data   string
	Albums []labPlanAlbum
	Plays  []labPlay
	// Budget bounds the session: no play starts after it (the run must
	// end in time on a slow machine, with the plays it managed).
	Budget time.Duration
	// TrackLen is the catalogue's track length, for a track whose length
	// the player does not know yet when it starts (a stream's header
	// without the sample count).
	TrackLen time.Duration
}

type labPlanAlbum struct {
	Name   string
	Magnet string // with an x.pe for every peer that holds it and every other listener, as a tracker would give
}

// labPlay is one play of the script.
type labPlay struct {
	Album, Track int
	// Kind: "listen" (Hold seconds), "skip" (a short Hold), "seek" (Hold,
	// a seek to SeekFrac of the track, Hold again) or "through" (to the
	// track's end).
	Kind     string
	Hold     float64
	SeekFrac float64
	// Next: the previous play was this album's previous track; go on with
	// the player's Next (the queue, and what was fetched ahead for it).
	Next bool
}

type labResult struct {
	labPlay
	Listener int       // which of the lab's listeners played it
	Cold     bool      // the album's first play: its metadata came first
	Clicked  int64     // Unix ms of the click: orders the listeners' plays
	Meta     float64   // ms from the click to the album's tracks known (cold plays)
	TTFA     float64   // ms from the click to the first sample; -1: never started
	Seek     float64   // ms from the seek to audio at the new place; -1: none
	Stalls   []float64 // ms of each stall (the buffer empty while playing)
	Err      string
}

// labListenerChild is the listener's main.
func labListenerChild(planPath string) error {
	if os.Getenv(labDebugEnv) != "" {
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
	b, err := os.ReadFile(planPath)
	if err != nil {
		return err
	}
	var plan labPlan
	if err := json.Unmarshal(b, &plan); err != nil {
		return fmt.Errorf("%s: %w", planPath, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	core, err := app.OpenCore(ctx, app.Options{DataDir: plan.Data, Listen: plan.Listen, NoDHT: true, Timeout: 30 * time.Second, Start: time.Now()})
	if err != nil {
		return err
	}
	defer core.Close()
	if err := core.StartPlayer(ctx, player.NewNullDevice()); err != nil {
		return err
	}
	evs, cancel := core.Subscribe(4096)
	defer cancel()
	rec := &labRecorder{poke: make(chan struct{}, 1)}
	go rec.run(evs)

	tracksOf := map[int][]app.Track{}
	enc := json.NewEncoder(os.Stdout)
	end := time.Now().Add(plan.Budget)
	for _, pl := range plan.Plays {
		if ctx.Err() != nil || (plan.Budget > 0 && time.Now().After(end)) {
			break
		}
		r := labPlayOne(ctx, core, rec, plan, pl, tracksOf)
		enc.Encode(r)
	}
	return nil
}

func labPlayOne(ctx context.Context, core *app.Core, rec *labRecorder, plan labPlan, pl labPlay, tracksOf map[int][]app.Track) labResult {
	r := labResult{labPlay: pl, TTFA: -1, Seek: -1}
	fail := func(err error) labResult { r.Err = err.Error(); return r }
	click := time.Now()
	r.Clicked = click.UnixMilli()
	// In the listener's log (lab_listenerN.log): what each play's stream
	// lines that follow belong to.
	slog.Info("lab play", "album", pl.Album, "track", pl.Track, "kind", pl.Kind, "next", pl.Next)
	tracks, ok := tracksOf[pl.Album]
	if !ok {
		r.Cold = true
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		added, err := core.Add(actx, plan.Albums[pl.Album].Magnet)
		if err == nil {
			_, err = core.WaitTracks(actx, added.InfoHash)
		}
		if err == nil {
			tracks, err = core.TorrentTracks(actx, added.InfoHash)
		}
		cancel()
		if err != nil {
			return fail(fmt.Errorf("album %d: %w", pl.Album, err))
		}
		tracksOf[pl.Album] = tracks
		r.Meta = ms(time.Since(click))
	}
	if len(tracks) == 0 {
		return fail(fmt.Errorf("album %d has no tracks", pl.Album))
	}
	k := pl.Track % len(tracks)
	rec.expect(strconv.FormatUint(uint64(tracks[k].ID), 10))
	var err error
	if pl.Next {
		err = core.NextTrack()
	} else {
		err = core.Play(tracks, k)
	}
	if err != nil {
		return fail(err)
	}
	started, dur, err := rec.waitStart(ctx, 20*time.Second)
	if err != nil {
		r.Stalls = rec.finish()
		return fail(err)
	}
	r.TTFA = ms(started.Sub(click))
	if dur <= 0 {
		dur = plan.TrackLen
	}
	hold := time.Duration(pl.Hold * float64(time.Second))
	switch pl.Kind {
	case "through":
		hold = dur + 10*time.Second // until the end, bounded
	case "seek":
		rec.holdUntil(ctx, time.Now().Add(hold))
		target := time.Duration(pl.SeekFrac * float64(dur))
		rec.setSeeking(true)
		t0 := time.Now()
		if err := core.Seek(target); err != nil {
			r.Stalls = rec.finish()
			return fail(err)
		}
		// Audio at the new place: the audible position passed the target
		// (it is set there at once, less what the sink still holds of the
		// old place, and moves only with new samples) by more than the
		// rounding of the target to a sample frame: with nothing held in
		// the sink, the position set at the seek was already past the
		// target in a third of the seeks, the seek took "0 ms" and its
		// wait for the new place's data was counted as a stall.
		for deadline := t0.Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if st, err := core.PlayerState(); err == nil && st.Position > target+seekArrived {
				r.Seek = ms(time.Since(t0))
				break
			}
		}
		rec.setSeeking(false)
	}
	rec.holdUntil(ctx, time.Now().Add(hold))
	r.Stalls = rec.finish()
	if r.Seek < 0 && pl.Kind == "seek" {
		r.Err = "no audio within 20 s of the seek"
	}
	return r
}

// seekArrived is how far past a seek's target the audible position must be
// for the lab to count the seek done: more than a sample frame (23 µs), less
// than an output period.
const seekArrived = time.Millisecond

// labRecorder follows the player's events for the track being played.
type labRecorder struct {
	mu         sync.Mutex
	cur        string // the track ID of this play
	started    time.Time
	dur        time.Duration
	ended      bool
	err        error
	seeking    bool      // buffering now is the seek's wait, not a stall
	stallStart time.Time // zero: not stalled
	stalls     []float64
	poke       chan struct{}
}

func (r *labRecorder) run(evs <-chan app.Event) {
	for ev := range evs {
		if ev.Kind != app.EventPlayer || ev.Player == nil {
			continue
		}
		pe := ev.Player
		now := time.Now()
		r.mu.Lock()
		if pe.TrackID == r.cur {
			switch pe.Kind {
			case player.EventTrackStarted:
				if r.started.IsZero() {
					r.started, r.dur = now, pe.Duration
				}
			case player.EventBuffering:
				if !r.started.IsZero() && !r.seeking && r.stallStart.IsZero() {
					r.stallStart = now
				}
			case player.EventResumed:
				r.endStall(now)
			case player.EventTrackEnded:
				r.ended = true
				r.endStall(now)
			case player.EventError:
				r.err = pe.Err
			}
		}
		r.mu.Unlock()
		select {
		case r.poke <- struct{}{}:
		default:
		}
	}
}

// endStall closes a stall in progress; called with mu held.
func (r *labRecorder) endStall(now time.Time) {
	if !r.stallStart.IsZero() {
		r.stalls = append(r.stalls, ms(now.Sub(r.stallStart)))
		r.stallStart = time.Time{}
	}
}

func (r *labRecorder) expect(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cur, r.started, r.dur, r.ended, r.err = id, time.Time{}, 0, false, nil
	r.seeking, r.stallStart, r.stalls = false, time.Time{}, nil
}

func (r *labRecorder) setSeeking(on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if on {
		r.endStall(time.Now())
	}
	r.seeking = on
}

// waitStart waits for the track's first sample.
func (r *labRecorder) waitStart(ctx context.Context, limit time.Duration) (time.Time, time.Duration, error) {
	t := time.NewTimer(limit)
	defer t.Stop()
	for {
		r.mu.Lock()
		started, dur, err := r.started, r.dur, r.err
		r.mu.Unlock()
		switch {
		case !started.IsZero():
			return started, dur, nil
		case err != nil:
			return started, dur, err
		}
		select {
		case <-r.poke:
		case <-t.C:
			return started, dur, fmt.Errorf("no audio within %v", limit)
		case <-ctx.Done():
			return started, dur, ctx.Err()
		}
	}
}

// holdUntil listens until deadline or the track's end.
func (r *labRecorder) holdUntil(ctx context.Context, deadline time.Time) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for {
		r.mu.Lock()
		ended := r.ended
		r.mu.Unlock()
		if ended {
			return
		}
		select {
		case <-r.poke:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// finish ends the play: a stall still going lasted until now.
func (r *labRecorder) finish() []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endStall(time.Now())
	r.cur = ""
	return r.stalls
}

// labReadResults parses the listener's output.
func labReadResults(out []byte) ([]labResult, error) {
	var rs []labResult
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var r labResult
		if err := dec.Decode(&r); err != nil {
			return rs, err
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return nil, errors.New("the listener reported no plays")
	}
	return rs, nil
}
