#!/usr/bin/env bash
# bench/startup/run.sh: what a hallmark process costs before it does its
# work, beside an empty Go program built by the same toolchain.
#
# Prints GODEBUG=inittrace=1 of `hallmark --version` (every package
# initialiser the binary links), then whole-process times, interleaved, of
# the empty program, `hallmark --version`, `hallmark sbom` of one go.mod
# (gin's, match/testdata/targets/gin) and `hallmark scan` of vault
# v1.8.0's go.mod on a database of the Go export in ../shared/data (the
# figure issue 9 measured against osv-scanner; bench/scan/run.sh has the
# side-by-side run).
#
# Needs: go, python3, the Go module proxy (vault's go.mod) and
# ../shared/data/osv/Go/all.zip.
#
# Usage: bench/startup/run.sh [RUNS]    (default 20)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${HALLMARK_TESTDATA:-$ROOT/../shared/data}
RUNS=${1:-20}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
S="python3 $ROOT/bench/startup/startup.py"

(cd "$ROOT" && go build -o "$WORK/hallmark" ./cmd/hallmark)
mkdir -p "$WORK/empty"
printf 'package main\n\nfunc main() {}\n' >"$WORK/empty/main.go"
(cd "$WORK/empty" && go mod init empty >/dev/null 2>&1 && go build -o "$WORK/empty-go" .)
mkdir -p "$WORK/vault"
(cd "$ROOT" && cp "$(go mod download -json github.com/hashicorp/vault@v1.8.0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')" "$WORK/vault/go.mod")
"$WORK/hallmark" db import --fresh --db "$WORK/db" "$DATA/osv/Go/all.zip" >/dev/null

H=$WORK/hallmark
$S init "$RUNS" "$H" --version
echo
$S time "$RUNS" \
	"empty Go program=$WORK/empty-go" \
	"hallmark --version=$H --version" \
	"hallmark sbom gin/go.mod=$H sbom -q -o cyclonedx-json=/dev/null $ROOT/match/testdata/targets/gin/go.mod" \
	"hallmark scan vault v1.8.0 go.mod=$H scan -q --offline --db $WORK/db -o json $WORK/vault/go.mod"
