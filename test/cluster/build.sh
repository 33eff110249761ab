#!/usr/bin/env bash
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager), kubectl of the
# same Kubernetes release (no version skew with the API server; a user's machine may have no
# kubectl at all) and helm from the Go module proxy, once, into a cache outside the repository.
# Prints the bin dir. Each binary is built only when missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_VERSION="v1.34.4"
ETCD_VERSION="v3.6.4"
HELM_VERSION="v3.19.5"
cache="${MEDIAFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mediafleet}"
# Bump RECIPE when the flags below change, so a cached build made another way is not reused.
RECIPE="r2"
bin="$cache/cluster-k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}-helm-${HELM_VERSION}-${RECIPE}/bin"
mkdir -p "$bin"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export CGO_ENABLED=0
# Built from module source, the Kubernetes binaries would report v0.0.0-master; stamp the
# release so kubectl's skew check and helm's kubeVersion constraints see the real version.
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
helm_ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
helm_ldflags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor"
build() { # name, package, ldflags
  if [ -x "$bin/$1" ]; then return; fi
  local start=$SECONDS
  echo "building $1 ($2) ..." >&2
  (cd "$here" && go build -trimpath -ldflags="$3" -o "$bin/$1.tmp" "$2")
  mv "$bin/$1.tmp" "$bin/$1"
  echo "built $1 in $((SECONDS - start)) s" >&2
}
build etcd ./cmd/etcd "-s -w"
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
build kubectl k8s.io/kubernetes/cmd/kubectl "$k8s_ldflags"
if [ ! -x "$bin/helm" ]; then
  start=$SECONDS
  echo "building helm $HELM_VERSION ..." >&2
  GOBIN="$bin" go install -trimpath -ldflags="$helm_ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  echo "built helm in $((SECONDS - start)) s" >&2
fi
echo "$bin"
