#!/usr/bin/env bash
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager) and helm
# from the Go module proxy, once, into a cache outside the repository. Prints the bin dir.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_VERSION="v1.34.4"
ETCD_VERSION="v3.6.4"
HELM_VERSION="v3.19.5"
cache="${MEDIAFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mediafleet}"
bin="$cache/cluster-k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}-helm-${HELM_VERSION}/bin"
mkdir -p "$bin"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export CGO_ENABLED=0
build() { # name, package
  if [ -x "$bin/$1" ]; then return; fi
  local start=$SECONDS
  echo "building $1 ($2) ..." >&2
  (cd "$here" && go build -trimpath -ldflags="-s -w" -o "$bin/$1.tmp" "$2")
  mv "$bin/$1.tmp" "$bin/$1"
  echo "built $1 in $((SECONDS - start)) s" >&2
}
build etcd ./cmd/etcd
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
if [ ! -x "$bin/helm" ]; then
  start=$SECONDS
  echo "building helm $HELM_VERSION ..." >&2
  GOBIN="$bin" go install -trimpath -ldflags="-s -w" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  echo "built helm in $((SECONDS - start)) s" >&2
fi
echo "$bin"
