//go:build !windows

package testtool

func underWine() bool { return false }
