package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/swarmtone/swarmtone/desktop/instance"
	"github.com/swarmtone/swarmtone/desktop/signals"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/network"
)

// Exit codes of the swarmtone binary.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Options are the command line's settings.
type Options struct {
	Meta    Metadata
	DataDir string // where the library file and downloads live

	Listen string   // ADDR:PORT for the BitTorrent node
	NoDHT  bool     // no DHT, LSD, UPnP, PEX or trackers
	Peers  []string // HOST:PORT peers to connect to directly
	Stats  bool     // print timings to stderr
	// Bootstrap (HOST:PORT) are the only DHT nodes to start from; the DHT
	// is on with them even beside NoDHT (a private or test DHT).
	Bootstrap []string

	File    int           // play: only this file of a torrent (-1: all)
	Out     string        // play: write a WAV instead of using the sound card
	Timeout time.Duration // add: how long to wait for metadata

	ChannelName string // channel create --name

	// WebSeeds (share --web-seed, repeatable) are HTTP(S) servers that hold
	// the shared files too (BEP 19).
	WebSeeds []string

	// SeedRatio and SeedTime (--seed-ratio, --seed-time) override the
	// settings' seeding limits for this run when set; 0 seeds forever.
	SeedRatio *float64
	SeedTime  *time.Duration

	// Open is what the window opens at start: magnet links (a browser's
	// magnet: handler), .torrent, audio or playlist files ("Open with").
	Open []string

	// Start is when the process started; --stats counts from it.
	Start time.Time

	// Forward hands add, play or share to the running window instead of
	// refusing to run beside it (--forward).
	Forward bool

	// Handoff delivers to the window what later launches hand over
	// (magnets, files, file:// URIs; none: just come to the front).
	Handoff <-chan []string

	// HandOver gives the window arguments as a later launch would (set
	// for the window: MPRIS's OpenUri and Raise use it).
	HandOver func(args []string)

	// OnCore, when set, is called once the window's Core is open (and its
	// player started); the window calls the stop it returns before it
	// closes the Core. main starts MPRIS with it.
	OnCore func(*Core) (stop func())

	// owner is this process's claim on DataDir (desktop/instance).
	owner *instance.Owner

	// ReadSwarmTags reads the tags of fetched files from the swarm in the
	// background, so they show before they are downloaded (the window).
	ReadSwarmTags bool
}

// GUI opens the window and returns when the user quits. main supplies it so
// that only main imports fyne.io/fyne/v2/app.
type GUI func(context.Context, Options) error

// command is one verb of the command line.
type command struct {
	name    string
	args    string   // synopsis of the arguments
	summary string   // one line for --help
	flags   []string // command-specific flags it accepts
	minArgs int
	maxArgs int  // -1: any number
	data    bool // uses the data folder: one process at a time (desktop/instance)
	run     func(ctx context.Context, cli *CLI, opts Options, args []string) error
}

// seedFlags limit the seeding of downloads by the commands that seed on.
var seedFlags = []string{"seed-ratio", "seed-time"}

// commonFlags are accepted by every command.
var commonFlags = []string{"data", "listen", "no-dht", "peer", "stats", "bootstrap"}

// CLI is the swarmtone command line.
type CLI struct {
	Stdout, Stderr io.Writer
	FyneAppTOML    []byte // the embedded FyneApp.toml: the version lives there
	GUI            GUI
	Start          time.Time // process start, for --stats; zero means ProcessStart
	// Exit ends the process when a stop takes too long or a second signal
	// comes; nil means os.Exit.
	Exit func(code int)
	// Getenv reads the environment (DISPLAY); nil means os.Getenv.
	Getenv func(string) string
}

func (cli *CLI) getenv(name string) string {
	if cli.Getenv != nil {
		return cli.Getenv(name)
	}
	return os.Getenv(name)
}

// ExitGrace is how long a stop may take after the first SIGINT or SIGTERM:
// then every goroutine's stack goes to stderr (so a stuck exit can be
// understood) and the process ends anyway, within the 5 s a session's
// logout or a service manager allows. bbolt's committed transactions are
// in the file by then; a forced exit loses only what was not committed.
var ExitGrace = 4 * time.Second

// stopOnSignals returns a context that ends at the first SIGINT or SIGTERM
// (one that came during start-up ends it at once), and its stop function. After that first signal, a second one exits at
// once and a stop longer than ExitGrace exits with a dump of the stacks.
func (cli *CLI) stopOnSignals() (context.Context, func()) {
	exit := cli.Exit
	if exit == nil {
		exit = os.Exit
	}
	sigs := signals.Caught // caught since the process started
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		cancel()
		grace := time.NewTimer(ExitGrace)
		defer grace.Stop()
		select {
		case <-done:
		case sig := <-sigs:
			fmt.Fprintf(cli.Stderr, "swarmtone: %v again: stopped at once\n", sig)
			exit(128 + signalNumber(sig))
		case <-grace.C:
			fmt.Fprintf(cli.Stderr, "swarmtone: still stopping after %v; the stacks follow, then the process ends\n", ExitGrace)
			cli.Stderr.Write(allStacks())
			exit(ExitFailure)
		}
	}()
	return ctx, func() {
		close(done)
		cancel()
	}
}

// journalLogger writes key=value records without a time (the journal adds
// its own), one a line.
func journalLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
}

// signalNumber is sig's number (the exit code after one is 128 plus it).
func signalNumber(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return int(s)
	}
	return 0
}

// allStacks is every goroutine's stack, as a Go crash prints them.
func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= 64<<20 {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

func (cli *CLI) commands() []command {
	return []command{
		{name: "run", args: "[MAGNET|FILE...]", summary: "open the window (the default); magnets, .torrents and audio files given are played", flags: seedFlags, maxArgs: -1, data: true, run: runGUI},
		{name: "share", args: "PATH...", summary: "share files or an album folder: prints the magnet, then seeds until interrupted", flags: append([]string{"forward", "web-seed"}, seedFlags...), minArgs: 1, maxArgs: -1, data: true, run: runShare},
		{name: "add", args: "MAGNET|FILE.torrent", summary: "add a torrent to the library, wait for its metadata and list its files", flags: []string{"timeout", "forward"}, minArgs: 1, maxArgs: 1, data: true, run: runAdd},
		{name: "play", args: "MAGNET|FILE.torrent|AUDIO_FILE", summary: "play a track or a whole torrent (gapless) and exit at the end", flags: []string{"file", "out", "timeout", "forward"}, minArgs: 1, maxArgs: 1, data: true, run: runPlay},
		{name: "ls", summary: "list the tracks of the library", data: true, run: runList},
		{name: "seed", summary: "seed every share and download of the library until interrupted", flags: seedFlags, data: true, run: runSeed},
		{name: "channel", args: "VERB [ARG...]", summary: channelSummary, flags: []string{"name", "timeout"}, minArgs: 1, maxArgs: 3, data: true, run: runChannel},
		{name: "search", args: "QUERY...", summary: searchSummary, minArgs: 1, maxArgs: -1, data: true, run: runSearch},
		{name: "register-handlers", summary: "Windows: make magnet: links open Swarmtone for this user", run: runRegisterHandlers},
		{name: "unregister-handlers", summary: "Windows: undo register-handlers", run: runUnregisterHandlers},
		{name: "version", summary: "print the version", run: printVersion},
		{name: "help", summary: "show this help", run: func(_ context.Context, cli *CLI, _ Options, _ []string) error { cli.usage(cli.Stdout); return nil }},
	}
}

// errUsage marks a mistake in the command line (exit code 2).
var errUsage = errors.New("bad usage")

func (cli *CLI) flagSet(opts *Options) *flag.FlagSet {
	fs := flag.NewFlagSet("swarmtone", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&opts.DataDir, "data", "", "")
	fs.StringVar(&opts.Listen, "listen", "", "")
	fs.BoolVar(&opts.NoDHT, "no-dht", false, "")
	fs.Func("peer", "", func(s string) error { opts.Peers = append(opts.Peers, s); return nil })
	fs.BoolVar(&opts.Stats, "stats", false, "")
	fs.Func("bootstrap", "", func(s string) error { opts.Bootstrap = append(opts.Bootstrap, s); return nil })
	fs.StringVar(&opts.ChannelName, "name", "", "")
	fs.IntVar(&opts.File, "file", -1, "")
	fs.StringVar(&opts.Out, "out", "", "")
	fs.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "")
	fs.BoolVar(&opts.Forward, "forward", false, "")
	fs.Func("web-seed", "", func(v string) error {
		if _, err := network.ValidateWebSeeds([]string{v}); err != nil {
			return fmt.Errorf("--web-seed: %w", err)
		}
		opts.WebSeeds = append(opts.WebSeeds, v)
		return nil
	})
	fs.Func("seed-ratio", "", func(v string) error {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r >= 0 && r <= library.MaxSeedRatio) {
			return fmt.Errorf("--seed-ratio %q: want a ratio from 0 to %d, e.g. 2 (0 seeds forever)", v, library.MaxSeedRatio)
		}
		opts.SeedRatio = &r
		return nil
	})
	fs.Func("seed-time", "", func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > library.MaxSeedHours*time.Hour {
			return fmt.Errorf("--seed-time %q: want a duration up to %dh, e.g. 90m or 24h (0 seeds forever)", v, library.MaxSeedHours)
		}
		opts.SeedTime = &d
		return nil
	})
	return fs
}

// parse reads flags anywhere among the arguments and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// Main runs the command line and returns the process exit code.
func (cli *CLI) Main(args []string) int {
	meta, err := ParseMetadata(cli.FyneAppTOML)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "swarmtone:", err)
		return ExitFailure
	}
	opts := Options{Meta: meta, Start: cli.Start}
	if opts.Start.IsZero() {
		opts.Start = ProcessStart()
	}
	fs := cli.flagSet(&opts)
	positional, err := parse(fs, handlerFlagsAsCommands(args))
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cli.usage(cli.Stdout)
			return ExitOK
		}
		return cli.badUsage(err.Error())
	}
	for i, arg := range positional {
		positional[i] = fromFileURI(arg)
	}
	name := "run"
	if len(positional) > 0 {
		name, positional = positional[0], positional[1:]
	}
	if looksLikeSource(name) {
		// `swarmtone magnet:?…` or `swarmtone song.flac`: how a browser or a
		// file manager opens us.
		name, positional = "run", append([]string{name}, positional...)
	}
	i := slices.IndexFunc(cli.commands(), func(c command) bool { return c.name == name })
	if i < 0 {
		return cli.badUsage(fmt.Sprintf("unknown command %q", name))
	}
	cmd := cli.commands()[i]
	var stray []string
	fs.Visit(func(f *flag.Flag) {
		if !slices.Contains(commonFlags, f.Name) && !slices.Contains(cmd.flags, f.Name) {
			stray = append(stray, "--"+f.Name)
		}
	})
	switch {
	case len(stray) > 0:
		return cli.badUsage(fmt.Sprintf("%s does not take %s", name, strings.Join(stray, ", ")))
	case opts.Forward && len(opts.WebSeeds) > 0:
		return cli.badUsage("--web-seed cannot be handed to the window: share without --forward (the window's share dialog takes web seeds too)")
	case len(positional) < cmd.minArgs || (cmd.maxArgs >= 0 && len(positional) > cmd.maxArgs):
		return cli.badUsage(fmt.Sprintf("usage: swarmtone %s %s", name, cmd.args))
	}
	if opts.DataDir == "" {
		if opts.DataDir, err = DefaultDataDir(); err != nil {
			fmt.Fprintln(cli.Stderr, "swarmtone:", err)
			return ExitFailure
		}
	}
	if name == "add" {
		// A refused link writes nothing, not even the folder's lock.
		if err := network.ValidateSource(positional[0]); err != nil {
			fmt.Fprintln(cli.Stderr, "swarmtone:", oneLine(err))
			return ExitFailure
		}
	}
	if cmd.data {
		owner, err := instance.Claim(opts.DataDir, name)
		if inUse := (*instance.InUseError)(nil); errors.As(err, &inUse) {
			return cli.handOver(name, opts, positional, inUse)
		}
		if err != nil {
			fmt.Fprintln(cli.Stderr, "swarmtone:", oneLine(err))
			return ExitFailure
		}
		defer owner.Close()
		opts.owner = owner
	}
	if cli.getenv("JOURNAL_STREAM") != "" {
		// Under systemd (the swarmtone-seed user service) stderr is the
		// journal: logfmt fields, and no time stamp of our own.
		slog.SetDefault(journalLogger(cli.Stderr))
	}
	ctx, stop := cli.stopOnSignals()
	defer stop()
	err = cmd.run(ctx, cli, opts, positional)
	switch {
	case err == nil:
		return ExitOK
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return ExitOK // stopped by SIGINT or SIGTERM, as asked
	case errors.Is(err, errUsage):
		return cli.badUsage(strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
	default:
		fmt.Fprintln(cli.Stderr, "swarmtone:", oneLine(err))
		return ExitFailure
	}
}

// ErrRunning is the one line a command gets on a data folder another
// Swarmtone owns.
const errRunning = "Swarmtone is running; use the window, or --data for another library"

// handoverTimeout bounds a second launch's wait for the running window.
const handoverTimeout = 5 * time.Second

// handOver gives a second launch's arguments to the window that owns the
// data folder (the window's launch always; add, play and share with
// --forward) and exits 0 once it took them; anything else gets one line.
func (cli *CLI) handOver(name string, opts Options, args []string, owner *instance.InUseError) int {
	forward := name == "run" || (opts.Forward && slices.Contains([]string{"add", "play", "share"}, name))
	if !forward {
		fmt.Fprintln(cli.Stderr, "swarmtone:", errRunning)
		return ExitFailure
	}
	ctx, cancel := context.WithTimeout(context.Background(), handoverTimeout)
	defer cancel()
	err := instance.Forward(ctx, opts.DataDir, absolute(args))
	switch {
	case err == nil:
		if opts.SeedRatio != nil || opts.SeedTime != nil {
			// The running node keeps the limits it started with.
			fmt.Fprintln(cli.Stderr, "swarmtone: the running window keeps its seeding limits; --seed-ratio and --seed-time apply to a Swarmtone that starts with them")
		}
		return ExitOK
	case errors.Is(err, instance.ErrNoEndpoint):
		fmt.Fprintf(cli.Stderr, "swarmtone: Swarmtone is running without a window on this library (swarmtone %s, process %d); stop it, or use --data for another library\n", owner.Command, owner.PID)
	default:
		fmt.Fprintln(cli.Stderr, "swarmtone:", oneLine(err))
	}
	return ExitFailure
}

// absolute makes file arguments absolute: the running window has another
// working directory.
func absolute(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if strings.Contains(a, ":") && !strings.HasPrefix(a, ".") && !strings.HasPrefix(a, "/") {
			continue // magnet:, https:, a channel link
		}
		if abs, err := filepath.Abs(a); err == nil {
			out[i] = abs
		}
	}
	return out
}

// fromFileURI turns a file:// URI (what a file manager, or the desktop
// file's %U, passes) into the path it names; anything else is returned as
// it is.
func fromFileURI(arg string) string {
	if len(arg) < 7 || !strings.EqualFold(arg[:7], "file://") {
		return arg
	}
	u, err := url.Parse(arg)
	// On Windows the old file://C:/x form names the drive as the host.
	drive := runtime.GOOS == "windows" && len(u.Host) == 2 && u.Host[1] == ':'
	if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost" && !drive) {
		return arg // not a local file: the command says what is wrong with it
	}
	return library.FileURLPath(u)
}

// looksLikeSource tells a magnet link or a file from a command name.
func looksLikeSource(arg string) bool {
	if strings.HasPrefix(strings.ToLower(arg), "magnet:") {
		return true
	}
	_, err := os.Stat(arg)
	return err == nil && strings.ContainsAny(arg, "./"+string(filepath.Separator))
}

func (cli *CLI) badUsage(msg string) int {
	fmt.Fprintln(cli.Stderr, "swarmtone:", msg)
	fmt.Fprintln(cli.Stderr, "Run 'swarmtone --help' for the commands.")
	return ExitUsage
}

// oneLine keeps the failure to the one line the exit contract promises.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func (cli *CLI) usage(w io.Writer) {
	fmt.Fprintf(w, "Swarmtone: a music player whose library is shared peer-to-peer over BitTorrent.\n\n")
	fmt.Fprintf(w, "Usage: swarmtone [flags] [command] [arguments]\n\nCommands:\n")
	for _, c := range cli.commands() {
		// Arguments line up after the short names; a long name
		// (register-handlers) takes their room and the summaries stay in
		// one column.
		head := strings.TrimSpace(fmt.Sprintf("%-7s %s", c.name, c.args))
		fmt.Fprintf(w, "  %-40s %s\n", head, c.summary)
	}
	fmt.Fprint(w, `
Flags (before or after the command):
  --data DIR          folder holding the library and downloads (default: the user's config folder)
  --listen ADDR:PORT  where the BitTorrent node listens (port 0: any free port)
  --no-dht            no DHT, LSD, UPnP, PEX or trackers: only --peer connections
  --peer HOST:PORT    connect to this peer directly (repeatable)
  --bootstrap H:P     start the DHT from this node only, never the public routers (repeatable;
                      turns the DHT on even with --no-dht, whose other switches stay off)
  --stats             print open_ms, metadata_ms, first_byte_ms, first_sample_ms to stderr
  --timeout D         add, play, channel follow: how long to wait (default 60s)
  --name N            channel create: the channel's name
  --file N            play: only file N of the torrent, counted from 0
  --forward           add, play, share: hand over to the running window instead
  --web-seed URL      share: an http(s) server that holds the files too (BEP 19; repeatable):
                      for an album folder, the URL of the folder that holds it (the album's
                      folder name and file paths are appended); it goes into the magnet (ws=)
  --out FILE.wav      play: write exactly what would be heard to a WAV file
  --seed-ratio R      run, seed, share: stop seeding a complete download once it has
                      uploaded R times its size (0: never; default: the setting)
  --seed-time D       run, seed, share: stop seeding a complete download D after it
                      completed, e.g. 24h (0: never; default: the setting); both limits
                      count from this start, and your own shares always seed

Exit codes: 0 done, 1 failure (with a one-line reason), 2 bad usage.
`)
}

func runGUI(ctx context.Context, cli *CLI, opts Options, args []string) error {
	if cli.GUI == nil {
		return errors.New("this build has no window; use the headless commands")
	}
	if err := needDisplay(cli.getenv); err != nil {
		return err
	}
	opts.Open = args
	handoff := make(chan []string, 16)
	opts.Handoff = handoff
	opts.HandOver = func(args []string) {
		select {
		case handoff <- args:
		default:
			slog.Warn("a hand-over was dropped: the window is not taking them", "args", args)
		}
	}
	if opts.owner != nil {
		def, _ := DefaultDataDir()
		if err := opts.owner.Listen(instance.BusName(opts.DataDir, def), opts.HandOver); err != nil {
			slog.Warn("later launches cannot hand over to this window", "err", err)
		}
	}
	return cli.GUI(ctx, opts)
}

// errNoDisplay is the one line a window-less session gets instead of the
// GLFW panic it would meet.
var errNoDisplay = errors.New("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); use the headless commands: swarmtone seed, share, play, add, ls (see swarmtone --help)")

// needDisplay reports errNoDisplay where the window needs an X11 or
// Wayland display and none is set. It is asked before anything of GLFW
// starts.
func needDisplay(getenv func(string) string) error {
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "android", "js":
		return nil
	}
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return errNoDisplay
	}
	return nil
}

func printVersion(_ context.Context, cli *CLI, opts Options, _ []string) error {
	_, err := fmt.Fprintf(cli.Stdout, "swarmtone %s (build %s)\n", opts.Meta.Version, opts.Meta.Build)
	return err
}

// DefaultDataDir is the folder in the user's config directory that holds the
// library file: ~/.config/swarmtone on Linux, %AppData%\Swarmtone on Windows.
func DefaultDataDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the config folder (set --data DIR): %w", err)
	}
	return filepath.Join(dir, dataFolder), nil
}
