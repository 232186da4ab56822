package swarmlab

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// needLab skips a test where no lab can be made, saying why. Under CI it
// skips too, unlike a missing tool (testtool.Need): namespaces need root and
// a kernel that allows them, which CI containers often do not grant, and
// that is the machine's choice, not a broken install step. The tools the lab
// uses are the Makefile's to install, so under CI a missing one fails.
func needLab(t *testing.T) {
	t.Helper()
	testtool.Need(t, "ip", "tc", "nft", "ping")
	if err := Available(); err != nil {
		t.Skipf("no swarm lab here: %v", err)
	}
}

// TestLabPlumbing builds six peers and checks that what the lab set is what
// the network does: ping's round trips are the sums of the links' RTTs, a
// transfer runs at the sender's uplink rate, the wire counts the bytes it
// carried, and a NATed peer can open connections but not be reached. The
// tolerances allow for a loaded machine: the wire is a user-space switch.
func TestLabPlumbing(t *testing.T) {
	needLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	specs := []PeerSpec{
		{RTT: 10 * time.Millisecond, UpMbit: 50},            // 0: the listener
		{RTT: 90 * time.Millisecond, UpMbit: 8},             // 1
		{RTT: 190 * time.Millisecond, UpMbit: 2},            // 2
		{RTT: 50 * time.Millisecond, UpMbit: 10, NAT: true}, // 3
		{RTT: 140 * time.Millisecond, UpMbit: 1},            // 4
		{RTT: 30 * time.Millisecond, UpMbit: 20},            // 5
	}
	capturePath := filepath.Join(t.TempDir(), "wire.pcap")
	lab, err := New(ctx, Config{Peers: specs, Capture: capturePath})
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: this one reads the capture Close finished.
	t.Cleanup(func() { checkCapture(t, capturePath, lab.Peers[0], lab.Peers[1]) })
	t.Cleanup(func() {
		if err := lab.Close(); err != nil {
			t.Errorf("closing the lab: %v", err)
		}
		if out, _ := exec.Command("ip", "netns", "list").Output(); regexp.MustCompile(`(?m)^` + lab.prefix + `-`).Match(out) {
			t.Errorf("namespaces left after Close:\n%s", out)
		}
	})
	listener := lab.Peers[0]

	t.Run("rtt", func(t *testing.T) {
		for _, p := range lab.Peers[1:] {
			want := listener.Spec.RTT + p.Spec.RTT
			got, err := minPing(ctx, lab, listener, p.Public.String(), 5)
			if p.Spec.NAT {
				if err == nil {
					t.Errorf("ping reached peer %d behind NAT at %s (%v): its router must drop what it did not open", p.Index, p.Public, got)
				}
				// From inside, the NAT lets the peer out and its answers in.
				got, err = minPing(ctx, lab, p, listener.Public.String(), 5)
			}
			if err != nil {
				t.Errorf("peer %d: %v", p.Index, err)
				continue
			}
			t.Logf("peer %d: round trip %v, set %v", p.Index, got, want)
			// Never faster than set; slower by scheduling on a busy machine.
			if got < want-time.Millisecond || got > want+25*time.Millisecond {
				t.Errorf("peer %d: ping's round trip %v, set %v", p.Index, got, want)
			}
		}
	})

	t.Run("rate", func(t *testing.T) {
		for _, i := range []int{1, 2, 4} {
			p := lab.Peers[i]
			before := lab.BytesTo(p, listener)
			got, sent, err := transferRate(ctx, p, listener, 4*time.Second)
			if err != nil {
				t.Fatalf("peer %d: %v", i, err)
			}
			t.Logf("peer %d: %.2f Mbit/s, uplink set to %.0f; %d bytes sent", i, got, p.Spec.UpMbit, sent)
			if lo, hi := 0.8*p.Spec.UpMbit, 1.1*p.Spec.UpMbit; got < lo || got > hi {
				t.Errorf("peer %d: transfer at %.2f Mbit/s, uplink set to %.0f (want %.2f to %.2f)", i, got, p.Spec.UpMbit, lo, hi)
			}
			// The wire counts IP packets: the payload plus headers.
			if carried := lab.BytesTo(p, listener) - before; carried < sent || carried > sent+sent/10+64<<10 {
				t.Errorf("peer %d: the wire counted %d bytes for %d sent", i, carried, sent)
			}
		}
	})
}

var pingRTT = regexp.MustCompile(`time=([0-9.]+) ms`)

// minPing is the shortest of n pings from p to addr.
func minPing(ctx context.Context, lab *Lab, p *Peer, addr string, n int) (time.Duration, error) {
	out, err := lab.Command(ctx, p, "ping", "-n", "-c", strconv.Itoa(n), "-i", "0.2", "-W", "2", addr).CombinedOutput()
	best := time.Duration(-1)
	for _, m := range pingRTT.FindAllSubmatch(out, -1) {
		ms, _ := strconv.ParseFloat(string(m[1]), 64)
		if d := time.Duration(ms * float64(time.Millisecond)); best < 0 || d < best {
			best = d
		}
	}
	if best < 0 {
		return 0, fmt.Errorf("ping %s from %s: no answer (%v): %s", addr, p.NS, err, out)
	}
	return best, nil
}

// transferRate sends from one peer to another over TCP for d and returns
// the rate over the second half (after slow start) in Mbit/s, and the
// bytes sent.
func transferRate(ctx context.Context, from, to *Peer, d time.Duration) (float64, int64, error) {
	var l net.Listener
	if err := to.InNS(func() (err error) {
		l, err = net.Listen("tcp", net.JoinHostPort(to.Addr.String(), "0"))
		return err
	}); err != nil {
		return 0, 0, err
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	var c net.Conn
	if err := from.InNS(func() (err error) {
		c, err = (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", net.JoinHostPort(to.Public.String(), strconv.Itoa(port)))
		return err
	}); err != nil {
		return 0, 0, err
	}
	srv, err := l.Accept()
	if err != nil {
		c.Close()
		return 0, 0, err
	}
	defer srv.Close()
	sent := make(chan int64, 1)
	go func() {
		defer c.Close()
		buf := make([]byte, 32<<10)
		var n int64
		c.SetWriteDeadline(time.Now().Add(d))
		for {
			k, err := c.Write(buf)
			n += int64(k)
			if err != nil {
				break
			}
		}
		sent <- n
	}()
	start := time.Now()
	half := start.Add(d / 2)
	var total, atHalf int64
	buf := make([]byte, 64<<10)
	var halfAt, lastAt time.Time
	var atLast int64
	for {
		k, err := srv.Read(buf)
		now := time.Now()
		total += int64(k)
		if k > 0 && now.Before(start.Add(d)) {
			lastAt, atLast = now, total
			if halfAt.IsZero() && now.After(half) {
				halfAt, atHalf = now, total
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, 0, err
		}
	}
	n := <-sent
	if halfAt.IsZero() || !lastAt.After(halfAt) {
		return 0, n, fmt.Errorf("too little arrived to measure a rate (%d bytes)", total)
	}
	return float64(atLast-atHalf) * 8 / 1e6 / lastAt.Sub(halfAt).Seconds(), n, nil
}

// checkCapture checks the wire's capture of the rtt subtest's pings from
// one peer to another: each echo request is there stamped as sent and
// again as delivered, the two apart by the links' one-way delays.
func checkCapture(t *testing.T, path string, from, to *Peer) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	times, pkts, err := readCapture(f)
	if err != nil {
		t.Fatalf("reading the capture %s: %v", path, err)
	}
	sentAt := map[uint32]time.Time{} // by ICMP identifier and sequence
	var pairs int
	oneWay := (from.Spec.RTT + to.Spec.RTT) / 2
	for i, p := range pkts {
		const icmp, echoRequest = 1, 8
		if len(p) < 28 || p[9] != icmp || !bytes.Equal(p[12:16], from.Public.AsSlice()) || !bytes.Equal(p[16:20], to.Public.AsSlice()) {
			continue
		}
		ihl := int(p[0]&0x0f) * 4
		if len(p) < ihl+8 || p[ihl] != echoRequest {
			continue
		}
		id := binary.BigEndian.Uint32(p[ihl+4:])
		if p[1] == captureTOSSent {
			sentAt[id] = times[i]
			continue
		}
		sent, ok := sentAt[id]
		if !ok {
			t.Errorf("echo request %#x delivered at %v, never captured as sent", id, times[i])
			continue
		}
		pairs++
		if took := times[i].Sub(sent); took < oneWay-time.Millisecond || took > oneWay+25*time.Millisecond {
			t.Errorf("echo request %#x: delivered %v after it was sent, the links' one-way delay is %v", id, took, oneWay)
		}
	}
	if pairs == 0 {
		t.Errorf("the capture (%d packets) holds no echo request from %s to %s both sent and delivered", len(pkts), from.Public, to.Public)
	}
}

// readCapture reads back what a capture wrote (for its test): each
// record's time and bytes.
func readCapture(r io.Reader) (times []time.Time, pkts [][]byte, err error) {
	var h [24]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, nil, err
	}
	if binary.LittleEndian.Uint32(h[0:]) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(h[20:]) != linkTypeRaw {
		return nil, nil, fmt.Errorf("not a raw-IP pcap file")
	}
	for {
		var rh [16]byte
		if _, err := io.ReadFull(r, rh[:]); err == io.EOF {
			return times, pkts, nil
		} else if err != nil {
			return nil, nil, err
		}
		b := make([]byte, binary.LittleEndian.Uint32(rh[8:]))
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, nil, err
		}
		times = append(times, time.UnixMicro(int64(binary.LittleEndian.Uint32(rh[0:]))*1e6+int64(binary.LittleEndian.Uint32(rh[4:]))))
		pkts = append(pkts, b)
	}
}
