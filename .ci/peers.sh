# Sourced by .ci/run and bench scripts: installs the peer tools that interop
# tests and benchmarks run, at pinned versions, from the Go module proxy,
# into $HALLMARK_PEERS (default ~/.cache/hallmark-peers), and puts them on PATH.
export HALLMARK_PEERS="${HALLMARK_PEERS:-$HOME/.cache/hallmark-peers}"
mkdir -p "$HALLMARK_PEERS"
export PATH="$HALLMARK_PEERS:$PATH"
peer_install() { # name module@version [toolchain]
  local name=$1 mod=$2 tc=${3:-local}
  if [ ! -x "$HALLMARK_PEERS/$name" ]; then
    echo "== installing $name ($mod)"
    (cd / && GOBIN="$HALLMARK_PEERS" GOTOOLCHAIN="$tc" GOFLAGS= go install "$mod")
  fi
}
