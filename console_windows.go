package main

import (
	"log"
	"os"

	"golang.org/x/sys/windows"
)

// swarmtone.exe is linked as a GUI program (-H windowsgui), so a double
// click opens no console window. Run from cmd.exe or PowerShell, such a
// program has no standard output of its own: attach to the terminal's
// console so the headless commands (share, play, ls, --help) still print
// there. Handles the parent already gave us (a pipe or a file, as in
// `swarmtone ls > out.txt` or a test harness) are kept as they are.
func init() {
	attachParentConsole()
}

const attachParentProcess = ^uint32(0) // ATTACH_PARENT_PROCESS, (DWORD)-1

var procAttachConsole = windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")

func attachParentConsole() {
	out, err1 := windows.GetStdHandle(windows.STD_OUTPUT_HANDLE)
	errh, err2 := windows.GetStdHandle(windows.STD_ERROR_HANDLE)
	if err1 == nil && err2 == nil && usable(out) && usable(errh) {
		return
	}
	if r, _, _ := procAttachConsole.Call(uintptr(attachParentProcess)); r == 0 {
		return // double-clicked: no parent console, nothing to print to
	}
	con, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	if !usable(out) {
		_ = windows.SetStdHandle(windows.STD_OUTPUT_HANDLE, windows.Handle(con.Fd()))
		os.Stdout = con
	}
	if !usable(errh) {
		_ = windows.SetStdHandle(windows.STD_ERROR_HANDLE, windows.Handle(con.Fd()))
		os.Stderr = con
		log.SetOutput(con) // log and slog's default captured the old os.Stderr
	}
	if os.Stdin == nil {
		if in, err := os.Open("CONIN$"); err == nil {
			os.Stdin = in
		}
	}
}

// usable tells a handle the parent really passed from an empty one.
func usable(h windows.Handle) bool {
	if h == 0 || h == windows.InvalidHandle {
		return false
	}
	t, err := windows.GetFileType(h)
	return err == nil && t != windows.FILE_TYPE_UNKNOWN
}
