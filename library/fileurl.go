package library

import (
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
)

// fileURL is the file: URL (RFC 8089) of the absolute path p:
// file:///home/ann/a%20b.flac, file:///C:/Users/Ann/a%20b.flac on Windows,
// file://server/share/a.flac for a Windows UNC path.
func fileURL(p string) string { return slashedFileURL(filepath.ToSlash(p)) }

func slashedFileURL(slashed string) string {
	u := url.URL{Scheme: "file", Path: slashed}
	switch {
	case strings.HasPrefix(slashed, "//"): // UNC: //server/share/...
		host, rest, _ := strings.Cut(slashed[2:], "/")
		u.Host, u.Path = host, "/"+rest
	case hasDrive(slashed): // C:/... is written /C:/...
		u.Path = "/" + slashed
	}
	return u.String()
}

// FileURLPath is the local path a file: URL names, on this system.
func FileURLPath(u *url.URL) string {
	return filepath.Clean(filepath.FromSlash(slashedFileURLPath(u, runtime.GOOS == "windows")))
}

// slashedFileURLPath reads the path of a file: URL, '/'-separated. On
// Windows /C:/x is C:/x, a host is a UNC server (//host/share/x), and the
// old file://C:/x form (the host a drive) is C:/x too.
func slashedFileURLPath(u *url.URL, windows bool) string {
	p := u.Path
	if !windows {
		return p
	}
	switch host := u.Host; {
	case hasDrive(host) && len(host) == 2:
		return host + p
	case host != "" && !strings.EqualFold(host, "localhost"):
		return "//" + host + p
	case len(p) >= 3 && p[0] == '/' && hasDrive(p[1:]):
		return p[1:]
	}
	return p
}

// hasDrive tells whether s starts with a drive letter and a colon.
func hasDrive(s string) bool {
	return len(s) >= 2 && s[1] == ':' && ('a' <= s[0]|0x20 && s[0]|0x20 <= 'z')
}
