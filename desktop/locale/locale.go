// Package locale, imported for its side effect by main before anything of
// Fyne, gives Fyne a locale it can parse. Under LANG=C, C.UTF-8, POSIX or
// no locale at all, Fyne's translations (initialised with its package)
// print "Fyne error: Error parsing user locale C" three times, even for
// `swarmtone version`. Such a locale means "no language chosen", so the
// variable that decides it is set to en_US.UTF-8, which Fyne parses; a real
// language (de_DE.UTF-8, …) is left alone.
//
// It imports only the standard library's os and strings, so Go initialises
// it before Fyne's lang package (which waits for text/template and friends,
// whose paths sort after this one); TestNoLocaleNoise in package main
// checks that on the real binary.
package locale

import (
	"os"
	"strings"
)

// Fallback is what a C or POSIX locale becomes.
const Fallback = "en_US.UTF-8"

func init() { Fix(os.Getenv, os.Setenv) }

// Fix sets the locale variable Fyne reads (the first set of LC_ALL,
// LC_MESSAGES and LANG, as its locale library looks them up) to Fallback
// when it names no language; with none set, it sets LANG.
func Fix(getenv func(string) string, setenv func(string, string) error) {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			if NoLanguage(v) {
				setenv(name, Fallback)
			}
			return
		}
	}
	setenv("LANG", Fallback)
}

// NoLanguage reports whether a locale value names no language: C or POSIX,
// with or without a codeset (C.UTF-8, C.utf8).
func NoLanguage(v string) bool {
	base, _, _ := strings.Cut(v, ".")
	base, _, _ = strings.Cut(base, "@")
	return base == "C" || base == "POSIX"
}
