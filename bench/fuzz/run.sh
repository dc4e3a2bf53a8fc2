#!/usr/bin/env bash
# Runs every fuzz target in the repository for FUZZTIME and prints a table:
# target, executions, new interesting inputs, result. .ci/run calls it with
# a short FUZZTIME and a floor; run it by hand with a long FUZZTIME before
# resolving an issue and record the table in the issue (bench/fuzz/README.md).
#
# Knobs (environment):
#   FUZZTIME      how long each target fuzzes (default 60s)
#   FUZZMINIMIZE  -fuzzminimizetime (default 10x). Go's default of 60s lets
#                 minimising the first new input eat a short run that still
#                 reports PASS. A count ("10x") and not a time: a minimisation
#                 that ends on a time limit, even 10ms, ends the worker, which
#                 is restarted, so a target ran 19 executions in 4 s with
#                 "10ms" and 12,837 with "10x" (FuzzUV, extract/python).
#   FUZZFLOOR     fail a target that made fewer fuzzing executions (after
#                 the baseline) than this (default 0: no floor; .ci/run sets one)
#   FUZZCACHE     where the generated corpus lives: by default where
#                 `go test -fuzz` keeps it, so long runs build on each other;
#                 "fresh" for an empty one removed afterwards (.ci/run: before
#                 fuzzing, Go re-runs every cached input for its baseline
#                 coverage, so a corpus grown by long runs would eat a 4 s run:
#                 146 cached package-lock inputs took all of it)
#   FUZZMATCH     only targets whose "dir Name" matches this grep -E pattern
#
# Columns: EXECS as go test reports it ("execs: N"), which counts the
# baseline too; BASELINE, the inputs re-run for the baseline (seeds and
# cached corpus); NEW, the new interesting inputs this run found.
#
# Targets are found as .ci/run always found them: every `func FuzzXxx` at the
# start of a line in a tracked *_test.go file, so new targets join the run
# without being listed anywhere. Each package's test binary is built once,
# instrumented for fuzzing, and run once per target in the package's
# directory (where testdata/fuzz holds the seeds and where a failing input is
# written); the generated corpus is kept where `go test -fuzz` keeps it
# ($GOCACHE/fuzz/IMPORT-PATH), so long runs build on each other.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
FUZZTIME=${FUZZTIME:-60s}
FUZZMINIMIZE=${FUZZMINIMIZE:-10x}
FUZZFLOOR=${FUZZFLOOR:-0}
FUZZMATCH=${FUZZMATCH:-.}

root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=$(go env GOCACHE)/fuzz
if [ "${FUZZCACHE:-}" = fresh ]; then
  cache=$work/cache
elif [ -n "${FUZZCACHE:-}" ]; then
  cache=$FUZZCACHE
fi

# "dir Name" per target, in a stable order.
git grep -l '^func Fuzz' -- '*_test.go' | while read -r f; do
  for name in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    echo "$(dirname "$f") $name"
  done
done | sort -u | grep -E -- "$FUZZMATCH" >"$work/targets" || true
if [ ! -s "$work/targets" ]; then
  echo "fuzz: no targets match $FUZZMATCH" >&2
  exit 1
fi

# fuzz_once BIN DIR NAME LOG: one run of one target.
fuzz_once() {
  (cd "$2" && "$1" -test.run='^$' -test.fuzz="^$3\$" -test.fuzztime="$FUZZTIME" \
    -test.fuzzminimizetime="$FUZZMINIMIZE" -test.fuzzcachedir="$cache/$pkg" \
    -test.v -test.timeout=0) </dev/null >"$4" 2>&1
}

start=$SECONDS
failed=0
row() { printf '%-48s %10s %9s %6s  %s\n' "$@"; }
row TARGET EXECS BASELINE NEW RESULT
built=
while read -r dir name; do
  bin=$work/$(echo "$dir" | tr / _).test
  if [ "$built" != "$dir" ]; then
    pkg=$(go list "./$dir" </dev/null)
    if ! go test -c -vet=off -fuzz=. -o "$bin" "./$dir" </dev/null >"$work/build.log" 2>&1; then
      cat "$work/build.log" >&2
      row "$dir $name" - - - "FAIL (build)"
      failed=1
      continue
    fi
    built=$dir
  fi
  log=$work/fuzz.log
  result=ok
  if ! fuzz_once "$bin" "$root/$dir" "$name" "$log"; then
    # Go's fuzz coordinator can fail with "context deadline exceeded" when
    # the time runs out while a worker is minimising an input on a loaded
    # machine; that is not a finding, so such a run is tried once more.
    # A real failure writes its input under testdata/fuzz and fails again.
    if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
      echo "   ($dir $name: coordinator deadline, not a finding: once more)" >&2
      fuzz_once "$bin" "$root/$dir" "$name" "$log" || result=FAIL
    else
      result=FAIL
    fi
  fi
  # The coordinator prints "fuzz: elapsed: 4s, execs: 36788 (13034/sec),
  # new interesting: 49 (total: 54)" every 3 s and once at the end.
  last=$(grep -E '^fuzz: elapsed: .*execs: [0-9]+' "$log" | tail -1 || true)
  execs=$(echo "$last" | sed -nE 's/.*execs: ([0-9]+).*/\1/p')
  newint=$(echo "$last" | sed -nE 's/.*new interesting: ([0-9]+).*/\1/p')
  # "gathering baseline coverage: 146/146 completed"
  base=$(grep -oE 'gathering baseline coverage: [0-9]+/[0-9]+ completed' "$log" | tail -1 | sed -E 's|.*: ([0-9]+)/.*|\1|' || true)
  execs=${execs:-0} newint=${newint:-0} base=${base:-0}
  if [ "$result" = ok ] && [ $((execs - base)) -lt "$FUZZFLOOR" ]; then
    result="FAIL (fewer than $FUZZFLOOR executions after the baseline)"
  fi
  row "$dir $name" "$execs" "$base" "$newint" "$result"
  if [ "$result" != ok ]; then
    sed 's/^/    /' "$log" | tail -40 >&2
    failed=1
  fi
done <"$work/targets"
echo "fuzz: $(wc -l <"$work/targets") targets, ${FUZZTIME} each (-fuzzminimizetime ${FUZZMINIMIZE}), $((SECONDS - start)) s in all" >&2
exit $failed
