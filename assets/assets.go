// Package assets holds the resources embedded in the binary: the app icon
// (assets/icon.svg is its source; icon.png is what FyneApp.toml and the window use).
// It imports nothing of Swarmtone and never Fyne, so every package may use it.
package assets

import _ "embed"

// Icon is the 256×256 PNG app icon.
//
//go:embed icon.png
var Icon []byte
