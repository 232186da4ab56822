//go:build !windows

package urlscheme

// Register returns ErrDesktopDoes: see the package comment.
func (h Handler) Register(exe string) error { return ErrDesktopDoes }

// Unregister returns ErrDesktopDoes: see the package comment.
func (h Handler) Unregister(exe string) (bool, error) { return false, ErrDesktopDoes }

// Command returns ErrDesktopDoes: see the package comment.
func (h Handler) Command() (string, error) { return "", ErrDesktopDoes }
