#!/usr/bin/env bash
# The one test command (`npm test`): installs what a fresh machine lacks, then runs every
# suite a user's trust depends on. Heavy builds are cached outside the repository.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/prepare.sh
prepare_all

step "type-check: product, tests and scripts (tsconfig.test.json)"
"$NODE" node_modules/typescript/bin/tsc -p tsconfig.test.json

step "unit tests"
"$NODE" --import tsx --test --test-reporter=spec 'common/**/*.test.ts' 'media-node/**/*.test.ts' 'operator/**/*.test.ts' 'test/**/*.unit.test.ts'

step "integration and end-to-end tests (real processes, real control plane, real Chromium)"
# One file at a time: the machine has 2 cores and these tests measure timing-sensitive media.
"$NODE" --import tsx --test --test-reporter=spec --test-concurrency=1 --test-timeout=300000 \
  'test/cluster/**/*.test.ts' 'test/integration/**/*.test.ts' 'test/e2e/**/*.test.ts'
step "all tests passed"
