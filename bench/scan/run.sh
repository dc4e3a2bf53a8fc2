#!/usr/bin/env bash
# bench/scan/run.sh: hallmark scan and osv-scanner on the same targets and
# the same OSV exports (../shared/data/osv), in one run.
#
# Prints, per target: package count, cold time (the first run after the
# database was built), warm time (median of the next runs), peak RSS, and
# the osv-scanner/hallmark ratios; then the import time of all three
# exports; then every difference in findings (bench/scan/compare.py).
#
# Needs: go, python3, osv-scanner v2.6.0 on PATH or in
# ~/.cache/hallmark-peers (see ../shared/PEERS.md), and the Go module proxy
# for the large targets (go.mod files of vault, prometheus, kubernetes and
# consul). Optional: govulncheck v1.9.0 for the binary comparison.
#
# Usage: bench/scan/run.sh [RUNS]    (default 6 runs per measurement)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${HALLMARK_TESTDATA:-$ROOT/../shared/data}
RUNS=${1:-6}
PEERS=$HOME/.cache/hallmark-peers
OSV_SCANNER=${OSV_SCANNER:-$(command -v osv-scanner || echo "$PEERS/osv-scanner")}
GOVULNCHECK=${GOVULNCHECK:-$(command -v govulncheck || echo "$PEERS/govulncheck")}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
M="python3 $ROOT/bench/scan/measure.py"

echo "== building hallmark"
(cd "$ROOT" && go build -o "$WORK/hallmark" ./cmd/hallmark)
HM=$WORK/hallmark

echo "== preparing targets"
T=$WORK/targets
mkdir -p "$T"
cp -r "$ROOT/match/testdata/targets/gin" "$ROOT/match/testdata/targets/python" "$ROOT/match/testdata/targets/rust" "$T/"
mkdir -p "$T/big"
for m in github.com/hashicorp/vault@v1.15.0 github.com/prometheus/prometheus@v0.50.0 k8s.io/kubernetes@v1.28.0 github.com/hashicorp/consul@v1.16.0; do
	gomod=$(go mod download -json "$m" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
	d=$T/big/$(basename "${m%@*}")
	mkdir -p "$d"
	cp "$gomod" "$d/go.mod"
done
cp -r "$T/python" "$T/rust" "$T/big/"
mkdir -p "$T/vault" && cp "$T/big/vault/go.mod" "$T/vault/go.mod"

echo "== databases"
DB=$WORK/db
IMPORT=$($M --runs 3 --ok 0 -- "$HM" db import --fresh --db "$DB" "$DATA/osv/Go/all.zip" "$DATA/osv/PyPI/all.zip" "$DATA/osv/crates.io/all.zip" "$DATA/kev/known_exploited_vulnerabilities.json")
OSVDB=$WORK/osvdb
for e in Go PyPI crates.io; do
	mkdir -p "$OSVDB/osv-scalibr/$e"
	cp "$DATA/osv/$e/all.zip" "$OSVDB/osv-scalibr/$e/"
done
export OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=$OSVDB

osv_args() { # target → osv-scanner arguments
	case $1 in
	gin | vault) echo "-L $T/$1/go.mod" ;;
	python) echo "-L $T/python/requirements.txt" ;;
	rust) echo "-L $T/rust/Cargo.lock" ;;
	big) echo "-r $T/big" ;;
	esac
}

printf '\n%-8s %8s | %10s %10s %8s | %10s %10s %8s | %7s %7s\n' target packages "hm cold" "hm warm" "hm RSS" "osv cold" "osv warm" "osv RSS" "warm x" "RSS x"
for t in gin python rust vault big; do
	n=$("$HM" sbom "$T/$t" -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["packages"]))')
	# The first hallmark run after the import is the cold one.
	h=$($M --runs "$RUNS" -- "$HM" scan --offline --db "$DB" -o json "$T/$t")
	# shellcheck disable=SC2046
	o=$($M --runs "$RUNS" -- "$OSV_SCANNER" scan source --offline-vulnerabilities --no-call-analysis=go --format json $(osv_args "$t"))
	python3 - "$t" "$n" "$h" "$o" <<'EOF'
import json, sys
t, n, h, o = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
print(f"{t:<8} {n:>8} | {h['cold_ms']:>8.1f}ms {h['warm_ms']:>8.1f}ms {h['peak_rss_mib']:>6.1f}M | "
      f"{o['cold_ms']:>8.1f}ms {o['warm_ms']:>8.1f}ms {o['peak_rss_mib']:>6.1f}M | "
      f"{o['warm_ms']/h['warm_ms']:>6.1f}x {o['peak_rss_mib']/h['peak_rss_mib']:>6.1f}x")
EOF
	"$HM" scan --offline --db "$DB" -o json "$T/$t" >"$WORK/hm-$t.json" || true
	# shellcheck disable=SC2046
	"$OSV_SCANNER" scan source --offline-vulnerabilities --no-call-analysis=go --format json $(osv_args "$t") >"$WORK/osv-$t.json" 2>/dev/null || true
done
echo
echo "import of Go, PyPI and crates.io exports + KEV: $IMPORT"

for t in gin python rust vault big; do
	echo
	echo "== differences on $t (hallmark vs osv-scanner)"
	python3 "$ROOT/bench/scan/compare.py" osv "$WORK/hm-$t.json" "$WORK/osv-$t.json"
done

if [ -x "$GOVULNCHECK" ] && [ -n "${BINARY:-}" ]; then
	echo
	echo "== govulncheck -mode binary on $BINARY"
	python3 "$ROOT/bench/scan/govulndb.py" "$DATA/osv/Go/all.zip" "$WORK/govulndb"
	"$GOVULNCHECK" -db "file://$WORK/govulndb" -mode binary -json "$BINARY" >"$WORK/govulncheck.json" || true
	mkdir -p "$WORK/bin" && cp "$BINARY" "$WORK/bin/"
	"$HM" scan --offline --db "$DB" -o json "$WORK/bin" >"$WORK/hm-bin.json" || true
	python3 "$ROOT/bench/scan/compare.py" govulncheck "$WORK/hm-bin.json" "$WORK/govulncheck.json"
fi
