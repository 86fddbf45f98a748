#!/usr/bin/env bash
# Builds bankscore with AddressSanitizer + UBSan and runs every test: unit tests, and integration
# tests against real SQLite files and a throwaway PostgreSQL server started here.
# On a fresh Debian bookworm machine this installs what it needs first (root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --with-test-tools

build_dir=${BANKSCORE_TEST_BUILD_DIR:-build-test}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBANKSCORE_SANITIZE=ON \
  -DBANKSCORE_WERROR=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)"

# shellcheck source=scripts/pg-throwaway.sh
source scripts/pg-throwaway.sh
trap pg_throwaway_stop EXIT
pg_throwaway_start

# XGBoost's OpenMP runtime keeps thread pools alive at exit; those are not our leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 900
