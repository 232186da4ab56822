// Command bench measures Swarmtone's figures side by side with real peers and
// tools on this machine. `make bench` runs it; each figure is printed as one
// line "figure value unit" and written to bench/results.txt.
//
// Each area registers its suite from its own file (library.go, network.go,
// player.go, app.go) with register, so suites can be run alone:
//
//	go run -tags nosqlite,no_emoji ./bench [-out bench/results.txt] [suite ...]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// suite measures one area and reports figures through r.
type suite struct {
	name string
	run  func(ctx context.Context, r *report) error
}

var suites []suite

// benchOutDir is the folder of the results file: suites write their plots there.
var benchOutDir = "bench"

// register adds a suite; called from init functions.
func register(name string, run func(ctx context.Context, r *report) error) {
	suites = append(suites, suite{name, run})
}

// report collects figures.
type report struct {
	out   io.Writer
	lines []string
}

// figure records one measurement; unit is e.g. "ms", "MB/s", "x".
func (r *report) figure(name string, value float64, unit string) {
	line := fmt.Sprintf("%s %s %s", name, formatValue(value), unit)
	r.lines = append(r.lines, line)
	fmt.Fprintln(r.out, line)
}

// formatValue keeps three significant digits, without exponents.
func formatValue(v float64) string {
	if v >= 100 || v <= -100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// rssMB is this process's resident set size in MB, -1 if unknown.
func rssMB() float64 { return rssMBOf("self") }

// rssMBOf reads the resident set size of process pid ("self" for this one)
// from /proc, in MB; -1 if unknown.
func rssMBOf(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return -1
			}
			return kb / 1024
		}
	}
	return -1
}

func main() {
	outPath := flag.String("out", "bench/results.txt", "file the figures are written to")
	timeout := flag.Duration("timeout", 25*time.Minute, "limit for the whole run")
	flag.Parse()
	benchOutDir = filepath.Dir(*outPath)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	want := flag.Args()
	r := &report{out: os.Stdout}
	failed := false
	for _, s := range suites {
		if len(want) > 0 && !slices.Contains(want, s.name) {
			continue
		}
		start := time.Now()
		slog.Info("bench suite", "suite", s.name)
		if err := s.run(ctx, r); err != nil {
			slog.Error("bench suite failed", "suite", s.name, "err", err)
			failed = true
		}
		slog.Info("bench suite done", "suite", s.name, "took", time.Since(start).Round(time.Millisecond))
	}
	content := ""
	for _, l := range r.lines {
		content += l + "\n"
	}
	if err := os.WriteFile(*outPath, []byte(content), 0o644); err != nil {
		slog.Error("writing results", "file", *outPath, "err", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}
