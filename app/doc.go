// Package app is the application: it wires the library, the BitTorrent node
// and the player into one Core and holds the headless commands (the command
// line of the swarmtone binary).
//
// app may import library, network and player; it never imports app/ui or
// fyne.io/fyne/v2/app. The window is handed in by main as a GUI function, so
// the arrows stay main → app → {library, network, player} and app/ui → app.
package app
