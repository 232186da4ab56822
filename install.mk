# The install rules, shared by the project's Makefile (`make install`) and
# the Makefile inside the release archive (`make package`): both install
# the same files and register the same handlers. The includer sets BIN (the
# binary to install) and may set INSTALL_DEPS (what to build first).
# Plain sh: the archive's Makefile runs with the user's /bin/sh.

ASSETS       ?= assets
BINDIR       = $(PREFIX)/bin
DATADIR      = $(PREFIX)/share
SYSTEMD_USER = $(DATADIR)/systemd/user
ICON_SIZES   := 16 22 24 32 48 64 128 256

.PHONY: install uninstall

# install puts in the binary, the icons in the hicolor sizes, the desktop
# entry (magnet:, .torrent and audio handlers), the AppStream metainfo and
# the seeding user service (systemctl --user enable --now swarmtone-seed).
install: $(INSTALL_DEPS)
	install -Dm755 $(BIN) $(DESTDIR)$(BINDIR)/swarmtone
	for s in $(ICON_SIZES); do install -Dm644 $(ASSETS)/icons/$$s.png $(DESTDIR)$(DATADIR)/icons/hicolor/$${s}x$$s/apps/swarmtone.png; done
	install -Dm644 $(ASSETS)/icon.svg $(DESTDIR)$(DATADIR)/icons/hicolor/scalable/apps/swarmtone.svg
	install -Dm644 $(ASSETS)/swarmtone.desktop $(DESTDIR)$(DATADIR)/applications/swarmtone.desktop
	install -Dm644 $(ASSETS)/org.swarmtone.Swarmtone.metainfo.xml $(DESTDIR)$(DATADIR)/metainfo/org.swarmtone.Swarmtone.metainfo.xml
	mkdir -p $(DESTDIR)$(SYSTEMD_USER)
	sed 's|@BINDIR@|$(BINDIR)|' $(ASSETS)/swarmtone-seed.service > $(DESTDIR)$(SYSTEMD_USER)/swarmtone-seed.service
	chmod 644 $(DESTDIR)$(SYSTEMD_USER)/swarmtone-seed.service
	@# Caches and the default handlers: only for a real install (no DESTDIR), and only where the tools exist.
	@if [ -z "$(DESTDIR)" ]; then \
	  command -v update-desktop-database >/dev/null && update-desktop-database -q $(DATADIR)/applications || true; \
	  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -qtf $(DATADIR)/icons/hicolor || true; \
	  if command -v xdg-mime >/dev/null; then xdg-mime default swarmtone.desktop x-scheme-handler/magnet application/x-bittorrent; \
	  else echo "install: xdg-mime missing (xdg-utils): magnet links will not open Swarmtone until it is chosen for them"; fi; \
	  command -v systemctl >/dev/null && systemctl --user daemon-reload 2>/dev/null || true; \
	fi

uninstall:
	-command -v systemctl >/dev/null && systemctl --user disable --now swarmtone-seed.service 2>/dev/null
	rm -f $(DESTDIR)$(BINDIR)/swarmtone
	for s in $(ICON_SIZES); do rm -f $(DESTDIR)$(DATADIR)/icons/hicolor/$${s}x$$s/apps/swarmtone.png; done
	rm -f $(DESTDIR)$(DATADIR)/icons/hicolor/scalable/apps/swarmtone.svg
	rm -f $(DESTDIR)$(DATADIR)/applications/swarmtone.desktop
	rm -f $(DESTDIR)$(DATADIR)/metainfo/org.swarmtone.Swarmtone.metainfo.xml
	rm -f $(DESTDIR)$(SYSTEMD_USER)/swarmtone-seed.service
	-command -v update-desktop-database >/dev/null && update-desktop-database -q $(DATADIR)/applications
