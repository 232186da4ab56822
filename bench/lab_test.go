package main

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/bench/swarmlab"
	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestLabShortSession runs the lab small: seven namespaces (two listeners,
// two creators, three fans, churn on), four albums, twenty plays of a second
// or two. It checks the lab's plumbing end to end, not its timing: every play
// of the script is reported, by each listener its share, music reached the
// listeners over the wire, a
// fan behind NAT sent nothing (nobody can connect to it, and seeders do not
// dial out), and nothing of the lab is left when it returns. The wire's
// delays and rates are checked in bench/swarmlab (TestLabPlumbing).
func TestLabShortSession(t *testing.T) {
	// The tools are the Makefile's to install: under CI a missing one
	// fails. Namespaces need root and a kernel that grants them, which CI
	// containers often do not: that skips, under CI too, saying why (it is
	// the machine's choice, not a broken install step).
	testtool.Need(t, "ip", "tc", "nft", "ffmpeg")
	if err := swarmlab.Available(); err != nil {
		t.Skipf("no swarm lab here: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	shape := labShape{
		creators: 2, fans: 3, listeners: 2, albums: 4, tracks: 2, trackSecs: 6,
		plays: 20, churn: true, timeout: 3 * time.Minute, seed: 3, startLimit: 20 * time.Second,
		peerPort: 6881, listenerRTT: 10 * time.Millisecond, natShare: 0.5,
		holdScale: 0.4, budget: 150 * time.Second,
	}
	run, err := runLab(ctx, shape)
	// Whatever happened, the lab is gone.
	if out, _ := exec.Command("ip", "netns", "list").Output(); strings.Contains(string(out), swarmlab.DefaultPrefix+strconv.Itoa(os.Getpid())+"-") {
		t.Errorf("namespaces left after the run:\n%s", out)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(run.plays) != shape.plays {
		t.Errorf("%d plays reported, %d in the script", len(run.plays), shape.plays)
	}
	started := 0
	perListener := map[int]int{}
	for _, p := range run.plays {
		perListener[p.Listener]++
		if p.TTFA >= 0 {
			started++
		} else {
			t.Logf("play %+v did not start: %s", p.labPlay, p.Err)
		}
	}
	if perListener[0] != shape.plays/2 || perListener[1] != shape.plays/2 {
		t.Errorf("plays per listener %v, want %d each", perListener, shape.plays/2)
	}
	if started == 0 {
		t.Error("no play started: the listeners got no music through the lab")
	}
	if run.peerB == 0 {
		t.Error("the wire carried no bytes from the seeding peers to the listeners")
	}
	nat, public := 0, 0
	for _, p := range run.peers {
		t.Logf("peer %+v", p)
		switch {
		case p.NAT:
			nat++
			if p.BytesToListeners != 0 {
				t.Errorf("peer %d behind NAT sent the listeners %d bytes: its router let a connection in", p.Index, p.BytesToListeners)
			}
		case !p.Creator:
			public++
		}
	}
	if nat == 0 || public == 0 {
		t.Fatalf("seed %d gave %d fans behind NAT and %d public: pick a seed with both", shape.seed, nat, public)
	}
	t.Logf("%d of %d plays started; %.1f MB reached the listeners from seeding peers, %.1f MB from each other",
		started, len(run.plays), float64(run.peerB)/1e6, float64(run.listenerB)/1e6)
}
