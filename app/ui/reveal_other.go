//go:build !windows

package ui

import "os/exec"

// setCommandLine: only Windows passes a process one command line to parse.
func setCommandLine(*exec.Cmd, string) {}
