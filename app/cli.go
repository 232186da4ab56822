package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Exit codes of the swarmtone binary.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Options are the settings every command shares.
type Options struct {
	Meta    Metadata
	DataDir string // where the library file and downloads live
}

// GUI opens the window and returns when the user quits. main supplies it so
// that only main imports fyne.io/fyne/v2/app.
type GUI func(Options) error

// command is one verb of the command line.
type command struct {
	name    string
	summary string
	run     func(cli *CLI, opts Options, args []string) error
}

// CLI is the swarmtone command line.
type CLI struct {
	Stdout, Stderr io.Writer
	FyneAppTOML    []byte // the embedded FyneApp.toml: the version lives there
	GUI            GUI
}

func (cli *CLI) commands() []command {
	return []command{
		{"run", "open the window (the default when no command is given)", runGUI},
		{"version", "print the version", printVersion},
		{"help", "show this help", func(cli *CLI, _ Options, _ []string) error { cli.usage(cli.Stdout); return nil }},
	}
}

// errUsage marks a mistake in the command line (exit code 2).
var errUsage = errors.New("bad usage")

// Main runs the command line and returns the process exit code.
func (cli *CLI) Main(args []string) int {
	meta, err := ParseMetadata(cli.FyneAppTOML)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "swarmtone:", err)
		return ExitFailure
	}
	fs := flag.NewFlagSet("swarmtone", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts := Options{Meta: meta}
	fs.StringVar(&opts.DataDir, "data", "", "`DIR` holding the library and downloads (default: the user's config folder)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cli.usage(cli.Stdout)
			return ExitOK
		}
		fmt.Fprintln(cli.Stderr, "swarmtone:", err)
		cli.usage(cli.Stderr)
		return ExitUsage
	}
	if opts.DataDir == "" {
		if opts.DataDir, err = DefaultDataDir(); err != nil {
			fmt.Fprintln(cli.Stderr, "swarmtone:", err)
			return ExitFailure
		}
	}
	name, rest := "run", fs.Args()
	if len(rest) > 0 {
		name, rest = rest[0], rest[1:]
	}
	for _, c := range cli.commands() {
		if c.name != name {
			continue
		}
		err := c.run(cli, opts, rest)
		switch {
		case err == nil:
			return ExitOK
		case errors.Is(err, errUsage):
			fmt.Fprintln(cli.Stderr, "swarmtone:", err)
			return ExitUsage
		default:
			fmt.Fprintln(cli.Stderr, "swarmtone:", err)
			return ExitFailure
		}
	}
	fmt.Fprintf(cli.Stderr, "swarmtone: unknown command %q\n", name)
	cli.usage(cli.Stderr)
	return ExitUsage
}

func (cli *CLI) usage(w io.Writer) {
	fmt.Fprintf(w, "Swarmtone: a music player whose library is shared peer-to-peer over BitTorrent.\n\n")
	fmt.Fprintf(w, "Usage: swarmtone [--data DIR] [command] [arguments]\n\nCommands:\n")
	for _, c := range cli.commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nFlags:\n  --data DIR  folder holding the library and downloads (default: the user's config folder)\n")
}

func runGUI(cli *CLI, opts Options, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: run takes no arguments, got %q", errUsage, args)
	}
	if cli.GUI == nil {
		return errors.New("this build has no window; use the headless commands")
	}
	return cli.GUI(opts)
}

func printVersion(cli *CLI, opts Options, _ []string) error {
	_, err := fmt.Fprintf(cli.Stdout, "swarmtone %s (build %s)\n", opts.Meta.Version, opts.Meta.Build)
	return err
}

// DefaultDataDir is the folder in the user's config directory that holds the
// library file, e.g. ~/.config/swarmtone on Linux.
func DefaultDataDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the config folder (set --data DIR): %w", err)
	}
	return filepath.Join(dir, "swarmtone"), nil
}
