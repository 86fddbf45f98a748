#!/usr/bin/env bash
# Scoring workers benchmark (issue 15): `bankscore score --workers N` for N = 1, 2, 4 on one
# PostgreSQL table of ROWS rows (default 1,000,000: the 41,188-row data set tiled), from empty
# results each time, with the share of the machine's CPU the database used. Prints a Markdown table.
# Needs a built bankscore (BUILD_DIR, default build) and BANKSCORE_TEST_PG_DSN (a throwaway server:
# `source scripts/pg-throwaway.sh && pg_throwaway_start`); the schema it makes is dropped at the end.
# Usage: bench/workers.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
build_dir=${BUILD_DIR:-build}
: "${BANKSCORE_TEST_PG_DSN:?start a server: source scripts/pg-throwaway.sh && pg_throwaway_start}"
export OMP_WAIT_POLICY=passive
schema=bench_workers_$$
work=$(mktemp -d)
psql_admin() { psql "$BANKSCORE_TEST_PG_DSN" -v ON_ERROR_STOP=1 -qAt -c "$1"; }
cleanup() { psql_admin "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
psql_admin "CREATE SCHEMA $schema"

cat >"$work/bench.yaml" <<YAML
database:
  backend: postgres
  dsn: "$BANKSCORE_TEST_PG_DSN"
  schema: $schema
source:
  table: bank_clients
  key: client_id
  label: y
  positive_label: "yes"
  features:
    categorical: [job, marital, education, default, housing, loan, contact, month, day_of_week,
                  poutcome]
    numeric: [age, campaign, pdays, previous, emp.var.rate, cons.price.idx, cons.conf.idx,
              euribor3m, nr.employed]
  sentinels: {pdays: 999}
model:
  path: $work/model
scoring:
  batch_size: 10000
  lease_rows: 50000
training:
  seed: 42
  num_boost_round: 200
  early_stopping_rounds: 20
logging:
  level: warn
YAML
bs() { "$build_dir/bankscore" "$@" --config "$work/bench.yaml"; }
bs load --csv data/bank-additional.csv >/dev/null
bs train >/dev/null
bs init-db >/dev/null
# Tile the table in SQL up to ROWS rows, keys after the largest one.
columns=$(psql_admin "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
  FROM information_schema.columns WHERE table_schema = '$schema' AND table_name = 'bank_clients'
  AND column_name <> 'client_id'")
while (($(psql_admin "SELECT count(*) FROM $schema.bank_clients") < rows)); do
  psql_admin "INSERT INTO $schema.bank_clients (client_id, $columns)
    SELECT client_id + (SELECT max(client_id) FROM $schema.bank_clients), $columns
    FROM $schema.bank_clients
    LIMIT $rows - (SELECT count(*) FROM $schema.bank_clients)"
done
psql_admin "VACUUM ANALYZE $schema.bank_clients"

# CPU ticks (user + system) of this server: its postmaster, the backends it has reaped (their
# time moves into its cutime/cstime when they exit) and its live children, from /proc.
postmaster=$(head -1 "$(psql_admin "SHOW data_directory")/postmaster.pid")
pg_cpu() {
  local ticks pid
  ticks=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat")
  for pid in $(pgrep -P "$postmaster"); do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$ticks"
}
hz=$(getconf CLK_TCK)
echo "| workers | rows | seconds | rows/s | bankscore CPU s | PostgreSQL CPU s | database share of CPU used |"
echo "|---|---|---|---|---|---|---|"
for n in 1 2 4; do
  psql_admin "TRUNCATE $schema.prediction_reasons, $schema.predictions, $schema.rejected_rows,
    $schema.scoring_leases, $schema.run_drift, $schema.scoring_checks, $schema.scoring_runs" >/dev/null
  before=$(pg_cpu)
  start=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$work/time" "$build_dir/bankscore" score --config "$work/bench.yaml" \
    --workers "$n" >"$work/out"
  end=$(date +%s.%N)
  after=$(pg_cpu)
  scored=$(psql_admin "SELECT count(*) FROM $schema.predictions")
  read -r user sys <"$work/time"
  awk -v n="$n" -v r="$scored" -v s="$start" -v e="$end" -v u="$user" -v y="$sys" \
    -v pg="$(((after - before)))" -v hz="$hz" 'BEGIN {
      t = e - s; bs = u + y; db = pg / hz;
      printf "| %d | %d | %.1f | %.0f | %.1f | %.1f | %.0f%% |\n", n, r, t, r / t, bs, db,
             100 * db / (bs + db) }'
done
echo
echo "machine: $(nproc) cores, shared with whatever else runs; PostgreSQL CPU is this server's"
