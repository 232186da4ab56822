//go:build race

package ui

const raceBuild = true // the race detector slows code ~10x: timing bounds are not checked
