// Package app is the application: it wires the library, the BitTorrent node
// and the player into one Core and holds the headless commands (the command
// line of the swarmtone binary).
//
// app may import library, network, player and magnet (the link parser
// library and network share); it never imports app/ui or
// fyne.io/fyne/v2/app. The window is handed in by main as a GUI function, so
// the arrows stay main → app → {library, network, player, magnet} and
// app/ui → app.
package app
