package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/swarmtone/swarmtone/internal/urlscheme"
)

// handlerFlags lets installers and users write the handler commands as
// flags (`swarmtone.exe --register-handlers`), as Windows installers do.
var handlerFlags = map[string]string{
	"--register-handlers": "register-handlers", "-register-handlers": "register-handlers",
	"--unregister-handlers": "unregister-handlers", "-unregister-handlers": "unregister-handlers",
}

// handlerFlagsAsCommands turns those flags into the commands of that name.
func handlerFlagsAsCommands(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if c, ok := handlerFlags[a]; ok {
			a = c
		}
		out[i] = a
	}
	return out
}

// programPath is this executable, with links resolved: the registry must
// name the file Windows will run.
func programPath() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding this program's path: %w", err)
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return exe, nil
}

func runRegisterHandlers(_ context.Context, cli *CLI, _ Options, _ []string) error {
	exe, err := programPath()
	if err != nil {
		return err
	}
	if err := (urlscheme.Handler{}).Register(exe); err != nil {
		return err
	}
	_, err = fmt.Fprintf(cli.Stdout, "magnet: links now open %s (for this user; undo with --unregister-handlers)\n", exe)
	return err
}

func runUnregisterHandlers(_ context.Context, cli *CLI, _ Options, _ []string) error {
	exe, err := programPath()
	if err != nil {
		return err
	}
	removed, err := (urlscheme.Handler{}).Unregister(exe)
	if err != nil {
		return err
	}
	if !removed {
		_, err = fmt.Fprintln(cli.Stdout, "magnet: links were not Swarmtone's; left as they are")
		return err
	}
	_, err = fmt.Fprintln(cli.Stdout, "magnet: links no longer open Swarmtone")
	return err
}
