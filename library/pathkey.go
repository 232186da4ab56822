package library

import (
	"runtime"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// pathKeyStyle says how a local path becomes its key in the bypath index,
// so that two spellings of one file are one track: on Windows (NTFS) and
// macOS (APFS and HFS+ as formatted by default) C:\Music\A.flac and
// c:/music/a.flac name the same file. Linux keys the exact path.
type pathKeyStyle struct {
	// fold ignores case (Unicode simple upper case, as NTFS's table does).
	fold bool
	// windows makes / a separator like \, and drops the \\?\ prefix.
	windows bool
	// nfc makes the key's Unicode form NFC: macOS's file systems take é
	// and e+◌́ as the same name (HFS+ stores the decomposed form).
	nfc bool
}

// pathKeys is the style of this OS's file systems: the one place that looks
// at runtime.GOOS. Tests in this package swap it to try every style.
var pathKeys = pathKeyStyleFor(runtime.GOOS)

func pathKeyStyleFor(goos string) pathKeyStyle {
	switch goos {
	case "windows":
		return pathKeyStyle{fold: true, windows: true}
	case "darwin", "ios":
		return pathKeyStyle{fold: true, nfc: true}
	}
	return pathKeyStyle{}
}

// name is how the style is recorded in the file (keyPathStyle), so a
// library moved to an OS with another style gets its keys rebuilt.
func (s pathKeyStyle) name() string {
	switch {
	case s.windows:
		return "windows"
	case s.fold:
		return "fold"
	}
	return "exact"
}

// key is path's bypath key. It is idempotent (key(key(p)) == key(p)), which
// the migration relies on. Bytes that are not UTF-8 are kept as they are:
// replacing them would make two distinct names one key.
func (s pathKeyStyle) key(path string) []byte {
	if s.windows {
		path = strings.ReplaceAll(path, "/", `\`)
		for {
			rest, ok := strings.CutPrefix(path, `\\?\`)
			if !ok {
				break
			}
			path = rest
			if unc, ok := cutPrefixFold(rest, `UNC\`); ok {
				path = `\\` + unc
			}
		}
	}
	if !s.fold {
		if s.nfc {
			path = norm.NFC.String(path)
		}
		return []byte(path)
	}
	k := make([]byte, 0, len(path))
	for i := 0; i < len(path); {
		c := path[i]
		if c < utf8.RuneSelf {
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			k = append(k, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(path[i:])
		if r == utf8.RuneError && n == 1 {
			k = append(k, c)
			i++
			continue
		}
		k = utf8.AppendRune(k, unicode.ToUpper(r))
		i += n
	}
	if s.nfc {
		k = norm.NFC.Bytes(k)
	}
	return k
}

// cutPrefixFold is strings.CutPrefix ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// pathKey is path's bypath key on this OS.
func pathKey(path string) []byte { return pathKeys.key(path) }
