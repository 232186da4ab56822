package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/swarmtone/swarmtone/internal/sharedfile"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/player"
)

// runShare shares PATH... and seeds until interrupted. The magnet is the
// first line of stdout so scripts can read it.
func runShare(ctx context.Context, cli *CLI, opts Options, paths []string) error {
	core, err := OpenCore(ctx, opts)
	if err != nil {
		return err
	}
	defer core.Close()
	sh, err := core.ShareWith(ctx, paths, ShareOptions{WebSeeds: opts.WebSeeds}, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(cli.Stdout, sh.Magnet)
	for _, f := range sh.Files {
		fmt.Fprintf(cli.Stdout, "%d\t%s\t%d\n", f.Index, f.Path, f.Length)
	}
	for _, s := range sh.Skipped {
		fmt.Fprintln(cli.Stderr, "swarmtone: not shared:", s)
	}
	fmt.Fprintf(cli.Stderr, "swarmtone: seeding %q on %s; press Ctrl+C to stop\n", sh.Name, core.node.Addr())
	<-ctx.Done()
	return nil
}

// runAdd records a torrent, waits for its metadata and lists its files.
func runAdd(ctx context.Context, cli *CLI, opts Options, args []string) error {
	if err := network.ValidateSource(args[0]); err != nil {
		return err // before anything is written
	}
	core, err := OpenCore(ctx, opts)
	if err != nil {
		return err
	}
	defer core.Close()
	files, _, err := core.addAndWait(ctx, args[0])
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(cli.Stdout, 0, 4, 2, ' ', 0)
	for _, f := range files {
		fmt.Fprintf(w, "%d\t%s\t%d\n", f.Index, f.Path, f.Length)
	}
	return w.Flush()
}

// addAndWait adds a torrent source, waits up to --timeout for its files
// and records them in the library.
func (c *Core) addAndWait(ctx context.Context, source string) ([]network.File, string, error) {
	files, ih, err := c.addAndWaitFiles(ctx, source)
	if err != nil {
		return nil, "", err
	}
	return files, ih, c.recordTracks(ctx, ih, files)
}

// addAndWaitFiles adds a torrent source and waits up to --timeout for its
// files, without recording them.
func (c *Core) addAndWaitFiles(ctx context.Context, source string) ([]network.File, string, error) {
	timeout := c.opts.Timeout
	added, err := c.Add(ctx, source)
	if err != nil {
		return nil, "", err
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	files, err := c.waitFiles(wctx, added.InfoHash)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, "", fmt.Errorf("no metadata for %s after %s: no peer answered; check the link, add --peer HOST:PORT, or raise --timeout", added.InfoHash, timeout)
		}
		return nil, "", err
	}
	return files, added.InfoHash, nil
}

// runList prints the library's tracks in artist, album, track order.
func runList(ctx context.Context, cli *CLI, opts Options, _ []string) error {
	core, err := openCoreWith(ctx, opts, false) // listing needs no network
	if err != nil {
		return err
	}
	defer core.Close()
	w := tabwriter.NewWriter(cli.Stdout, 0, 4, 2, ' ', 0)
	after := ""
	for range 1 << 20 { // bounded: a page of 500 at a time
		page, err := core.lib.Browse(ctx, after, 500)
		if err != nil {
			return err
		}
		for _, t := range page.Tracks {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Artist, t.Album, t.DisplayTitle(), FormatDuration(t.Duration), core.WhereFrom(t))
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	return w.Flush()
}

// runSeed restores every torrent of the library and seeds until interrupted.
func runSeed(ctx context.Context, cli *CLI, opts Options, _ []string) error {
	core, err := OpenCore(ctx, opts)
	if err != nil {
		return err
	}
	defer core.Close()
	fmt.Fprintf(cli.Stderr, "swarmtone: seeding %d torrents on %s; press Ctrl+C to stop\n", len(core.node.Records()), core.node.Addr())
	core.KeepChannelsFresh(ctx) // followed channels fresh and re-announced; returns at once without a DHT
	<-ctx.Done()
	return nil
}

// runPlay plays a local file, or a torrent's audio files (or --file N) while
// they stream, through the sound card or into --out, and exits at the end.
func runPlay(ctx context.Context, cli *CLI, opts Options, args []string) error {
	source := args[0]
	local := isLocalAudio(source)
	if !local {
		if err := network.ValidateSource(source); err != nil {
			return err
		}
	}
	// The output opens first: a bad --out fails at once, and the sound card
	// starts while the library, the node and the metadata are on their way.
	output := openOutputEarly(ctx, opts.Out)
	defer output.discard()
	if err := output.failed(); err != nil {
		return err
	}
	core, err := openCoreWith(ctx, opts, !local) // a local file needs no network
	if err != nil {
		return err
	}
	defer core.Close()
	if opts.Stats {
		cli.stat(opts, "open_ms", time.Now())
	}
	notices, unsubscribe := core.Subscribe(16) // a full disk, said once
	defer unsubscribe()

	var tracks []player.Track
	record := func() {} // learns the tracks of a torrent, once
	if local {
		tracks = []player.Track{{ID: source, Open: func(context.Context) (io.ReadSeekCloser, error) { return sharedfile.Open(source) }}}
	} else {
		files, ih, err := core.addAndWaitFiles(ctx, source)
		if err != nil {
			return err
		}
		if opts.Stats {
			cli.stat(opts, "metadata_ms", time.Now())
		}
		// The library learns the tracks once the first one plays: its writes
		// (and their fsyncs) are not in the way of the first sample.
		recorded := make(chan error, 1)
		record = sync.OnceFunc(func() { go func() { recorded <- core.recordTracks(ctx, ih, files) }() })
		defer func() {
			record()
			if err := <-recorded; err != nil {
				fmt.Fprintln(cli.Stderr, "swarmtone: recording the tracks in the library:", oneLine(err))
			}
		}()
		if tracks, err = core.torrentTracks(ctx, ih, files, opts.File); err != nil {
			return err
		}
	}

	out, closeOut, err := output.take()
	if err != nil {
		return err
	}
	engine, err := player.New(out)
	if err != nil {
		closeOut()
		return err
	}
	played, failures := 0, []string{}
	core.followQueue(engine)
	engine.PlayList(tracks, 0)
	core.prefetchSoon()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case ev := <-notices:
			if ev.Kind == EventNotice {
				fmt.Fprintln(cli.Stderr, "swarmtone:", ev.Notice)
			}
		case ev := <-engine.Events():
			switch ev.Kind {
			case player.EventTrackStarted:
				core.prefetchSoon() // the upcoming tracks moved on
				if played == 0 && opts.Stats {
					cli.stat(opts, "first_sample_ms", time.Now())
					if at := core.FirstStreamedByte(); !at.IsZero() {
						cli.stat(opts, "first_byte_ms", at)
					}
				}
				if played == 0 {
					// Sound started: a new library may wait for the disk now
					// (an error comes back from Close).
					go core.durable()
				}
				record()
				played++
			case player.EventError:
				failures = append(failures, ev.Err.Error())
				fmt.Fprintln(cli.Stderr, "swarmtone: skipped:", oneLine(ev.Err))
			case player.EventStopped:
				done = true
			}
		}
	}
	if b, ok := out.(interface{ Buffered() time.Duration }); ok && ctx.Err() == nil {
		time.Sleep(b.Buffered() + 200*time.Millisecond) // let the sound card play the tail
	}
	err = errors.Join(engine.Close(), closeOut())
	if err != nil {
		return fmt.Errorf("finishing playback: %w", err)
	}
	if played == 0 && len(failures) > 0 {
		return fmt.Errorf("nothing could be played: %s", failures[0])
	}
	return ctx.Err()
}

// isLocalAudio tells an audio file on disk from a torrent source.
func isLocalAudio(source string) bool {
	if strings.HasPrefix(strings.ToLower(source), "magnet:") || strings.HasSuffix(strings.ToLower(source), ".torrent") {
		return false
	}
	st, err := os.Stat(source)
	return err == nil && st.Mode().IsRegular()
}

// torrentTracks are the tracks to play: file only (when ≥ 0) or every audio
// file in the torrent's order.
func (c *Core) torrentTracks(ctx context.Context, infoHash string, files []network.File, only int) ([]player.Track, error) {
	ih, err := parseInfoHash(infoHash)
	if err != nil {
		return nil, err
	}
	if only >= len(files) {
		return nil, fmt.Errorf("%w: --file %d: the torrent has %d files (0 to %d)", errUsage, only, len(files), len(files)-1)
	}
	var tracks []player.Track
	for _, f := range files {
		if (only >= 0 && f.Index != only) || (only < 0 && !library.PlaysFromSwarm(f.Path)) {
			continue
		}
		t, err := c.lib.TrackBySwarm(ctx, ih, f.Index)
		if errors.Is(err, library.ErrNotFound) {
			t = library.Track{Swarm: &library.SwarmLocation{InfoHash: ih, FileIndex: f.Index, Path: f.Path}}
		} else if err != nil {
			return nil, err
		}
		pt, err := c.PlayerTrack(t)
		if err != nil {
			return nil, err
		}
		tracks = append(tracks, pt)
	}
	if len(tracks) == 0 {
		return nil, fmt.Errorf("torrent %s has no audio files this player knows", infoHash)
	}
	return tracks, nil
}

// earlyOutput is an output opened before it is needed.
type earlyOutput struct {
	path  string
	done  chan struct{}
	out   player.Output
	close func() error
	err   error
	taken bool
}

// openOutputEarly opens a WAV file at once and the sound card in the
// background.
func openOutputEarly(ctx context.Context, path string) *earlyOutput {
	o := &earlyOutput{path: path, done: make(chan struct{})}
	open := func() {
		o.out, o.close, o.err = openOutput(ctx, path)
		close(o.done)
	}
	if path != "" {
		open()
	} else {
		go open()
	}
	return o
}

// failed is the output's error when it is already known.
func (o *earlyOutput) failed() error {
	select {
	case <-o.done:
		return o.err
	default:
		return nil
	}
}

// take waits for the output; from then on the caller closes it.
func (o *earlyOutput) take() (player.Output, func() error, error) {
	<-o.done
	o.taken = o.err == nil
	return o.out, o.close, o.err
}

// discard closes an output that was never taken, and removes its WAV file:
// nothing was played into it.
func (o *earlyOutput) discard() {
	<-o.done
	if o.taken || o.err != nil {
		return
	}
	o.close()
	if o.path != "" {
		os.Remove(o.path)
	}
}

// openOutput is the sound card, or a WAV file rendered as fast as the
// audio arrives when path is set.
func openOutput(ctx context.Context, path string) (player.Output, func() error, error) {
	if path == "" {
		octx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		out, err := player.NewOtoOutput(octx)
		if err != nil {
			return nil, nil, err
		}
		return out, func() error { return nil }, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, fmt.Errorf("creating the folder of %s: %w", path, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("creating %s: %w", path, err)
	}
	return player.NewWAVSink(f, 0), f.Close, nil
}

// stat prints one --stats line: milliseconds from the process start.
func (cli *CLI) stat(opts Options, name string, at time.Time) {
	fmt.Fprintf(cli.Stderr, "%s %d\n", name, at.Sub(opts.Start).Milliseconds())
}
