package network

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/webseed"
)

// Web seeds (BEP 19): HTTP(S) servers that hold a torrent's files. A share
// carries them in its magnet (ws=) and its .torrent (url-list); a listener's
// node fetches from them beside (or instead of) peers.

// MaxWebSeeds caps the web seeds of one torrent (as channel releases do).
const MaxWebSeeds = 8

// ErrBadWebSeed is what ValidateWebSeeds wraps, naming the URL.
var ErrBadWebSeed = errors.New("a web seed must be an http:// or https:// URL with a host")

// ValidateWebSeeds checks web seed URLs (http or https, with a host, no
// fragment) and returns them trimmed, without blanks or repeats.
func ValidateWebSeeds(urls []string) ([]string, error) {
	var out []string
	for _, s := range urls {
		s = strings.TrimSpace(s)
		if s == "" || slices.Contains(out, s) {
			continue
		}
		u, err := url.Parse(s)
		switch {
		case err != nil:
			return nil, fmt.Errorf("web seed %q: %w (%v)", s, ErrBadWebSeed, err)
		case u.Scheme != "http" && u.Scheme != "https":
			return nil, fmt.Errorf("web seed %q: %w, not %q", s, ErrBadWebSeed, u.Scheme+":")
		case u.Host == "" || u.Hostname() == "":
			return nil, fmt.Errorf("web seed %q: %w: it names no host", s, ErrBadWebSeed)
		case u.Fragment != "":
			return nil, fmt.Errorf("web seed %q: %w and no #fragment", s, ErrBadWebSeed)
		}
		out = append(out, s)
	}
	if len(out) > MaxWebSeeds {
		return nil, fmt.Errorf("%d web seeds: at most %d", len(out), MaxWebSeeds)
	}
	return out, nil
}

// webSeedBases makes web seeds fit a torrent: for a multi-file torrent the
// URL names the folder that holds the torrent's folder, so it must end in
// "/" (anacrolix, like BEP 19, then appends name/path; without the slash it
// ignores the seed). A single-file torrent's URL may name the file itself.
func webSeedBases(urls []string, multiFile bool) []string {
	out := make([]string, 0, len(urls))
	for _, u := range urls {
		if multiFile && !strings.HasSuffix(u, "/") {
			u += "/"
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// webSeedFileURL is the URL anacrolix requests file fileIndex of info at
// from the web seed base, normalised as net/http sends it (so it matches
// what seedWatch records). ok is false when the seed cannot serve a
// multi-file torrent (its URL does not end in "/").
func webSeedFileURL(base string, info *metainfo.Info, fileIndex int) (_ string, ok bool) {
	files := info.UpvertedFiles()
	if fileIndex < 0 || fileIndex >= len(files) {
		return "", false
	}
	u := base
	if strings.HasSuffix(base, "/") {
		u += webseed.EscapePath(append([]string{info.BestName()}, files[fileIndex].BestPath()...))
	} else if info.IsDir() {
		return "", false
	}
	pu, err := url.Parse(u)
	if err != nil {
		return "", false
	}
	return pu.String(), true
}

// mergeWebSeeds is a then b without repeats.
func mergeWebSeeds(a, b []string) []string {
	out := slices.Clone(a)
	for _, u := range b {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// SetWebSeeds replaces the web seeds of a torrent: its magnet, exported
// .torrent and record carry them from now on, and the node fetches from
// them (when web seeds are on). urls are checked as ValidateWebSeeds does.
func (n *Node) SetWebSeeds(infoHash string, urls []string) error {
	e, ih, err := n.get(infoHash)
	if err != nil {
		return err
	}
	urls, err = ValidateWebSeeds(urls)
	if err != nil {
		return err
	}
	if info := e.t.Info(); info != nil {
		urls = webSeedBases(urls, info.IsDir())
	}
	n.setWebSeeds(e, urls)
	n.log.Info("web seeds set", "infohash", ih.HexString(), "web_seeds", len(urls))
	return nil
}

// setWebSeeds replaces e's web seeds with urls, checked and fitted.
func (n *Node) setWebSeeds(e *entry, urls []string) {
	e.mu.Lock()
	same := slices.Equal(e.webSeeds, urls)
	e.webSeeds = urls
	e.mu.Unlock()
	if n.cfg.WebSeeds && !same {
		e.t.RemoveWebSeeds()
		e.t.AddWebSeeds(urls)
	}
}

// WebSeeds lists a torrent's web seeds.
func (n *Node) WebSeeds(infoHash string) ([]string, error) {
	e, _, err := n.get(infoHash)
	if err != nil {
		return nil, err
	}
	return e.webSeedList(), nil
}

func (e *entry) webSeedList() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.webSeeds)
}
