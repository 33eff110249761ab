#!/usr/bin/env bash
# Installs the system programs the real-client tests drive: Debian's chromium (WebRTC in a
# real browser), ffmpeg (RTP ingest) and iproute2 (network namespaces for mDNS tests).
# Idempotent: when every program is already present it prints so and returns at once;
# otherwise it runs `apt-get update` once and installs only what is missing.
set -euo pipefail

# package name -> a program that proves it is installed
declare -A probe=( [chromium]=chromium [ffmpeg]=ffmpeg [iproute2]=ip )

missing=()
for pkg in chromium ffmpeg iproute2; do
  if command -v "${probe[$pkg]}" >/dev/null 2>&1; then
    echo "install-system-deps: $pkg present ($(command -v "${probe[$pkg]}"))"
  else
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: nothing to install"
  exit 0
fi

# apt needs root; use sudo only when we are not root already and it exists.
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "install-system-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-system-deps: apt-get update"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
echo "install-system-deps: apt-get install -y --no-install-recommends ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"

for pkg in "${missing[@]}"; do
  if ! command -v "${probe[$pkg]}" >/dev/null 2>&1; then
    echo "install-system-deps: $pkg installed but '${probe[$pkg]}' is not on PATH" >&2
    exit 1
  fi
done
echo "install-system-deps: done"
