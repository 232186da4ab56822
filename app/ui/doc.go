// Package ui is the Fyne face of Swarmtone: windows, views and dialogs over an
// app.Core. It imports app and Fyne's widget packages, never
// fyne.io/fyne/v2/app (main creates the fyne.App), so every view can be tested
// with fyne.io/fyne/v2/test and no display. Updates from background
// goroutines reach widgets only through onUI (fyne.Do, one at a time).
package ui
