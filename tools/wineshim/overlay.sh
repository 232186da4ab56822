#!/usr/bin/env bash
# Writes a `go build -overlay` file into DIR that patches two places of Go's
# standard library where Wine 8.0 (Debian 12's) answers differently from
# Windows 10+, and prints the -overlay flag ("" if Go's source moved on and
# a patch no longer applies: then say so on stderr and patch nothing).
#
#  - internal/syscall/windows/at_windows.go: os.RemoveAll's delete with POSIX
#    semantics gets STATUS_NOT_IMPLEMENTED from Wine; Go falls back to the
#    older call only on the errors Windows gives. Add Wine's.
#  - net/fd_windows.go: every UDP socket sets SIO_UDP_NETRESET, which Wine
#    8.0 does not know (WSAEOPNOTSUPP): the socket then fails to open. The
#    option only hides ICMP "network unreachable" reports, so go on without.
#
# Only binaries run under Wine (tools/winetest.sh, the bench's Windows
# peer) use it: the released swarmtone.exe is built from the untouched library.
#
#   tools/wineshim/overlay.sh DIR
set -euo pipefail
dir=$1
goroot=$(${GO:-go} env GOROOT)
at="$goroot/src/internal/syscall/windows/at_windows.go"
fd="$goroot/src/net/fd_windows.go"
mkdir -p "$dir"
sed 's|^\tcase STATUS_INVALID_INFO_CLASS, // the operating system doesn.t support FileDispositionInformationEx|\tcase NTStatus(0xC0000002), // STATUS_NOT_IMPLEMENTED: Wine 8.0\n\t\tSTATUS_INVALID_INFO_CLASS,|' "$at" >"$dir/at_windows.go"
LC_ALL=C perl -0pe 's/(windows\.SIO_UDP_NETRESET, [^\n]*\n\t\tif err != nil) \{/$1 && err != syscall.Errno(10045) { \/\/ WSAEOPNOTSUPP: Wine 8.0/' "$fd" >"$dir/fd_windows.go"
if cmp -s "$at" "$dir/at_windows.go" || cmp -s "$fd" "$dir/fd_windows.go"; then
  echo "wineshim: Go's at_windows.go or fd_windows.go changed; no overlay (RemoveAll and UDP may fail under Wine 8.0)" >&2
  exit 0
fi
printf '{"Replace":{"%s":"%s","%s":"%s"}}\n' "$at" "$dir/at_windows.go" "$fd" "$dir/fd_windows.go" >"$dir/overlay.json"
echo "-overlay=$dir/overlay.json"
