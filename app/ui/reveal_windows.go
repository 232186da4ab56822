package ui

import (
	"os/exec"
	"syscall"
)

// setCommandLine gives Windows the command line as is, unquoted by Go.
func setCommandLine(cmd *exec.Cmd, line string) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: line}
}
