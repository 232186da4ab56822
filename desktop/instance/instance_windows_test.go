//go:build windows

package instance

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// pipeOf is the pipe the lock file of dir names.
func pipeOf(t *testing.T, dir string) string {
	t.Helper()
	st, err := readState(dir)
	if err != nil {
		t.Fatal(err)
	}
	name, ok := strings.CutPrefix(st.endpoint, "pipe ")
	if !ok {
		t.Fatalf("the lock file names %q, want a pipe", st.endpoint)
	}
	return name
}

// checkPrivate: the pipe is the user's and the folder's, and its DACL
// lets the user alone in.
func checkPrivate(t *testing.T, dir string) {
	t.Helper()
	sid, err := userSID()
	if err != nil {
		t.Fatal(err)
	}
	name := pipeOf(t, dir)
	if want := pipeName(sid, dir); name != want {
		t.Errorf("pipe %s, want %s", name, want)
	}
	name16, _ := windows.UTF16PtrFromString(name)
	h, err := windows.CreateFile(name16, windows.READ_CONTROL|windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatalf("opening %s: %v", name, err)
	}
	defer windows.CloseHandle(h)
	sd, err := windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatalf("reading the pipe's security: %v", err)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		t.Fatalf("the pipe has no DACL (%v): anyone could open it", err)
	}
	ctl, _, err := sd.Control()
	if err != nil || ctl&windows.SE_DACL_PROTECTED == 0 {
		t.Errorf("the pipe's DACL is not protected from inheritance (control %#x, %v)", ctl, err)
	}
	if dacl.AceCount != 1 {
		t.Fatalf("the pipe's DACL has %d entries (%s), want the user's alone", dacl.AceCount, sd)
	}
	var ace *windows.ACCESS_ALLOWED_ACE
	if err := windows.GetAce(dacl, 0, &ace); err != nil {
		t.Fatal(err)
	}
	who := (*windows.SID)(unsafe.Pointer(&ace.SidStart)).String()
	if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || who != sid {
		t.Errorf("the pipe's DACL is %s, want access for %s alone", sd, sid)
	}
}

// checkClosed: Close took the pipe away.
func checkClosed(t *testing.T, dir string) {
	t.Helper()
	name16, _ := windows.UTF16PtrFromString(pipeOf(t, dir))
	h, err := windows.CreateFile(name16, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, 0, 0)
	if err == nil {
		windows.CloseHandle(h)
		t.Error("the pipe is still there after Close")
	}
}

func dialRaw(t *testing.T, dir string) rawConn {
	t.Helper()
	st, err := readState(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := dialPipe(ctx, pipeOf(t, dir), st.pid)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestListenRefusesATakenPipe: a pipe of the name that exists already (a
// squatter's) is never joined, so launches cannot reach it through the
// lock file.
func TestListenRefusesATakenPipe(t *testing.T) {
	dir := t.TempDir()
	owner, err := Claim(dir, "run")
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	sid, err := userSID()
	if err != nil {
		t.Fatal(err)
	}
	squat := &pipeServer{name: pipeName(sid, dir)}
	squat.name16, _ = windows.UTF16PtrFromString(squat.name)
	h, err := squat.create(false)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	if err := owner.Listen("", func([]string) {}); err == nil {
		t.Fatal("Listen joined a pipe another owner made")
	}
	if st, _ := readState(dir); st.endpoint != "" {
		t.Errorf("the lock file names %q after a refused Listen", st.endpoint)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := Forward(ctx, dir, []string{"x"}); !errors.Is(err, ErrNoEndpoint) {
		t.Errorf("Forward: %v, want ErrNoEndpoint", err)
	}
}

func TestValidPipeName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{pipeName("S-1-5-21-1-2-3-1001", `C:\Users\a\AppData\Roaming\Swarmtone`), true},
		{`\\.\pipe\swarmtone-`, false},
		{`\\.\pipe\swarmtone-S-1-5\..\..\C:\Windows\x`, false},
		{`\\.\pipe\swarmtone-S-1-5/../x`, false},
		{`\\host\pipe\swarmtone-S-1-5-21-1-2-3-1001-0123456789abcdef`, false},
		{`\\.\pipe\other-S-1-5`, false},
		{`C:\swarmtone-S-1`, false},
		{"", false},
	} {
		if got := validPipeName(tc.name); got != tc.ok {
			t.Errorf("validPipeName(%q) = %v, want %v", tc.name, got, tc.ok)
		}
	}
	a, b := pipeName("S-1-5-21-1", `C:\a`), pipeName("S-1-5-21-1", `C:\b`)
	if a == b || a == pipeName("S-1-5-21-2", `C:\a`) {
		t.Errorf("two folders or two users share a pipe: %s", a)
	}
}
