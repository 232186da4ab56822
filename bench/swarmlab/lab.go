// Package swarmlab builds an internet-like swarm on one machine, for the
// bench's lab suite and its short test: every peer in its own network
// namespace, reached over an access link with its own round trip, loss and
// uplink rate, some behind a NAT that only lets in what they opened.
//
// Topology. Each peer's namespace (or, for a peer behind NAT, its home
// router's namespace) has one TUN device holding its public address
// 10.77.x.y/16; the lab's wire (wire.go) forwards between the TUN devices
// with the delays and losses. The uplink rate is a tbf qdisc on the TUN
// device's egress. A NATed peer sits in its own namespace behind a veth pair
// to its router's namespace, where nftables masquerades what it sends and
// drops every new connection from outside.
//
// Everything is named PREFIX<pid>-…: namespaces are removed by Close, and a
// later New removes those of runs whose process is gone (killed before
// Close). TUN devices disappear with this process.
package swarmlab

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultPrefix starts the names of everything a lab creates.
const DefaultPrefix = "stlab"

// PeerSpec is one peer's access link.
type PeerSpec struct {
	// RTT is this link's share of a round trip: a packet between two
	// peers takes half of each one's RTT, so their round trip is the sum.
	RTT time.Duration
	// Loss is the chance a packet is dropped on this link, each way (0..1).
	Loss float64
	// UpMbit is the uplink rate in Mbit/s (tbf); 0 leaves it unlimited.
	UpMbit float64
	// NAT puts the peer behind a masquerading router that drops new
	// connections from outside.
	NAT bool
}

// Config describes a lab.
type Config struct {
	Peers  []PeerSpec
	Prefix string // DefaultPrefix when empty
	// Capture, if set, is a pcap file the wire writes every packet's
	// headers to, stamped as sent and as delivered (see capture).
	Capture string
}

// Peer is one namespace of the lab.
type Peer struct {
	Index int
	NS    string     // the namespace its processes run in
	Addr  netip.Addr // the address it has (and listens on) in NS
	// Public is where others reach it: Addr, or its router's address
	// (where nothing is let in) when behind NAT.
	Public netip.Addr
	Spec   PeerSpec
	Router string // the router's namespace when behind NAT
	TUN    string // the TUN device on the wire (in NS, or in Router)
}

// Lab is a running lab. Close removes it.
type Lab struct {
	Peers  []*Peer
	prefix string // PREFIX<pid>
	nss    []string
	wire   *wire
}

// Available says why no lab can be made here (nil: it can): it needs root,
// ip, tc and nft, /dev/net/tun, and the right to create a namespace.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("network namespaces need root (CAP_NET_ADMIN and CAP_SYS_ADMIN); run as root")
	}
	for _, tool := range []string{"ip", "tc", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (apt-get install %s)", tool, map[string]string{"ip": "iproute2", "tc": "iproute2", "nft": "nftables"}[tool])
		}
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return fmt.Errorf("no /dev/net/tun: the lab's wire needs TUN devices: %w", err)
	}
	probe := fmt.Sprintf("%s%d-probe", DefaultPrefix, os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", probe).CombinedOutput(); err != nil {
		return fmt.Errorf("cannot create a network namespace (ip netns add): %v: %s", err, strings.TrimSpace(string(out)))
	}
	exec.Command("ip", "netns", "del", probe).Run()
	return nil
}

// New builds the lab: removes what earlier killed runs left, then makes
// every namespace, device, qdisc and NAT rule of cfg. On error, what was
// made is removed.
func New(ctx context.Context, cfg Config) (l *Lab, err error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if len(cfg.Peers) > 250 {
		return nil, fmt.Errorf("%d peers: the lab's addressing holds 250", len(cfg.Peers))
	}
	family := cfg.Prefix
	if family == "" {
		family = DefaultPrefix
	}
	RemoveStale(family)
	l = &Lab{prefix: fmt.Sprintf("%s%d", family, os.Getpid()), wire: newWire()}
	if cfg.Capture != "" {
		if l.wire.cap, err = createCapture(cfg.Capture); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			l.Close()
			l = nil
		}
	}()
	for i, spec := range cfg.Peers {
		if err := ctx.Err(); err != nil {
			return l, err
		}
		p, err := l.addPeer(i, spec)
		if err != nil {
			return l, fmt.Errorf("peer %d: %w", i, err)
		}
		l.Peers = append(l.Peers, p)
	}
	return l, nil
}

func (l *Lab) addNS(name string) error {
	if err := run("ip", "netns", "add", name); err != nil {
		return err
	}
	l.nss = append(l.nss, name)
	return run("ip", "-n", name, "link", "set", "lo", "up")
}

func (l *Lab) addPeer(i int, spec PeerSpec) (*Peer, error) {
	p := &Peer{Index: i, Spec: spec, NS: fmt.Sprintf("%s-%d", l.prefix, i),
		Public: netip.AddrFrom4([4]byte{10, 77, byte((i + 1) / 256), byte((i + 1) % 256)})}
	p.Addr = p.Public
	// Interface names have at most 15 bytes: keep the pid, not the family.
	p.TUN = fmt.Sprintf("sl%dt%d", os.Getpid()%1000000, i)
	wireNS := p.NS
	if err := l.addNS(p.NS); err != nil {
		return nil, err
	}
	if spec.NAT {
		p.Router = p.NS + "-nat"
		wireNS = p.Router
		if err := l.addNS(p.Router); err != nil {
			return nil, err
		}
		if err := l.natRouter(p); err != nil {
			return nil, err
		}
	}
	tun, err := openTUN(p.TUN)
	if err != nil {
		return nil, err
	}
	pt := &port{addr: p.Public, tun: tun, oneWay: spec.RTT / 2, loss: spec.Loss}
	if err := runAll(
		[]string{"ip", "link", "set", p.TUN, "netns", wireNS},
		[]string{"ip", "-n", wireNS, "addr", "add", p.Public.String() + "/16", "dev", p.TUN},
		[]string{"ip", "-n", wireNS, "link", "set", p.TUN, "up"},
	); err != nil {
		tun.Close()
		return nil, err
	}
	if spec.UpMbit > 0 {
		if err := run("tc", append([]string{"-n", wireNS, "qdisc", "add", "dev", p.TUN, "root", "tbf"}, tbfArgs(spec.UpMbit)...)...); err != nil {
			tun.Close()
			return nil, err
		}
	}
	l.wire.attach(pt)
	return p, nil
}

// tbfArgs shape to mbit Mbit/s with a bucket of 4 ms at that rate (at least
// two full packets) and at most 200 ms of queue.
func tbfArgs(mbit float64) []string {
	burst := max(int(mbit*1e6/8*0.004), 3200)
	return []string{"rate", fmt.Sprintf("%dkbit", int(mbit*1000)), "burst", strconv.Itoa(burst), "latency", "200ms"}
}

// natRouter joins the peer's namespace to its router's through a veth pair
// (192.168.i.2 behind 192.168.i.1) and sets the router's nftables: what
// leaves through the TUN device is masqueraded; a connection that starts
// outside is dropped, whether aimed at the router or forwarded.
func (l *Lab) natRouter(p *Peer) error {
	inner := fmt.Sprintf("192.168.%d.2", p.Index%250)
	gw := fmt.Sprintf("192.168.%d.1", p.Index%250)
	p.Addr = netip.MustParseAddr(inner)
	rules := fmt.Sprintf(`table ip swarmlab {
	chain nat_out { type nat hook postrouting priority 100; oifname "%[1]s" masquerade; }
	chain inbound_forward { type filter hook forward priority 0; policy accept; iifname "%[1]s" ct state new counter drop; }
	chain inbound_local { type filter hook input priority 0; policy accept; iifname "%[1]s" ct state new counter drop; }
}
`, p.TUN)
	rulesFile := fmt.Sprintf("%s/%s.nft", os.TempDir(), p.Router)
	if err := os.WriteFile(rulesFile, []byte(rules), 0o600); err != nil {
		return err
	}
	defer os.Remove(rulesFile)
	return runAll(
		[]string{"ip", "-n", p.Router, "link", "add", "lan", "type", "veth", "peer", "name", "eth0", "netns", p.NS},
		[]string{"ip", "-n", p.Router, "addr", "add", gw + "/24", "dev", "lan"},
		[]string{"ip", "-n", p.Router, "link", "set", "lan", "up"},
		[]string{"ip", "-n", p.NS, "addr", "add", inner + "/24", "dev", "eth0"},
		[]string{"ip", "-n", p.NS, "link", "set", "eth0", "up"},
		[]string{"ip", "-n", p.NS, "route", "add", "default", "via", gw},
		[]string{"ip", "netns", "exec", p.Router, "sysctl", "-qw", "net.ipv4.ip_forward=1"},
		[]string{"ip", "netns", "exec", p.Router, "nft", "-f", rulesFile},
	)
}

// Command runs name in the peer's namespace. The process is killed if this
// one dies (its parent thread's death, strictly: see PR_SET_PDEATHSIG).
func (l *Lab) Command(ctx context.Context, p *Peer, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", p.NS, name}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// BytesTo is what the wire delivered from peer from's public address to
// peer to's (IP packets, headers included).
func (l *Lab) BytesTo(from, to *Peer) int64 { return l.wire.bytes(from.Public, to.Public) }

// Dropped is how many packets the wire dropped on peer p's link (its loss,
// or a full queue), counted on the side that sent them.
func (l *Lab) Dropped(p *Peer) int64 {
	l.wire.mu.Lock()
	defer l.wire.mu.Unlock()
	if pt := l.wire.ports[p.Public]; pt != nil {
		return pt.dropped.Load()
	}
	return 0
}

// Close kills what runs in the lab's namespaces and removes them, stops the
// wire and with it the TUN devices. It can be called more than once.
func (l *Lab) Close() error {
	var errs []error
	for _, ns := range l.nss {
		killIn(ns)
	}
	if l.wire != nil {
		l.wire.close()
		if err := l.wire.cap.close(); err != nil {
			errs = append(errs, fmt.Errorf("the packet capture: %w", err))
		}
		l.wire = nil
	}
	for _, ns := range l.nss {
		if err := run("ip", "netns", "del", ns); err != nil {
			errs = append(errs, err)
		}
	}
	l.nss = nil
	return errors.Join(errs...)
}

// killIn kills every process in namespace ns (all of them the lab's).
func killIn(ns string) {
	out, _ := exec.Command("ip", "netns", "pids", ns).Output()
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil && pid != os.Getpid() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// RemoveStale removes the namespaces of family (PREFIX<pid>-…) whose
// creating process no longer runs, and kills what still runs in them: what
// a run killed before its Close left behind.
func RemoveStale(family string) {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], family) {
			continue
		}
		rest := strings.TrimPrefix(f[0], family)
		pidS, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidS)
		if !ok || err != nil {
			continue // not one of ours
		}
		if pid == os.Getpid() || syscall.Kill(pid, 0) == nil {
			continue // its lab is still running
		}
		killIn(f[0])
		exec.Command("ip", "netns", "del", f[0]).Run()
	}
}

func run(name string, args ...string) error {
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func runAll(cmds ...[]string) error {
	for _, c := range cmds {
		if err := run(c[0], c[1:]...); err != nil {
			return err
		}
	}
	return nil
}
