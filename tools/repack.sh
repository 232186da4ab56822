#!/usr/bin/env bash
# repack.sh ARCHIVE [BINARY]: turns fyne package's Linux archive into one
# that installs as `make install` does. fyne's archive holds the binary, a
# pixmap, a .desktop entry without our MIME types and a Makefile that
# registers no handlers; the repacked one holds the binary, our assets,
# install.mk and a Makefile with install, uninstall, user-install and
# user-uninstall. BINARY (instead of the one in ARCHIVE) is for tests.
set -euo pipefail

archive=${1:?usage: repack.sh ARCHIVE [BINARY]}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bin=${2:-}
if [[ -z $bin ]]; then
	# fyne 1.7 puts everything under one top folder (swarmtone/usr/local/bin/…).
	mkdir "$work/in"
	tar -xJf "$archive" -C "$work/in"
	bin=$(find "$work/in" -type f -path '*/usr/*bin/*' | head -n1)
	[[ -n $bin ]] || { echo "repack.sh: no binary under usr/…/bin in $archive" >&2; exit 1; }
fi

stage=$work/out/swarmtone
mkdir -p "$stage/assets/icons"
install -m755 "$bin" "$stage/swarmtone"
cp "$root"/assets/{icon.svg,swarmtone.desktop,org.swarmtone.Swarmtone.metainfo.xml,swarmtone-seed.service} "$stage/assets/"
cp "$root"/assets/icons/*.png "$stage/assets/icons/"
cp "$root/install.mk" "$stage/"
cat > "$stage/Makefile" <<'MAKEFILE'
# Swarmtone. `make user-install` installs into ~/.local (no root);
# `sudo make install` into /usr/local. Both register Swarmtone for magnet:
# links and .torrent files, install the icons, the AppStream metainfo and
# the seeding user service (systemctl --user enable --now swarmtone-seed).
PREFIX ?= /usr/local
BIN    := swarmtone

default:
	@echo 'make user-install (into ~/.local) or sudo make install (into $(PREFIX)); uninstall with user-uninstall or uninstall'

include install.mk

.PHONY: default user-install user-uninstall
user-install:
	$(MAKE) install PREFIX=$(HOME)/.local
user-uninstall:
	$(MAKE) uninstall PREFIX=$(HOME)/.local
MAKEFILE

tmp=$archive.tmp
tar -cJf "$tmp" -C "$work/out" swarmtone
mv "$tmp" "$archive"
echo "repack.sh: $archive installs with make user-install"
