package network

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/webseed"
)

// seedWatch is the HTTP transport of web seeds. anacrolix only logs what
// goes wrong with a web seed; seedWatch keeps the last answer each file URL
// gave, so a read waiting for data can say which web seed failed and why
// (and end at once when nothing else can serve it).
type seedWatch struct {
	next http.RoundTripper

	mu   sync.Mutex
	last map[string]seedTrouble // by request URL; absent: the last answer was good
}

// seedTrouble is what went wrong at a file URL.
type seedTrouble struct {
	why string
	// final: asking again will not help (no range support, not found,
	// refused): a read with nothing else to serve it ends at once.
	final bool
	at    time.Time
}

// maxSeedTroubles bounds the URLs remembered.
const maxSeedTroubles = 4096

// installSeedWatch gives the client a transport built as anacrolix builds
// its own (the proxy settings stay in force) and watches it.
func installSeedWatch(cc *torrent.ClientConfig) *seedWatch {
	next := cc.WebTransport
	if next == nil {
		next = &http.Transport{Proxy: cc.HTTPProxy, DialContext: cc.HTTPDialContext, MaxConnsPerHost: 10}
	}
	w := &seedWatch{next: next, last: map[string]seedTrouble{}}
	cc.WebTransport = w
	return w
}

func (w *seedWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(req)
	key := req.URL.String()
	var tr seedTrouble
	switch {
	case err != nil:
		if req.Context().Err() != nil {
			return resp, err // we cancelled it: says nothing about the server
		}
		tr = seedTrouble{why: "cannot be reached: " + err.Error()}
	case resp.StatusCode == http.StatusOK && rangeStart(req.Header.Get("Range")) > webseed.MaxDiscardBytes:
		// anacrolix reads past at most MaxDiscardBytes of a whole-file answer.
		tr = seedTrouble{why: "does not support HTTP ranges (it answered a range request with the whole file)", final: true}
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusPartialContent:
		w.mu.Lock()
		delete(w.last, key)
		w.mu.Unlock()
		return resp, err
	case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout:
		tr = seedTrouble{why: "answered " + resp.Status}
	default:
		tr = seedTrouble{why: "answered " + resp.Status, final: true}
	}
	tr.at = time.Now()
	w.mu.Lock()
	if len(w.last) >= maxSeedTroubles {
		clear(w.last)
	}
	w.last[key] = tr
	w.mu.Unlock()
	return resp, err
}

// trouble is what last went wrong at url, if anything.
func (w *seedWatch) trouble(url string) (seedTrouble, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	tr, ok := w.last[url]
	return tr, ok
}

// rangeStart is the first byte of a "bytes=A-B" Range header, or -1.
func rangeStart(h string) int64 {
	v, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return -1
	}
	a, _, _ := strings.Cut(v, "-")
	n, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// webSeedTroubles says what is wrong with each web seed of e for file
// fileIndex, and whether every one of them is finally unable to serve it
// (none is still worth waiting for). Seeds that are fine are left out.
func (n *Node) webSeedTroubles(e *entry, fileIndex int) (reasons []string, allFinal bool) {
	seeds := e.webSeedList()
	info := e.t.Info()
	if len(seeds) == 0 || info == nil || n.seeds == nil || !n.cfg.WebSeeds {
		return nil, false
	}
	allFinal = true
	for _, base := range seeds {
		u, ok := webSeedFileURL(base, info, fileIndex)
		if !ok {
			reasons = append(reasons, fmt.Sprintf("web seed %q is not used: for a torrent of several files its URL must name a folder (end in /)", base))
			continue
		}
		tr, bad := n.seeds.trouble(u)
		if !bad {
			allFinal = false
			continue
		}
		reasons = append(reasons, fmt.Sprintf("web seed %q %s", u, tr.why))
		allFinal = allFinal && tr.final
	}
	return reasons, allFinal
}
