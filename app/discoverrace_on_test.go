//go:build race

package app

// raceOn: the race detector slows code ~10x; timing bounds are not checked.
const raceOn = true
