// Command swarmtone is a desktop music player whose library is shared
// peer-to-peer over BitTorrent. This file only hands over to package app;
// it is the one place that creates the fyne.App.
package main

import (
	"context"
	_ "embed"
	"os"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/app/ui"
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
	return ui.Run(ctx, fyneapp.NewWithID(opts.Meta.ID), opts)
}
