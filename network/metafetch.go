package network

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"slices"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	pp "github.com/anacrolix/torrent/peer_protocol"
)

// Metadata (ut_metadata, BEP 9) fetching, around what anacrolix does.
//
// anacrolix v1.62.0 asks a peer for every metadata piece at once, right
// after the extended handshake, and never asks again: a seeder that
// answers only the first of several requests sent back to back leaves the
// other pieces missing for good. It offers no setting for this, but its
// callbacks show each ut_metadata message and PeerConn.WriteExtendedMessage
// can send one. So the node watches: when a peer has been quiet for
// metaQuiet with pieces it was asked for still missing, the node asks it
// again for one piece at a time, the next as soon as one arrives. It asks
// only for pieces anacrolix asked that peer for (anacrolix drops a peer
// that sends a piece it never asked for).
//
// anacrolix also accepts metadata up to 16 MiB and parses all of it before
// anything checks it. The peer's extended handshake says the size first
// (the ReadExtendedHandshake callback sees it before anacrolix does): a
// size over MaxInfoBytes is refused there, the peer is dropped, and the
// wait for metadata ends with the refusal rather than a timeout.

// Timings of metadata re-requests. Variables for tests.
var (
	// metaQuiet: a peer silent this long on ut_metadata with pieces
	// missing is asked again.
	metaQuiet = time.Second
	// metaTick is how often peers are looked at while metadata is missing.
	metaTick = 250 * time.Millisecond
)

// metaState is one torrent's view of its metadata download.
type metaState struct {
	size  int    // bytes, as the peers' handshakes said (0 unknown)
	have  []bool // pieces seen arriving
	buf   []byte // their bytes, to check the caps before anacrolix parses them
	conns map[*torrent.PeerConn]*metaConn
	// refused is the first refusal of metadata offered by a peer;
	// refusedFinal is closed when the refusal ends the wait (no other
	// peer left to ask).
	refused      error
	refusedFinal chan struct{}
	finalized    bool
}

// metaConn is what one peer was asked for.
type metaConn struct {
	libAsked []bool    // pieces anacrolix asked this peer for
	lastMsg  time.Time // the peer's last ut_metadata message (or handshake)
	asked    int       // piece the node asked again for, -1 none
	askedAt  time.Time
}

const metaPieceSize = 1 << 14

// metadataHandshake sees a peer's extended handshake before anacrolix does.
func (h *hooks) metadataHandshake(e *entry, pc *torrent.PeerConn, d *pp.ExtendedHandshakeMessage) {
	select {
	case <-e.ready:
		return
	default:
	}
	e.mu.Lock()
	fetching := e.meta.conns != nil // nil: made with its metadata, or it came
	e.mu.Unlock()
	if !fetching {
		return
	}
	size := d.MetadataSize
	if size > MaxInfoBytes || size < 0 {
		err := fmt.Errorf("refused: metadata too large (%d bytes, limit %d) from peer %v: %w", size, MaxInfoBytes, pc.RemoteAddr, ErrTooBig)
		// Anacrolix would allocate it and ask for every piece.
		d.MetadataSize = 0
		e.mu.Lock()
		if e.meta.refused == nil {
			e.meta.refused = err
		}
		e.mu.Unlock()
		h.log.Warn("refusing torrent metadata", "infohash", e.t.InfoHash().HexString(), "err", err)
		go func() {
			pc.Close()
			// The refusal ends the wait unless another peer may still
			// send the metadata.
			others := 0
			for _, c := range e.t.PeerConns() {
				if c != pc {
					others++
				}
			}
			if others == 0 {
				e.finalizeRefusal()
			}
		}()
		return
	}
	if size == 0 || d.M[pp.ExtensionNameMetadata] == 0 {
		return
	}
	n := (size + metaPieceSize - 1) / metaPieceSize
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.meta.conns == nil {
		return
	}
	if size != e.meta.size { // anacrolix starts over on a new size too
		e.meta.size = size
		e.meta.have = make([]bool, n)
		e.meta.buf = nil
	}
	mc := &metaConn{libAsked: make([]bool, n), lastMsg: time.Now(), asked: -1}
	for i := range n {
		mc.libAsked[i] = !e.meta.have[i]
	}
	e.meta.conns[pc] = mc
}

// finalizeRefusal ends waits for metadata with the refusal, once.
func (e *entry) finalizeRefusal() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.meta.refused != nil && !e.meta.finalized {
		e.meta.finalized = true
		close(e.meta.refusedFinal)
	}
}

// metadataMessage notes ut_metadata pieces and rejects a peer sends.
func (h *hooks) metadataMessage(e *entry, ev torrent.PeerConnReadExtensionMessageEvent) {
	pc := ev.PeerConn
	if pc.LocalLtepProtocolMap == nil {
		return
	}
	name, _, err := pc.LocalLtepProtocolMap.LookupId(ev.ExtensionNumber)
	if err != nil || name != pp.ExtensionNameMetadata {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	mc := e.meta.conns[pc]
	if mc == nil {
		return
	}
	var d pp.ExtendedMetadataRequestMsg
	if err := bencode.Unmarshal(ev.Payload, &d); err != nil {
		if _, ok := err.(bencode.ErrUnusedTrailingBytes); !ok {
			return
		}
	}
	switch d.Type {
	case pp.DataMetadataExtensionMsgType:
		mc.lastMsg = time.Now()
		if d.Piece < 0 || d.Piece >= len(e.meta.have) {
			return
		}
		size := min(metaPieceSize, e.meta.size-d.Piece*metaPieceSize)
		begin := len(ev.Payload) - size
		if begin < 0 {
			return
		}
		if e.meta.buf == nil {
			e.meta.buf = make([]byte, e.meta.size)
		}
		copy(e.meta.buf[d.Piece*metaPieceSize:], ev.Payload[begin:])
		e.meta.have[d.Piece] = true
		if slices.Contains(e.meta.have, false) {
			return
		}
		// This is the last piece: anacrolix parses the whole once this
		// callback returns. Check the caps first.
		if err := capMetadata(e.meta.buf, e.t.InfoHash()); err != nil {
			if e.meta.refused == nil {
				e.meta.refused = err
			}
			// The only way to keep anacrolix from building the info is to
			// make this message a reject, which it ignores.
			if !rejectInPlace(ev.Payload[:begin]) {
				return
			}
			h.log.Warn("refusing torrent metadata", "infohash", e.t.InfoHash().HexString(), "err", err)
			go func() {
				pc.Close()
				e.finalizeRefusal()
			}()
		}
	case pp.RejectMetadataExtensionMsgType:
		mc.lastMsg = time.Now()
	}
}

// metadataClosed forgets a peer's metadata state.
func (h *hooks) metadataClosed(e *entry, pc *torrent.PeerConn) {
	e.mu.Lock()
	delete(e.meta.conns, pc)
	e.mu.Unlock()
}

// askMetadataAgain asks quiet peers again for missing metadata pieces, one
// at a time each. It returns the number of requests sent.
func (e *entry) askMetadataAgain(now time.Time) int {
	type ask struct {
		pc    *torrent.PeerConn
		piece int
	}
	var asks []ask
	e.mu.Lock()
	have := e.meta.have
	for pc, mc := range e.meta.conns {
		answered := mc.asked >= 0 && mc.asked < len(have) && have[mc.asked]
		last := mc.lastMsg
		if mc.askedAt.After(last) {
			last = mc.askedAt
		}
		if !answered && now.Sub(last) < metaQuiet {
			continue
		}
		next := -1
		for k := 1; k <= len(mc.libAsked); k++ {
			i := (mc.asked + k) % len(mc.libAsked)
			if i < 0 {
				i += len(mc.libAsked)
			}
			if mc.libAsked[i] && i < len(have) && !have[i] {
				next = i
				break
			}
		}
		if next < 0 {
			continue
		}
		mc.asked, mc.askedAt = next, now
		asks = append(asks, ask{pc, next})
	}
	e.mu.Unlock()
	for _, a := range asks {
		payload := bencode.MustMarshal(pp.ExtendedMetadataRequestMsg{Piece: a.piece, Type: pp.RequestMetadataExtensionMsgType})
		a.pc.WriteExtendedMessage(pp.ExtensionNameMetadata, payload)
	}
	return len(asks)
}

// refusal is the refusal of metadata a peer offered, nil if none.
func (e *entry) refusal() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.meta.refused
}

// capMetadata checks complete metadata against our caps: bytes that are not
// the infohash's are left to anacrolix (which throws them away); the
// infohash's own metadata with too many files or pieces is refused.
func capMetadata(b []byte, ih metainfo.Hash) error {
	if sha1.Sum(b) != ih {
		return nil
	}
	files, pieces, err := scanInfoCounts(b)
	switch {
	case err != nil:
		return fmt.Errorf("refused: metadata of %d bytes is not a valid info dictionary (%v): %w", len(b), err, ErrBadTorrent)
	case files > MaxFiles:
		return fmt.Errorf("refused: metadata lists %d files (limit %d): %w", files, MaxFiles, ErrTooBig)
	case pieces > MaxPieces:
		return fmt.Errorf("refused: metadata lists %d pieces (limit %d): %w", pieces, MaxPieces, ErrTooBig)
	}
	return nil
}

// rejectInPlace turns the bencoded header of a ut_metadata data message
// into a reject message's (msg_type 1 → 2, same length). It reports whether
// it found the field.
func rejectInPlace(header []byte) bool {
	const field = "8:msg_typei1e"
	i := bytes.Index(header, []byte(field))
	if i < 0 {
		return false
	}
	header[i+len(field)-2] = '2'
	return true
}
