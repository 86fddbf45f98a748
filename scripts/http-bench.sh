#!/usr/bin/env bash
# The HTTP service's load test (bench/http_load.cc): builds an optimised bankscore and
# bankscore_http_bench, loads and scores the 10% sample into a throwaway SQLite database, starts
# `bankscore serve` on a free loopback port, runs the load test (1 client, then 8 concurrent
# clients, 10 s each, POST /v1/score with one client), stops the service and removes everything.
# Prints a Markdown table (README, "The HTTP service"). Exits non-zero if any request failed.
# Usage: scripts/http-bench.sh [bankscore_http_bench options, e.g. --clients 8 --seconds 5]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build_dir=${BANKSCORE_BENCH_BUILD_DIR:-build}  # the same optimised build as scripts/bench.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DBANKSCORE_BUILD_TESTS=OFF \
  -DBANKSCORE_BUILD_BENCH=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target bankscore bankscore_http_bench

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The demo config (logging at info: the service's address is read from its log), on a port the
# system chooses.
sed -e "s#var/bankscore.db#$work/bank.db#" -e "s#models/current#$work/model#" \
  -e "s|^  # listen: 127.0.0.1:8080|  listen: 127.0.0.1:0|" \
  config/bankscore.yaml >"$work/bankscore.yaml"
grep -q "^  listen: 127.0.0.1:0" "$work/bankscore.yaml" ||
  { echo "http-bench: config/bankscore.yaml has no '# listen:' line to set" >&2; exit 1; }
bin="$build_dir/bankscore"
"$bin" load --config "$work/bankscore.yaml" --csv data/bank-additional.csv >/dev/null
"$bin" train --config "$work/bankscore.yaml" >/dev/null
"$bin" score --config "$work/bankscore.yaml" >/dev/null

"$bin" serve --config "$work/bankscore.yaml" 2>"$work/serve.log" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's#.*serving HTTP on http://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$work/serve.log")
  [[ -n "$port" ]] && grep -q "serving model" "$work/serve.log" && break
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$work/serve.log" >&2; echo "http-bench: the service did not start" >&2; exit 1; }
echo "http-bench: bankscore serve on 127.0.0.1:$port, $(nproc) cores"
"$build_dir/bankscore_http_bench" --port "$port" "$@"
