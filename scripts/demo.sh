#!/usr/bin/env bash
# The main job on an embedded default (`npm start`): a local control plane, the operator,
# a local kubelet running media nodes as processes, a sample MediaServer with a test-pattern
# stream, and a viewer that proves packets flow. Extra arguments go to scripts/demo.ts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/prepare.sh
prepare_npm
prepare_cluster
prepare_build
step "demo"
exec "$NODE" --import tsx scripts/demo.ts "$@"
