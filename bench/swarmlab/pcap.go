package swarmlab

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"time"
)

// capture writes the packets the wire forwards to a pcap file (tcpdump -r,
// Wireshark): each packet's first captureSnap bytes, its IP and TCP or UDP
// headers, stamped when the wire took it in and again when it delivered it.
// Encrypted payloads say nothing anyway; the timing and sizes of a start's
// round trips are what the file is for.
type capture struct {
	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer
	err error
}

// captureSnap keeps an IPv4 header and a TCP header with options (60 bytes
// each at most) and the first bytes of what they carry.
const captureSnap = 160

// linkTypeRaw: each record is an IP packet with no link-layer header.
const linkTypeRaw = 101

// captureTOSSent marks a record stamped when the wire took the packet in:
// its IP header's type-of-service byte is rewritten in the copy (the lab's
// peers leave it 0), so `tcpdump 'ip[1] = 1'` shows what peers sent and
// `ip[1] = 0` what they received, each at its own time.
const captureTOSSent = 1

func createCapture(path string) (*capture, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating the lab's packet capture: %w", err)
	}
	c := &capture{f: f, w: bufio.NewWriterSize(f, 1<<16)}
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4) // microsecond stamps
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], captureSnap)
	binary.LittleEndian.PutUint32(h[20:], linkTypeRaw)
	if _, err := c.w.Write(h[:]); err != nil {
		f.Close()
		return nil, err
	}
	return c, nil
}

// packet records pkt at t; sent says the wire is taking it in rather than
// delivering it. A nil capture records nothing.
func (c *capture) packet(t time.Time, pkt []byte, sent bool) {
	if c == nil {
		return
	}
	n := min(len(pkt), captureSnap)
	var h [16]byte
	us := t.UnixMicro()
	binary.LittleEndian.PutUint32(h[0:], uint32(us/1e6))
	binary.LittleEndian.PutUint32(h[4:], uint32(us%1e6))
	binary.LittleEndian.PutUint32(h[8:], uint32(n))
	binary.LittleEndian.PutUint32(h[12:], uint32(len(pkt)))
	var head [captureSnap]byte
	copy(head[:], pkt[:n])
	if sent && n > 1 {
		head[1] = captureTOSSent // the IP checksum no longer matches; readers do not mind
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	if _, err := c.w.Write(h[:]); err != nil {
		c.err = err
		return
	}
	_, c.err = c.w.Write(head[:n])
}

func (c *capture) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.err
	if ferr := c.w.Flush(); err == nil {
		err = ferr
	}
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	return err
}
