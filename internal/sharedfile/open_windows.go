package sharedfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows"
)

// Open opens name for reading, letting others read, write, rename and
// delete it meanwhile (FILE_SHARE_DELETE). A file deleted while open goes
// once the last handle closes (or at once, with the POSIX semantics of
// Windows 10's NTFS); reads through the open handle keep working.
func Open(name string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(longPath(name))
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if errors.Is(err, windows.ERROR_SHARING_VIOLATION) {
		err = inUse{err}
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(h), name), nil
}

// longPath gives an absolute path past MAX_PATH the \\?\ prefix, as
// os.Open does, so a deep music folder opens on a Windows without long
// path support turned on.
func longPath(name string) string {
	const maxPath = 248 // CreateDirectory's limit, which os uses too
	if len(name) < maxPath || !filepath.IsAbs(name) || strings.HasPrefix(name, `\\?\`) {
		return name
	}
	clean := filepath.Clean(name)
	if unc, ok := strings.CutPrefix(clean, `\\`); ok {
		return `\\?\UNC\` + unc
	}
	return `\\?\` + clean
}

// inUse is ErrInUse keeping the system's own error beneath it.
type inUse struct{ sys error }

func (e inUse) Error() string        { return ErrInUse.Error() }
func (e inUse) Is(target error) bool { return target == ErrInUse }
func (e inUse) Unwrap() error        { return e.sys }
