#!/usr/bin/env bash
# Installs what Swarmtone needs to build (and, with "test", to run its tests
# and benchmarks against real peers). Debian/Ubuntu through apt-get (sudo when
# not root); elsewhere it prints what to install. Packages already present are
# not touched, so a warm machine spends well under a second here.
set -euo pipefail
export LANG=C.UTF-8 LC_ALL=C.UTF-8 # apt's perl warns about locales that are not generated

build_pkgs=(gcc g++ pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
  libxinerama-dev libxi-dev libxxf86vm-dev libasound2-dev)
# Optional: tests that need one of these skip, saying so, when it is missing.
test_pkgs=(xvfb xauth x11-utils xdotool imagemagick ffmpeg flac lame vorbis-tools opus-tools
  transmission-cli transmission-daemon aria2 mktorrent mpd mpc nodejs npm util-linux iproute2 nftables iputils-ping
  procps time dbus-daemon dbus-bin openbox wmctrl xclip xdg-user-dirs playerctl appstream
  desktop-file-utils xdg-utils haskell-status-notifier-item-utils strace xz-utils python3-libtorrent)

# The Windows build (make windows) and its tests under Wine (make test):
# mingw-w64 cross compilers (cgo: Fyne's go-gl, go-libutp's C++), their
# windres for the icon and version resource, and wine64 with the wine
# launcher scripts. Apart so that `make run` on Linux pulls none of it.
windows_pkgs=(gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 binutils-mingw-w64-x86-64 wine64 wine)

want=("${build_pkgs[@]}")
if [[ " $* " == *" test "* ]]; then want+=("${test_pkgs[@]}"); fi
if [[ " $* " == *" windows "* ]]; then want+=("${windows_pkgs[@]}"); fi

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "deps: not a Debian/Ubuntu system; install the equivalents of: ${want[*]}" >&2
  exit 0
fi

missing=()
for p in "${want[@]}"; do
  # Node.js from elsewhere (e.g. NodeSource) ships npm and conflicts with Debian's npm package.
  if [[ $p == npm ]] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  if [[ $(id -u) != 0 ]]; then sudo="sudo"; fi
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    # One unavailable package must not cost the others: go one by one.
    for p in "${missing[@]}"; do
      $sudo apt-get install -y -qq --no-install-recommends "$p" >/dev/null ||
        echo "deps: could not install $p; the tests that need it will skip" >&2
    done
  fi
  required=("${build_pkgs[@]}")
  if [[ " $* " == *" windows "* ]]; then required+=("${windows_pkgs[@]}"); fi
  for p in "${required[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || {
      echo "deps: $p is required to build Swarmtone (or its Windows build) and could not be installed" >&2
      exit 1
    }
  done
fi

# webtorrent-cli, a real peer for interop tests, from npm into .tools/ (never
# committed). Its node-datachannel dependency downloads a native binary at
# install time, which cannot work offline: tools/webtorrent overrides it with a
# stub (WebRTC peers only; BitTorrent over TCP/uTP is unaffected).
if [[ " $* " == *" test "* ]]; then
  top=$(cd "$(dirname "$0")/.." && pwd)
  dest="$top/.tools/webtorrent"
  if [[ -x "$dest/node_modules/.bin/webtorrent" ]] && cmp -s "$top/tools/webtorrent/package.json" "$dest/package.json"; then
    exit 0
  fi
  if ! command -v npm >/dev/null; then
    echo "deps: npm missing; webtorrent interop tests will skip" >&2
    exit 0
  fi
  node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if ((node_major < 20)); then
    echo "deps: Node.js $node_major is too old for webtorrent-cli (needs 20); its interop tests will skip" >&2
    exit 0
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  cp -r "$top/tools/webtorrent/package.json" "$top/tools/webtorrent/node-datachannel-stub" "$dest/"
  echo "deps: installing webtorrent-cli into .tools/webtorrent" >&2
  (cd "$dest" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) ||
    echo "deps: webtorrent-cli did not install; its interop tests will skip" >&2
fi
