# Sourced by .ci/run and bench scripts: installs the peer tools that interop
# tests and benchmarks run, at pinned versions, from the Go module proxy,
# into $HALLMARK_PEERS (default ~/.cache/hallmark-peers), and puts them on PATH.
export HALLMARK_PEERS="${HALLMARK_PEERS:-$HOME/.cache/hallmark-peers}"
mkdir -p "$HALLMARK_PEERS"
export PATH="$HALLMARK_PEERS:$PATH"
peer_install() { # name module@version [toolchain]
  # name may be DIR/BINARY: the binary goes to $HALLMARK_PEERS/DIR (off
  # PATH), for a second major version whose binary has the same name
  # (cosign v2 and v3 are both "cosign").
  local name=$1 mod=$2 tc=${3:-local}
  local gobin="$HALLMARK_PEERS"
  case "$name" in */*) gobin="$HALLMARK_PEERS/${name%/*}" ;; esac
  if [ ! -x "$HALLMARK_PEERS/$name" ]; then
    echo "== installing $name ($mod)"
    mkdir -p "$gobin"
    (cd / && GOBIN="$gobin" GOTOOLCHAIN="$tc" GOFLAGS= go install "$mod")
  fi
}
