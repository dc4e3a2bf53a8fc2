#!/usr/bin/env bash
# Signing and verification benchmark: hallmark (in process and one process
# per file) against cosign v2.6.5 per file, with the raw crypto and raw
# sigstore-go costs. Installs cosign from the Go module proxy at the pinned
# version first (.ci/peers.sh). Flags go to the Go driver, e.g. -cli 100.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
source .ci/peers.sh
peer_install cosign github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5
go run ./bench/sign "$@"
