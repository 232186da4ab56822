package network

import (
	"net/url"
	"strings"

	"github.com/anacrolix/torrent/metainfo"
)

// usableTrackers keeps the torrent's trackers the node can announce to and
// logs, once per torrent, the ones it leaves out and why. anacrolix panics
// on a tracker scheme it has no client for, and would send UDP announces
// around a proxy.
func (n *Node) usableTrackers(ih metainfo.Hash, trackers []string) []string {
	keep, skipped := filterTrackers(trackers, n.cfg.Proxy != "")
	if len(skipped) > 0 && !n.noTrackers {
		n.log.Warn("trackers not used", "infohash", ih.HexString(), "trackers", strings.Join(skipped, "; "))
	}
	return keep
}

// filterTrackers splits trackers into those the node can announce to and
// the others, each followed by why.
func filterTrackers(trackers []string, proxied bool) (keep, skipped []string) {
	for _, tr := range trackers {
		if ok, why := trackerUsable(tr, proxied); !ok {
			skipped = append(skipped, tr+" ("+why+")")
			continue
		}
		keep = append(keep, tr)
	}
	return keep, skipped
}

// trackerUsable says whether tracker can be announced to, and if not why.
func trackerUsable(tracker string, proxied bool) (ok bool, why string) {
	u, err := url.Parse(tracker)
	if err != nil || u.Host == "" {
		return false, "not a tracker URL"
	}
	switch u.Scheme {
	case "http", "https":
		return true, ""
	case "udp", "udp4", "udp6":
		if proxied {
			return false, "a UDP tracker cannot be reached through the proxy"
		}
		return true, ""
	case "ws", "wss":
		return false, "WebTorrent trackers are not supported"
	default:
		return false, "scheme " + u.Scheme + " is not http, https or udp"
	}
}
