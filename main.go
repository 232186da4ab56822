// Command swarmtone is a desktop music player whose library is shared
// peer-to-peer over BitTorrent. This file only hands over to package app;
// it is the one place that creates the fyne.App.
package main

import (
	"context"
	_ "embed"
	"log/slog"
	"os"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/app/ui"
	"github.com/swarmtone/swarmtone/desktop/instance"
	"github.com/swarmtone/swarmtone/desktop/mpris"
	// Before Fyne reads it: a C locale would print "Fyne error" lines.
	_ "github.com/swarmtone/swarmtone/desktop/locale"
)

//go:embed FyneApp.toml
var fyneAppTOML []byte

func main() {
	cli := &app.CLI{Stdout: os.Stdout, Stderr: os.Stderr, FyneAppTOML: fyneAppTOML, GUI: openWindow}
	os.Exit(cli.Main(os.Args[1:]))
}

func openWindow(ctx context.Context, opts app.Options) error {
	ctx, quit := context.WithCancel(ctx) // MPRIS's Quit ends the window as a signal does
	defer quit()
	opts.OnCore = func(core *app.Core) func() {
		return startMPRIS(core, mpris.Window{Raise: func() { opts.HandOver(nil) }, Open: opts.HandOver, Quit: quit})
	}
	return ui.Run(ctx, fyneapp.NewWithID(opts.Meta.ID), opts)
}

// startMPRIS puts the player on the session bus, where there is one, and
// returns how to take it off.
func startMPRIS(core *app.Core, win mpris.Window) (stop func()) {
	conn, err := instance.SessionBus()
	if err != nil {
		return func() {} // no desktop bus: nobody to show MPRIS to
	}
	srv, err := mpris.Start(conn, core, win)
	if err != nil {
		slog.Warn("no MPRIS: media keys and sound applets will not see Swarmtone", "err", err)
		conn.Close()
		return func() {}
	}
	return func() {
		srv.Close()
		conn.Close()
	}
}
