package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
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

	File    int           // play: only this file of a torrent (-1: all)
	Out     string        // play: write a WAV instead of using the sound card
	Timeout time.Duration // add: how long to wait for metadata

	// Open is what the window opens at start: magnet links (a browser's
	// magnet: handler), .torrent, audio or playlist files ("Open with").
	Open []string

	// Start is when the process started; --stats counts from it.
	Start time.Time

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
	maxArgs int // -1: any number
	run     func(ctx context.Context, cli *CLI, opts Options, args []string) error
}

// commonFlags are accepted by every command.
var commonFlags = []string{"data", "listen", "no-dht", "peer", "stats"}

// CLI is the swarmtone command line.
type CLI struct {
	Stdout, Stderr io.Writer
	FyneAppTOML    []byte // the embedded FyneApp.toml: the version lives there
	GUI            GUI
	Start          time.Time // process start, for --stats; zero means ProcessStart
}

func (cli *CLI) commands() []command {
	return []command{
		{name: "run", args: "[MAGNET|FILE...]", summary: "open the window (the default); magnets, .torrents and audio files given are played", maxArgs: -1, run: runGUI},
		{name: "share", args: "PATH...", summary: "share files or an album folder: prints the magnet, then seeds until interrupted", minArgs: 1, maxArgs: -1, run: runShare},
		{name: "add", args: "MAGNET|FILE.torrent", summary: "add a torrent to the library, wait for its metadata and list its files", flags: []string{"timeout"}, minArgs: 1, maxArgs: 1, run: runAdd},
		{name: "play", args: "MAGNET|FILE.torrent|AUDIO_FILE", summary: "play a track or a whole torrent (gapless) and exit at the end", flags: []string{"file", "out", "timeout"}, minArgs: 1, maxArgs: 1, run: runPlay},
		{name: "ls", summary: "list the tracks of the library", run: runList},
		{name: "seed", summary: "seed every share and download of the library until interrupted", run: runSeed},
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
	fs.IntVar(&opts.File, "file", -1, "")
	fs.StringVar(&opts.Out, "out", "", "")
	fs.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "")
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
	case len(positional) < cmd.minArgs || (cmd.maxArgs >= 0 && len(positional) > cmd.maxArgs):
		return cli.badUsage(fmt.Sprintf("usage: swarmtone %s %s", name, cmd.args))
	}
	if opts.DataDir == "" {
		if opts.DataDir, err = DefaultDataDir(); err != nil {
			fmt.Fprintln(cli.Stderr, "swarmtone:", err)
			return ExitFailure
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = cmd.run(ctx, cli, opts, positional)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errUsage):
		return cli.badUsage(strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
	default:
		fmt.Fprintln(cli.Stderr, "swarmtone:", oneLine(err))
		return ExitFailure
	}
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
		fmt.Fprintf(w, "  %-7s %-32s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprint(w, `
Flags (before or after the command):
  --data DIR          folder holding the library and downloads (default: the user's config folder)
  --listen ADDR:PORT  where the BitTorrent node listens (port 0: any free port)
  --no-dht            no DHT, LSD, UPnP, PEX or trackers: only --peer connections
  --peer HOST:PORT    connect to this peer directly (repeatable)
  --stats             print open_ms, metadata_ms, first_byte_ms, first_sample_ms to stderr
  --timeout D         add, play: how long to wait for metadata (default 60s)
  --file N            play: only file N of the torrent, counted from 0
  --out FILE.wav      play: write exactly what would be heard to a WAV file

Exit codes: 0 done, 1 failure (with a one-line reason), 2 bad usage.
`)
}

func runGUI(ctx context.Context, cli *CLI, opts Options, args []string) error {
	if cli.GUI == nil {
		return errors.New("this build has no window; use the headless commands")
	}
	opts.Open = args
	return cli.GUI(ctx, opts)
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
