package urlscheme

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// previousValue keeps the command of the handler that was there before us,
// so that Unregister gives the user's old client its links back.
const previousValue = "Swarmtone.PreviousCommand"

// Register makes exe the user's magnet: handler.
func (h Handler) Register(exe string) error {
	base := h.root() + `\` + Scheme
	prev, _ := h.Command()
	k, _, err := registry.CreateKey(registry.CURRENT_USER, base, registry.ALL_ACCESS)
	if err != nil {
		return fmt.Errorf("creating HKCU\\%s: %w", base, err)
	}
	defer k.Close()
	sets := []struct{ name, value string }{
		{"", "URL:Magnet link"},
		{"URL Protocol", ""}, // marks a URL scheme, not a file type
	}
	if prev != "" && !sameProgram(prev, exe) {
		sets = append(sets, struct{ name, value string }{previousValue, prev})
	}
	for _, s := range sets {
		if err := k.SetStringValue(s.name, s.value); err != nil {
			return fmt.Errorf("writing HKCU\\%s %q: %w", base, s.name, err)
		}
	}
	for sub, value := range map[string]string{
		`DefaultIcon`:        `"` + exe + `",0`,
		`shell\open\command`: Command(exe),
	} {
		sk, _, err := registry.CreateKey(k, sub, registry.SET_VALUE)
		if err != nil {
			return fmt.Errorf("creating HKCU\\%s\\%s: %w", base, sub, err)
		}
		err = sk.SetStringValue("", value)
		sk.Close()
		if err != nil {
			return fmt.Errorf("writing HKCU\\%s\\%s: %w", base, sub, err)
		}
	}
	return nil
}

// Command is the user's current magnet: command line ("" when none).
func (h Handler) Command() (string, error) {
	path := h.root() + `\` + Scheme + `\shell\open\command`
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("opening HKCU\\%s: %w", path, err)
	}
	defer k.Close()
	v, _, err := k.GetStringValue("")
	if errors.Is(err, registry.ErrNotExist) {
		return "", nil
	}
	return v, err
}

// Unregister removes the handler if it is exe's, restoring the one it
// replaced; it reports false and leaves everything as it is when another
// program (or none) handles magnet: links.
func (h Handler) Unregister(exe string) (bool, error) {
	cur, err := h.Command()
	if err != nil || cur == "" || !sameProgram(cur, exe) {
		return false, err
	}
	base := h.root() + `\` + Scheme
	k, err := registry.OpenKey(registry.CURRENT_USER, base, registry.ALL_ACCESS)
	if err != nil {
		return false, fmt.Errorf("opening HKCU\\%s: %w", base, err)
	}
	prev, _, perr := k.GetStringValue(previousValue)
	k.Close()
	if perr == nil && prev != "" {
		ck, err := registry.OpenKey(registry.CURRENT_USER, base+`\shell\open\command`, registry.SET_VALUE)
		if err != nil {
			return false, err
		}
		err = ck.SetStringValue("", prev)
		ck.Close()
		if err != nil {
			return false, err
		}
		if k, err := registry.OpenKey(registry.CURRENT_USER, base, registry.SET_VALUE); err == nil {
			k.DeleteValue(previousValue)
			k.Close()
		}
		// The old client's icon is not known: drop ours.
		return true, deleteKey(base + `\DefaultIcon`)
	}
	// Deepest first: DeleteKey refuses a key that has subkeys.
	for _, sub := range []string{`\shell\open\command`, `\shell\open`, `\shell`, `\DefaultIcon`, ``} {
		if err := deleteKey(base + sub); err != nil {
			return false, err
		}
	}
	return true, nil
}

func deleteKey(path string) error {
	err := registry.DeleteKey(registry.CURRENT_USER, path)
	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("deleting HKCU\\%s: %w", path, err)
	}
	return nil
}

// sameProgram tells whether a command line runs exe (Windows paths are
// case-insensitive).
func sameProgram(command, exe string) bool {
	return strings.HasPrefix(strings.ToLower(command), strings.ToLower(`"`+exe+`"`))
}
