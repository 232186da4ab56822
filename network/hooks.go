package network

import (
	"log/slog"
	"net"
	"strconv"
	"sync"

	"github.com/anacrolix/torrent"
	pp "github.com/anacrolix/torrent/peer_protocol"
)

// hooks receives anacrolix's callbacks. They run with the client's lock
// held, so they only record; anything that calls back into the client runs
// on another goroutine.
type hooks struct {
	byT sync.Map // *torrent.Torrent → *entry
	// log is for what peers make happen: limited like anacrolix's logs.
	log *slog.Logger
}

// entry is the node's entry for t, nil if the node does not know it.
func (h *hooks) entry(t *torrent.Torrent) *entry {
	if t == nil {
		return nil
	}
	if e, ok := h.byT.Load(t); ok {
		return e.(*entry)
	}
	return nil
}

// install adds the hooks to a client configuration.
func (h *hooks) install(cc *torrent.ClientConfig) {
	cb := &cc.Callbacks
	cb.ReceivedUsefulData = append(cb.ReceivedUsefulData, func(ev torrent.ReceivedUsefulDataEvent) {
		if ev.Peer == nil || ev.Message == nil {
			return
		}
		if e := h.entry(ev.Peer.Torrent()); e != nil {
			e.gotData(int(ev.Message.Index))
		}
	})
	cb.PeerConnAdded = append(cb.PeerConnAdded, func(pc *torrent.PeerConn) {
		e := h.entry(pc.Torrent())
		if e == nil {
			return
		}
		if a := dialAddr(pc); a != "" {
			e.rememberPeer(a)
			e.connected(a)
		}
	})
	prevHandshake := cb.ReadExtendedHandshake
	cb.ReadExtendedHandshake = func(pc *torrent.PeerConn, d *pp.ExtendedHandshakeMessage) {
		if prevHandshake != nil {
			prevHandshake(pc, d)
		}
		e := h.entry(pc.Torrent())
		if e == nil {
			return
		}
		// A peer that dialled us says where it listens: it can be dialled
		// again there if it goes away.
		if pc.Discovery == torrent.PeerSourceIncoming && d.Port > 0 && d.Port <= 65535 && pc.RemoteAddr != nil {
			if host, _, err := net.SplitHostPort(pc.RemoteAddr.String()); err == nil {
				a := net.JoinHostPort(host, strconv.Itoa(d.Port))
				e.rememberPeer(a)
				e.connected(a)
			}
		}
		h.metadataHandshake(e, pc, d)
	}
	prevClosed := cb.PeerConnClosed
	cb.PeerConnClosed = func(pc *torrent.PeerConn) {
		if prevClosed != nil {
			prevClosed(pc)
		}
		if e := h.entry(pc.Torrent()); e != nil {
			e.rememberPeer(dialAddr(pc))
			h.metadataClosed(e, pc)
		}
	}
	cb.PeerConnReadExtensionMessage = append(cb.PeerConnReadExtensionMessage, func(ev torrent.PeerConnReadExtensionMessageEvent) {
		if e := h.entry(ev.PeerConn.Torrent()); e != nil {
			h.metadataMessage(e, ev)
		}
	})
}
