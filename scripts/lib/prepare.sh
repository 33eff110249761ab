# Shared by the test and demo commands: make a fresh clone runnable. Sourced, not executed.
step() { printf '\n== %s (%s)\n' "$1" "$(date +%H:%M:%S)" >&2; }

prepare_npm() {
  # The project pins Node 24 as a dev dependency; npm scripts then run on it.
  if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "npm ci"
    npm ci --no-audit --no-fund
  fi
  NODE="$PWD/node_modules/.bin/node"
  export PATH="$PWD/node_modules/.bin:$PATH"
  "$NODE" --version >&2
}

prepare_system() {
  step "system packages (chromium, ffmpeg, iproute2)"
  bash scripts/install-system-deps.sh
}

prepare_cluster() {
  step "control plane binaries and kubectl (built once from the Go module proxy, cached in ~/.cache/mediafleet)"
  MEDIAFLEET_CLUSTER_BIN="$(bash test/cluster/build.sh | tail -n 1)"
  # The kubectl of the API server's own release: a machine's kubectl may be missing or skewed.
  KUBECTL="$MEDIAFLEET_CLUSTER_BIN/kubectl"
  export MEDIAFLEET_CLUSTER_BIN KUBECTL
}

prepare_build() {
  step "tsc build (dist/)"
  "$NODE" node_modules/typescript/bin/tsc -p tsconfig.json
}

prepare_all() {
  prepare_npm
  prepare_system
  prepare_cluster
  prepare_build
}
