//go:build !windows

package urlscheme

import (
	"errors"
	"testing"
)

func TestRegisterIsTheDesktopsJobHere(t *testing.T) {
	var h Handler
	if err := h.Register("/usr/bin/swarmtone"); !errors.Is(err, ErrDesktopDoes) {
		t.Errorf("Register: %v, want ErrDesktopDoes", err)
	}
	if _, err := h.Unregister("/usr/bin/swarmtone"); !errors.Is(err, ErrDesktopDoes) {
		t.Errorf("Unregister: %v, want ErrDesktopDoes", err)
	}
}
