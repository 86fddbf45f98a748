#!/usr/bin/env bash
# Benchmarks the real bankscore binary (load, train, score; wall time and peak RSS) on SQLite and on
# a throwaway PostgreSQL server, from an optimised build (not the sanitizer build of the tests).
# Usage: scripts/bench.sh [bankscore_bench options, e.g. --copies 1 5 --runs 5]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build_dir=${BANKSCORE_BENCH_BUILD_DIR:-build}  # the same optimised build as scripts/demo.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DBANKSCORE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target bankscore bankscore_bench

# shellcheck source=scripts/pg-throwaway.sh
source scripts/pg-throwaway.sh
trap pg_throwaway_stop EXIT
pg_throwaway_start

"$build_dir/bankscore_bench" --bankscore "$build_dir/bankscore" \
  --data data/bank-additional-full.csv.gz --pg-dsn "$BANKSCORE_TEST_PG_DSN" "$@"
