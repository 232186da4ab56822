package main

// The ui suite measures the window's own work with its real code: a
// keystroke in the library's search box over 100,000 tracks until the
// table shows the result (BenchmarkSearchKeystroke in app/ui, run in
// Fyne's test driver so it reaches the view's internals).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
)

func init() { register("ui", benchUI) }

func benchUI(ctx context.Context, r *report) error {
	cmd := exec.CommandContext(ctx, "go", "test", "-tags", "nosqlite,no_emoji", "-run", "^$",
		"-bench", "^BenchmarkSearchKeystroke$", "-benchtime", "1x", "-count", "1", "./app/ui")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("BenchmarkSearchKeystroke: %v\n%s", err, out)
	}
	for _, f := range [][2]string{{"p95_ms", "ui_search_keystroke_ms_p95"}, {"p50_ms", "ui_search_keystroke_ms_p50"}} {
		metric, figure := f[0], f[1]
		m := regexp.MustCompile(`([0-9.]+) ` + metric).FindSubmatch(out)
		if m == nil {
			return fmt.Errorf("BenchmarkSearchKeystroke printed no %s:\n%s", metric, out)
		}
		v, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			return fmt.Errorf("BenchmarkSearchKeystroke %s %q: %w", metric, m[1], err)
		}
		r.figure(figure, v, "ms")
	}
	return nil
}
