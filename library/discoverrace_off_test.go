//go:build !race

package library

const raceOn = false
