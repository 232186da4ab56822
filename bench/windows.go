package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The windows suite: the size of the Windows release, how many Windows test
// binaries' tests ran under Wine, and time to first audio across the two
// systems: swarmtone.exe under Wine seeds an album over loopback and the Linux
// swarmtone plays it (windows_share_to_linux_ttfa_ms), then the reverse, with
// the Linux-to-Linux figure of the same run and album beside them.
//
// The exe run under Wine is built with tools/wineshim/overlay.sh (Wine 8.0
// cannot open Go's UDP sockets otherwise); the zip's exe is measured for size.
func init() { register("windows", benchWindows) }

const windowsRuns = 9

// windowsOnlyEnv=ttfa measures only the time to first audio across Wine
// (the Wine test run alone takes minutes):
//
//	SWARMTONE_BENCH_WINDOWS=ttfa go run -tags nosqlite,no_emoji ./bench -out /tmp/w.txt windows
const windowsOnlyEnv = "SWARMTONE_BENCH_WINDOWS"

func benchWindows(ctx context.Context, r *report) error {
	for _, tool := range []string{"wine", "wineserver", "x86_64-w64-mingw32-gcc", "ffmpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is missing: tools/deps.sh windows test installs it", tool)
		}
	}
	if os.Getenv(windowsOnlyEnv) == "ttfa" {
		return windowsTTFA(ctx, r)
	}
	var errs []error
	if out, err := exec.CommandContext(ctx, "make", "-s", "windows").CombinedOutput(); err != nil {
		errs = append(errs, fmt.Errorf("make windows: %v\n%s", err, out))
	} else if st, err := os.Stat("dist/swarmtone-windows-amd64.zip"); err == nil {
		r.figure("windows_exe_mb", float64(st.Size())/1e6, "MB")
	}
	if n, err := windowsWineTests(ctx); err != nil {
		errs = append(errs, err)
	} else {
		r.figure("windows_wine_tests_run", float64(n), "tests")
	}
	if err := windowsTTFA(ctx, r); err != nil {
		errs = append(errs, fmt.Errorf("ttfa across Wine: %w", err))
	}
	return errors.Join(errs...)
}

// windowsWineTests runs tools/winetest.sh and reads its count.
func windowsWineTests(ctx context.Context) (int, error) {
	out, err := exec.CommandContext(ctx, "./tools/winetest.sh").CombinedOutput()
	m := regexp.MustCompile(`(?m)^windows_wine_tests_run (\d+)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("tools/winetest.sh: %v\n%s", err, out)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: tools/winetest.sh failed (%v); counting what ran:\n%s", err, out)
	}
	return strconv.Atoi(string(m[1]))
}

// winePrefix makes a private Wine prefix with the bcryptprimitives.dll Go
// needs (tools/wineshim) and returns the environment that uses it.
func winePrefix(ctx context.Context, dir string) (_ []string, err error) {
	env := append(os.Environ(), "WINEPREFIX="+filepath.Join(dir, "prefix"), "WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d")
	if err := os.MkdirAll(filepath.Join(dir, "prefix"), 0o755); err != nil {
		return nil, err
	}
	// A wineserver started by a wine command would inherit that command's
	// output pipes and hold them (Wait blocks) until the server ends: start
	// it here with none, persistent until the caller's wineserver -k.
	server := exec.CommandContext(ctx, "wineserver", "-p")
	server.Env = env
	if err := server.Run(); err != nil {
		return nil, fmt.Errorf("wineserver -p: %w", err)
	}
	defer func() {
		if err != nil {
			k := exec.Command("wineserver", "-k")
			k.Env = env
			_ = k.Run()
		}
	}()
	// wineboot starts the prefix's services, which live as long as the
	// server and keep its output open: a file, not a pipe to wait on.
	bootLog := filepath.Join(dir, "wineboot.log")
	logFile, err := os.Create(bootLog)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	boot := exec.CommandContext(ctx, "wine", "wineboot", "--init")
	boot.Env = env
	boot.Stdout, boot.Stderr = logFile, logFile
	if err := boot.Run(); err != nil {
		out, _ := os.ReadFile(bootLog)
		return nil, fmt.Errorf("wineboot: %v\n%s", err, out)
	}
	dll := filepath.Join(dir, "prefix", "drive_c", "windows", "system32", "bcryptprimitives.dll")
	cc := exec.CommandContext(ctx, "x86_64-w64-mingw32-gcc", "-O2", "-shared", "-static-libgcc", "-o", dll,
		"tools/wineshim/bcryptprimitives.c", "-lbcrypt")
	if out, err := cc.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building bcryptprimitives.dll: %v\n%s", err, out)
	}
	return env, nil
}

// winePath is the Windows name Wine gives a Linux path (drive Z: is /).
func winePath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

func windowsTTFA(ctx context.Context, r *report) error {
	dir, err := os.MkdirTemp("", "swarmtone-bench-windows-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	linux := filepath.Join(dir, "swarmtone")
	exe := filepath.Join(dir, "swarmtone.exe")
	overlay, err := exec.CommandContext(ctx, "tools/wineshim/overlay.sh", filepath.Join(dir, "overlay")).Output()
	if err != nil {
		return fmt.Errorf("tools/wineshim/overlay.sh: %w", err)
	}
	builds := []*exec.Cmd{
		exec.CommandContext(ctx, "go", "build", "-tags", "nosqlite,no_emoji", "-o", linux, "."),
		exec.CommandContext(ctx, "go", "build", "-tags", "nosqlite,no_emoji", strings.TrimSpace(string(overlay)),
			"-ldflags", `-H windowsgui -extldflags "-static-libgcc -static-libstdc++"`, "-o", exe, "."),
	}
	builds[1].Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=1",
		"CC=x86_64-w64-mingw32-gcc", "CXX=x86_64-w64-mingw32-g++")
	for _, b := range builds {
		if out, err := b.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(b.Args, " "), err, out)
		}
	}
	env, err := winePrefix(ctx, dir)
	if err != nil {
		return err
	}
	defer func() {
		k := exec.Command("wineserver", "-k")
		k.Env = env
		_ = k.Run()
	}()
	album := filepath.Join(dir, "Album")
	if err := os.MkdirAll(album, 0o755); err != nil {
		return err
	}
	for i := 1; i <= 3; i++ {
		out := filepath.Join(album, fmt.Sprintf("%02d.flac", i))
		cmd := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-f", "lavfi", "-i",
			"anoisesrc=d=60:c=pink:r=44100:a=0.5,aformat=channel_layouts=stereo", out)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("ffmpeg: %v\n%s", err, b)
		}
	}
	linuxCmd := func(args ...string) *exec.Cmd { return exec.CommandContext(ctx, linux, args...) }
	wineCmd := func(args ...string) *exec.Cmd {
		c := exec.CommandContext(ctx, "wine", append([]string{exe}, args...)...)
		c.Env = env
		return c
	}
	type side struct {
		name string
		cmd  func(...string) *exec.Cmd
		path func(string) string
	}
	lin := side{"linux", linuxCmd, func(p string) string { return p }}
	win := side{"windows", wineCmd, winePath}
	var linuxP50 float64
	for _, pair := range [][2]side{{lin, lin}, {win, lin}, {lin, win}} {
		seed, play := pair[0], pair[1]
		p50, err := crossTTFA(ctx, dir, album, seed.cmd, seed.path, play.cmd, play.path, seed.name+"-"+play.name)
		if err != nil {
			return fmt.Errorf("%s shares, %s plays: %w", seed.name, play.name, err)
		}
		r.figure(seed.name+"_share_to_"+play.name+"_ttfa_ms", p50, "ms")
		switch {
		case seed.name == "linux" && play.name == "linux":
			linuxP50 = p50
		case seed.name == "windows" && linuxP50 > 0:
			r.figure("windows_share_to_linux_over_linux_x", p50/linuxP50, "x") // goal: at most 3
		}
	}
	return nil
}

// crossTTFA starts a seeder of album with seedCmd and plays its first file
// windowsRuns times with playCmd, each from a fresh data folder into a WAV;
// it returns the median time from exec to the player's first sample.
func crossTTFA(ctx context.Context, dir, album string, seedCmd func(...string) *exec.Cmd, seedPath func(string) string,
	playCmd func(...string) *exec.Cmd, playPath func(string) string, tag string) (float64, error) {
	seedData := filepath.Join(dir, tag+"-seeder")
	seeder := seedCmd("share", seedPath(album), "--data", seedPath(seedData), "--listen", "127.0.0.1:0", "--no-dht")
	stdout, _ := seeder.StdoutPipe()
	stderr, _ := seeder.StderrPipe()
	if err := seeder.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = seeder.Process.Kill(); _ = seeder.Wait() }()
	magnet, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("reading the seeder's magnet: %w", err)
	}
	go io.Copy(io.Discard, stdout)
	addr := ""
	var said strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		said.WriteString(sc.Text() + "\n")
		if m := regexp.MustCompile(` on (127\.0\.0\.1:\d+);`).FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	go io.Copy(io.Discard, stderr)
	if addr == "" {
		return 0, fmt.Errorf("the seeder never said where it listens:\n%s", said.String())
	}
	var samples []float64
	for i := range windowsRuns {
		data := filepath.Join(dir, fmt.Sprintf("%s-player%d", tag, i))
		if err := os.MkdirAll(data, 0o755); err != nil {
			return 0, err
		}
		wav := filepath.Join(data, "out.wav")
		cmd := playCmd("play", strings.TrimSpace(magnet), "--peer", addr, "--file", "0", "--out", playPath(wav),
			"--data", playPath(data), "--listen", "127.0.0.1:0", "--no-dht", "--stats", "--timeout", "60s")
		ms, out, err := firstSampleOf(cmd)
		if err != nil {
			return 0, fmt.Errorf("play: %v\n%s", err, out)
		}
		if st, err := os.Stat(wav); err != nil || st.Size() < 44+4*44100 {
			return 0, fmt.Errorf("play wrote no second of audio to %s (%v)\n%s", wav, err, out)
		}
		samples = append(samples, ms)
		os.RemoveAll(data)
	}
	return appPercentile(samples, 50), nil
}

// firstSampleOf runs a `play --stats` and returns the milliseconds from exec
// to its first_sample_ms line.
func firstSampleOf(cmd *exec.Cmd) (float64, string, error) {
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return 0, "", err
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, "", err
	}
	var ms float64
	var said strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if ms == 0 && strings.HasPrefix(sc.Text(), "first_sample_ms ") {
			ms = float64(time.Since(t0).Microseconds()) / 1000
		}
		said.WriteString(sc.Text() + "\n")
	}
	if err := cmd.Wait(); err != nil {
		return 0, said.String(), err
	}
	if ms == 0 {
		return 0, said.String(), errors.New("no first_sample_ms line")
	}
	return ms, said.String(), nil
}
