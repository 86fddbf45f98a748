#!/usr/bin/env bash
# The scoring benchmark (bench/scoring_bench.cc): `bankscore score` from empty results on SQLite
# and on a throwaway PostgreSQL, at 1M and 10M rows, side by side with the machine's limits
# (XGBoost's predict alone, a bare read, a bare write) and the Python pipeline it replaces
# (bench/python_reference.py), all in one run, from an optimised build. Prints a Markdown table.
# Usage: scripts/bench.sh [bankscore_bench options, e.g. --sizes 1000000 --runs 3]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --with-bench-tools
build_dir=${BANKSCORE_BENCH_BUILD_DIR:-build}  # the same optimised build as scripts/demo.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DBANKSCORE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target bankscore bankscore_bench bankscore_bench_limits

# shellcheck source=scripts/pg-throwaway.sh
source scripts/pg-throwaway.sh
trap pg_throwaway_stop EXIT
pg_throwaway_start

"$build_dir/bankscore_bench" --bankscore "$build_dir/bankscore" \
  --limits "$build_dir/bankscore_bench_limits" --data data/bank-additional-full.csv.gz \
  --python-script bench/python_reference.py --python /usr/bin/python3 \
  --pg-dsn "$BANKSCORE_TEST_PG_DSN" "$@"
