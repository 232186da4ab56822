package network

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	pp "github.com/anacrolix/torrent/peer_protocol"
)

// metaPeer is a minimal BitTorrent peer that only serves metadata
// (ut_metadata, BEP 9) over a plain TCP connection it dials itself. strict
// makes it answer only the first of requests that come back to back (within
// backToBack of the previous request), as some seeders do; claimSize, when
// set, is the metadata size its handshake announces instead of the real one.
type metaPeer struct {
	info      []byte
	ih        metainfo.Hash
	strict    bool
	claimSize int

	mu       sync.Mutex
	answered []int // pieces sent
	dropped  int   // requests ignored for coming back to back
	requests int
	closed   bool // the other side hung up
}

// backToBack is how close a request must follow the previous one to be
// ignored by a strict metaPeer: anacrolix writes its requests in one go
// (microseconds apart); requests sent one at a time after an answer come a
// round trip and a tick (≥ 250 ms here) later.
const backToBack = 20 * time.Millisecond

const testMetaExtID = 3 // our ut_metadata number in our extended handshake

// run connects to addr and serves until the connection ends or ctx is done.
func (p *metaPeer) run(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	var hs [68]byte
	hs[0] = 19
	copy(hs[1:], "BitTorrent protocol")
	hs[25] |= 0x10 // extension protocol (BEP 10)
	copy(hs[28:], p.ih[:])
	copy(hs[48:], "-XX0000-metapeer0000")
	if _, err := c.Write(hs[:]); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	var theirs [68]byte
	if _, err := io.ReadFull(r, theirs[:]); err != nil {
		return fmt.Errorf("reading the handshake: %w", err)
	}
	size := len(p.info)
	if p.claimSize != 0 {
		size = p.claimSize
	}
	if err := writeExt(c, 0, bencode.MustMarshal(map[string]any{
		"m":             map[string]int{"ut_metadata": testMetaExtID},
		"metadata_size": size,
	})); err != nil {
		return err
	}
	var lastReq time.Time
	theirMeta := 0
	for {
		var l uint32
		if err := binary.Read(r, binary.BigEndian, &l); err != nil {
			p.mu.Lock()
			p.closed = true
			p.mu.Unlock()
			return nil
		}
		if l > 1<<20 {
			return fmt.Errorf("message of %d bytes", l)
		}
		msg := make([]byte, l)
		if _, err := io.ReadFull(r, msg); err != nil {
			p.mu.Lock()
			p.closed = true
			p.mu.Unlock()
			return nil
		}
		if l < 2 || msg[0] != byte(pp.Extended) {
			continue
		}
		switch msg[1] {
		case 0: // their extended handshake: their number for ut_metadata
			var h pp.ExtendedHandshakeMessage
			if err := bencode.Unmarshal(msg[2:], &h); err != nil {
				return err
			}
			theirMeta = int(h.M[pp.ExtensionNameMetadata])
		case testMetaExtID:
			var m pp.ExtendedMetadataRequestMsg
			if err := bencode.Unmarshal(msg[2:], &m); err != nil {
				return err
			}
			if m.Type != pp.RequestMetadataExtensionMsgType {
				continue
			}
			now := time.Now()
			close := !lastReq.IsZero() && now.Sub(lastReq) < backToBack
			lastReq = now
			p.mu.Lock()
			p.requests++
			if p.strict && close {
				p.dropped++
				p.mu.Unlock()
				continue
			}
			p.answered = append(p.answered, m.Piece)
			p.mu.Unlock()
			begin := m.Piece * metaPieceSize
			if theirMeta == 0 || begin < 0 || begin >= len(p.info) {
				continue
			}
			end := min(begin+metaPieceSize, len(p.info))
			payload := append(bencode.MustMarshal(pp.ExtendedMetadataRequestMsg{
				Type: pp.DataMetadataExtensionMsgType, Piece: m.Piece, TotalSize: len(p.info),
			}), p.info[begin:end]...)
			if err := writeExt(c, byte(theirMeta), payload); err != nil {
				return nil
			}
		}
	}
}

// writeExt writes one extended message (BEP 10).
func writeExt(w io.Writer, id byte, payload []byte) error {
	b := make([]byte, 4, 6+len(payload))
	binary.BigEndian.PutUint32(b, uint32(2+len(payload)))
	b = append(b, byte(pp.Extended), id)
	_, err := w.Write(append(b, payload...))
	return err
}

// bigInfo is a valid info dictionary of about kib KiB: piece hashes of a
// file nobody has (metadata tests need no data).
func bigInfo(t *testing.T, kib int) ([]byte, metainfo.Hash) {
	t.Helper()
	n := kib << 10 / 20
	pieces := make([]byte, 20*n)
	rand.Read(pieces)
	info := metainfo.Info{Name: "Album", PieceLength: 16 << 10, Length: int64(n) * 16 << 10, Pieces: pieces}
	b, err := bencode.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	return b, metainfo.HashBytes(b)
}
