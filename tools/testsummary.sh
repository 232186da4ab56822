#!/usr/bin/env bash
# Prints, at the end of a failed `go test` log, what its last lines must say:
# the failed tests and, for each data race, where its two accesses were (the
# top frame, and the first frame in this module when that is not it). A CI
# summary shows only a log's tail, and a race report ends with the stacks
# where the goroutines were created, not with the racing lines.
#
#   tools/testsummary.sh build/race-tests.log
set -euo pipefail
log=${1:?usage: tools/testsummary.sh LOG}
[[ -r $log ]] || { echo "testsummary: cannot read $log" >&2; exit 2; }

echo "=== summary of $log"
grep -E '^\s*--- FAIL' "$log" | sed 's/^\s*//' | sort -u | head -n 20 || true
# Run from the repository's root: paths below it are shown relative to it.
awk -v module="github.com/swarmtone/swarmtone/" -v root="$PWD/" -v max=5 '
# short trims a frame location to its path below the module or the module
# cache, without the PC offset.
function short(loc) {
	sub(/^[ \t]+/, "", loc)
	sub(/ \+0x[0-9a-f]+$/, "", loc)
	sub(/^.*\/pkg\/mod\//, "", loc)
	if (index(loc, root) == 1) loc = substr(loc, length(root) + 1)
	return loc
}
function flush() {
	if (access != "" && shown <= max) {
		line = "  " access " in " top
		if (ours != "" && ours != top) line = line ", from " ours
		print line
	}
	access = ""
}
/^WARNING: DATA RACE/ { races++; shown = races; inrace = 1; if (shown <= max) print "data race " races ":"; next }
!inrace { next }
/^==================/ { flush(); inrace = 0; next }
/^(Previous )?(atomic )?([Rr]ead|[Ww]rite) at / {
	flush()
	access = $0
	sub(/ at 0x[0-9a-f]+/, "", access); sub(/:$/, "", access)
	top = ""; ours = ""
	next
}
/^Goroutine / { flush(); next }
access != "" && /^  [^ ]/ {
	fn = $1
	if ((getline loc) <= 0) next
	where = fn " (" short(loc) ")"
	if (top == "") top = where
	if (ours == "" && index(fn, module) == 1) ours = where
}
END {
	if (races > max) print "… and " races - max " more data races above"
}
' "$log"
