// Package urlscheme makes this program the handler of magnet: links for the
// current user, and undoes it: on Windows by per-user registry keys under
// HKEY_CURRENT_USER\Software\Classes\magnet (no administrator needed), which
// `swarmtone --register-handlers` writes and `--unregister-handlers` removes.
// Elsewhere the desktop does it: on Linux the desktop entry `make install`
// puts in place (MimeType=x-scheme-handler/magnet), on macOS a
// CFBundleURLTypes entry in the app bundle's Info.plist.
//
// It imports only the standard library and golang.org/x/sys.
package urlscheme

import "errors"

// Scheme is the URL scheme handled.
const Scheme = "magnet"

// ErrDesktopDoes means this platform registers URL handlers through the
// app's desktop entry or bundle, not through a command.
var ErrDesktopDoes = errors.New("on this system the magnet: handler comes with the installed app (Linux: `make install` adds the desktop entry; macOS: the app bundle's Info.plist); there is nothing to register here")

// Handler writes the keys under Root (a registry path below
// HKEY_CURRENT_USER; Windows only). The zero Handler uses Software\Classes,
// the user's own file and URL associations; tests use a scratch key.
type Handler struct {
	Root string
}

func (h Handler) root() string {
	if h.Root == "" {
		return `Software\Classes`
	}
	return h.Root
}

// Command is the command line Windows runs for a link: the program, quoted,
// with the link as its one argument.
func Command(exe string) string { return `"` + exe + `" "%1"` }
