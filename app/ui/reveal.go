package ui

import (
	"os/exec"
	"path/filepath"
	"runtime"
)

// revealCommand opens the file manager on the folder holding path, with the
// file selected where the file manager can do that: Explorer's
// /select,"PATH" on Windows, Finder's open -R on macOS; elsewhere xdg-open
// opens the folder (the freedesktop FileManager1 D-Bus interface that could
// select the file is not on every desktop).
func revealCommand(path string) *exec.Cmd { return revealCommandFor(runtime.GOOS, path) }

func revealCommandFor(goos, path string) *exec.Cmd {
	switch goos {
	case "windows":
		cmd := exec.Command("explorer", `/select,"`+path+`"`)
		// Explorer parses its command line itself: Go's quoting of the
		// argument (\"…\") would reach it as part of the path.
		setCommandLine(cmd, `explorer /select,"`+path+`"`)
		return cmd
	case "darwin":
		return exec.Command("open", "-R", path)
	}
	return openerCommandFor(goos, filepath.Dir(path))
}

// openerCommandFor opens target (a folder, or a link openLink checked) with
// what the desktop chose for it: xdg-open on Linux and the BSDs, open on
// macOS, url.dll's FileProtocolHandler on Windows (not `cmd /c start`,
// whose command line cmd parses: & and ^ in a link would be commands). No
// shell runs, and target is one argument.
func openerCommandFor(goos, target string) *exec.Cmd {
	switch goos {
	case "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", target)
	case "darwin":
		return exec.Command("open", target)
	}
	return exec.Command("xdg-open", target)
}
