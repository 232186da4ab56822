# Swarmtone. `make run` builds and opens the app; `make test` runs every test.
# Both install what is missing first (Debian/Ubuntu: apt-get; see tools/deps.sh).

SHELL      := /bin/bash
GO         ?= go
BIN        := build/swarmtone
PREFIX     ?= $(HOME)/.local
# nosqlite: anacrolix/torrent would otherwise compile SQLite for a piece
# completion store we replace with our own bbolt one. no_emoji: Fyne would
# parse its 4 MB bundled emoji font for every text style before the window
# first appears (about 50 ms each); emoji then come from the system's fonts.
TAGS       := nosqlite,no_emoji
FYNE_TOOL  := fyne.io/tools/cmd/fyne@v1.7.4
XVFB       := xvfb-run -a -s '-screen 0 1280x800x24'

export GOFLAGS := -tags=$(TAGS)
# Fyne warns about a plain C locale.
export LANG := en_US.UTF-8
# Sound goes to a real-time null device (build/asound.conf): no sound card needed.
export ALSA_CONFIG_PATH := $(CURDIR)/build/asound.conf
# webtorrent-cli, installed by tools/deps.sh for interop tests.
export PATH := $(CURDIR)/.tools/webtorrent/node_modules/.bin:$(PATH)

.PHONY: all run build deps test-deps windows-deps test check unit fuzz fuzz-burst bench swarmlab package clean windows wine-test

all: build

deps:
	@./tools/deps.sh

test-deps:
	@./tools/deps.sh test

windows-deps:
	@./tools/deps.sh windows

build: deps
	$(GO) build -o $(BIN) .

run: build
	./$(BIN)

# ALSA's default device hands oto's float32 stereo 44.1 kHz samples to
# tools/alsapace, which plays them into /dev/null at real-time speed (a sound
# card's clock: without one ALSA spins a core writing silence).
ALSA_RATE := 352800
build/alsapace: tools/alsapace/main.go
	$(GO) build -o $@ ./tools/alsapace

build/asound.conf: build/alsapace Makefile
	@printf 'pcm.!default { type file slave.pcm "nullsink" file "|exec %s/build/alsapace /dev/null $(ALSA_RATE)" format "raw" }\npcm.nullsink { type null }\n' "$(CURDIR)" > $@

check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [[ -n "$$unformatted" ]]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd third_party/go-utp && $(GO) vet ./...
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) vet $(DARWIN_PKGS)

# macOS cannot be linked here (no SDK), but every package that does not need
# cgo there is type-checked and vetted for it: all but those that import Fyne
# (its go-gl driver needs cgo on macOS: main, app/ui, bench/hellowindow) and
# bench and its swarm lab (Linux measuring tools: /proc, fadvise, network
# namespaces, TUN devices). About 2 min cold, 1 s warm.
DARWIN_PKGS = $$(GOOS=darwin CGO_ENABLED=0 $(GO) list -e -f '{{.ImportPath}} {{join .Deps " "}}' ./... | grep -v ' fyne.io/fyne/v2' | cut -d' ' -f1 | grep -vx -e '$(MODULE)/bench' -e '$(MODULE)/bench/swarmlab')

# The packages that own goroutines run under the race detector; the rest
# (decoders, bench, tools) without it, where it would only slow them down.
# app/ui stays out: Fyne's test driver runs fyne.Do on the calling goroutine,
# so every background update of a widget reads as a race with the test.
RACE_PKGS := ./library/ ./network/ ./player/ ./app/
MODULE    := github.com/swarmtone/swarmtone
# A failed run ends with tools/testsummary.sh: the failed tests and where
# each data race's accesses were, which a report's own last lines (and a CI
# summary that shows a log's tail) leave out.
unit: build/asound.conf
	cd third_party/go-utp && $(GO) test -count=1 -race ./...
	set -o pipefail; $(XVFB) $(GO) test -count=1 -race -timeout 25m $(RACE_PKGS) 2>&1 | tee build/race-tests.log \
		|| { tools/testsummary.sh build/race-tests.log; exit 1; }
	set -o pipefail; $(XVFB) $(GO) test -count=1 -timeout 25m $$($(GO) list ./... | grep -vxF $(foreach p,$(RACE_PKGS),-e $(MODULE)/$(patsubst ./%/,%,$(p)))) 2>&1 | tee build/tests.log \
		|| { tools/testsummary.sh build/tests.log; exit 1; }

# make fuzz runs every fuzz target for FUZZTIME each and leaves any crasher
# in its package's testdata/fuzz, to commit with the fix; make test runs
# their seeds (in unit) and a short burst of each.
FUZZTIME ?= 60s
fuzz:
	FUZZTIME=$(FUZZTIME) ./tools/fuzz.sh

fuzz-burst:
	FUZZTIME=3000x ./tools/fuzz.sh

test: deps test-deps check unit fuzz-burst windows wine-test

# Windows, cross-built on Linux: swarmtone.exe is a GUI program (no console
# window on a double click; console_windows.go attaches to the terminal for
# the headless commands) with libgcc/libstdc++ linked in statically, so the
# zip needs no DLL. Its icon, manifest and version come from FyneApp.toml
# through tools/winres and mingw's windres (the .syso is made, never committed).
WIN_ENV  := GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++
WIN_EXE  := build/windows/swarmtone.exe
WIN_ZIP  := dist/swarmtone-windows-amd64.zip
WIN_SYSO := rsrc_windows_amd64.syso
windows: windows-deps
	$(GO) run ./tools/winres -toml FyneApp.toml -out build/winres
	x86_64-w64-mingw32-windres -c 65001 -O coff -I build/winres -i build/winres/swarmtone.rc -o $(WIN_SYSO)
	$(WIN_ENV) $(GO) build -ldflags '-s -w -H windowsgui -extldflags "-static-libgcc -static-libstdc++"' -o $(WIN_EXE) .
	@# mingw's runtime DLLs (libgcc_s, libstdc++, libwinpthread) are not on Windows: link them in.
	@dlls=$$(x86_64-w64-mingw32-objdump -p $(WIN_EXE) | sed -n 's/^\s*DLL Name: //p' | grep -iE '^lib.*\.dll$$' || true); \
	if [[ -n "$$dlls" ]]; then echo "windows: $(WIN_EXE) needs mingw DLLs: $$dlls" >&2; exit 1; fi
	$(GO) run ./tools/zipfiles $(WIN_ZIP) $(WIN_EXE)
	@echo "windows: $(WIN_ZIP) $$(( $$(stat -c %s $(WIN_ZIP)) / 1024 )) KiB"

# The Windows test binaries of library, network, player, app, magnet,
# internal/urlscheme, internal/sharedfile, desktop/instance under wine64, in a private WINEPREFIX
# (tools/winetest.sh); prints windows_wine_tests_run. About 3–5 min warm.
wine-test: windows-deps
	./tools/winetest.sh

bench: deps test-deps windows-deps build/asound.conf
	$(XVFB) $(GO) run ./bench -out bench/results.txt

# The swarm lab alone (issue 17; also a suite of make bench): 30 peers in
# network namespaces on an internet-like wire, eight listeners' sessions (200
# plays) and webtorrent-cli's beside them. Needs root; at most 10 minutes. Its
# figures go to bench/lab-results.txt, the plot to bench/lab_ttfa.png, every
# play and peer to bench/lab_details.json, each listener's log to
# bench/lab_listenerN.log.
swarmlab: deps test-deps build/asound.conf
	$(GO) run ./bench -out bench/lab-results.txt lab

# make package: fyne's release build, repacked so that the archive's own
# Makefile installs what make install does (handlers, icons, metainfo,
# user service): Swarmtone.tar.xz; `make user-install` inside it.
package: deps
	$(GO) run $(FYNE_TOOL) package -os linux -release -tags $(TAGS)
	./tools/repack.sh Swarmtone.tar.xz

# make install and uninstall: install.mk, which the release archive of
# make package carries too.
INSTALL_DEPS := build
include install.mk

clean:
	rm -rf build dist bench/screenshots $(WIN_SYSO)
