#!/usr/bin/env bash
# Runs every Go fuzz target in the module, one at a time, each for FUZZTIME
# (default 60s), and lists the ones that failed.
#
#   tools/fuzz.sh                   all targets, 60 s each   (make fuzz)
#   FUZZTIME=3000x tools/fuzz.sh    a short burst            (make test)
#   tools/fuzz.sh ./library ./magnet   only these packages
#
# A failing input is written by `go test` to the package's
# testdata/fuzz/FuzzName/; it then runs as a seed in every plain `go test`,
# so fix the parser and commit the input with the fix in the same commit.
# GOFLAGS (build tags) come from the environment. FUZZPARALLEL sets the
# fuzzing workers (default 1: the machines running this are shared).
#
# A duration (60s) can end in a bare "context deadline exceeded" with no
# failing input: Go's fuzz coordinator races its own deadline when the
# machine is starved (go.dev/issue/75804, fixed in Go 1.27). A count (3000x)
# has no deadline, so the burst in make test uses one; a duration run that
# ends that way, with no input written, is run once more and reported as
# the toolchain's, not the target's.
set -euo pipefail

cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-60s}
parallel=${FUZZPARALLEL:-1}

if [ $# -eq 0 ]; then
	set -- ./...
fi
# Packages with a fuzz target: those with a Fuzz function in a _test.go.
mapfile -t pkgs < <(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}} {{.Dir}}{{end}}' "$@" |
	while read -r pkg dir; do
		if grep -qs '^func Fuzz' "$dir"/*_test.go; then echo "$pkg"; fi
	done)

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# fuzz_target runs one target; on the toolchain's deadline race (a failure
# whose only message is the deadline, no input written) it runs it again once.
fuzz_target() {
	local pkg=$1 target=$2 attempt
	for attempt in 1 2; do
		if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel "$parallel" "$pkg" 2>&1 | tee "$log"; then
			return 0
		fi
		if ! grep -q 'context deadline exceeded' "$log" || grep -q 'Failing input written' "$log"; then
			return 1
		fi
		echo "fuzz: $target hit Go's fuzztime deadline race (go.dev/issue/75804), no failing input; run $attempt of 2" >&2
	done
	return 1
}

failed=()
total=0
for pkg in "${pkgs[@]}"; do
	# go test -list names the targets (and tests and examples: keep Fuzz*).
	mapfile -t targets < <(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
	for target in "${targets[@]}"; do
		total=$((total + 1))
		echo "== $pkg $target ($fuzztime)"
		if ! fuzz_target "$pkg" "$target"; then
			failed+=("$pkg $target")
		fi
	done
done

if [ "$total" -eq 0 ]; then
	echo "fuzz: no fuzz targets found in $*" >&2
	exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo
	echo "fuzz: ${#failed[@]} of $total targets failed:"
	for f in "${failed[@]}"; do
		echo "  $f"
	done
	echo "Each new crasher is in that package's testdata/fuzz/<target>/ (see git status)."
	echo "Fix the parser, then commit the crasher with the fix: it stays a seed of go test."
	exit 1
fi
echo "fuzz: all $total targets ran $fuzztime without a failure"
