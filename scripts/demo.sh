#!/usr/bin/env bash
# The main job on the embedded default (SQLite), from a fresh clone: installs dependencies, builds,
# loads the bundled UCI Bank Marketing data, trains, evaluates, scores, and shows the results.
# Re-running starts from an empty database; training again on the same data gives the same model
# version (models/versions/, see the README: Model versions).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# A build directory made by another generator (Makefiles, before Ninja) cannot switch: start over.
if [[ -f build/CMakeCache.txt ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' build/CMakeCache.txt
then
  rm -rf build/CMakeCache.txt build/CMakeFiles
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBANKSCORE_BUILD_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc)" --target bankscore

config=config/bankscore.yaml
bankscore=build/bankscore
rm -f var/bankscore.db var/bankscore.db-wal var/bankscore.db-shm

step() { printf '\n==> %s\n' "$*"; }
step "load: data/bank-additional-full.csv.gz (41,188 clients) into var/bankscore.db"
$bankscore load --config $config --csv data/bank-additional-full.csv.gz
step "train: XGBoost on the labelled rows (duration left out: it leaks the outcome)"
$bankscore train --config $config
step "evaluate: metrics on the untouched 20% test split"
$bankscore evaluate --config $config
step "score: every client not yet scored by this model version"
$bankscore score --config $config
step "score again: nothing new to score, nothing duplicated"
$bankscore score --config $config
step "results"
$bankscore show --config $config --limit 5

cat <<'MSG'

Query the results yourself:
  sqlite3 -header -column var/bankscore.db \
    "SELECT label, COUNT(*), ROUND(AVG(probability), 3) FROM latest_predictions GROUP BY label"
  sqlite3 -header -column var/bankscore.db "SELECT * FROM scoring_runs ORDER BY run_id DESC"
Tables: predictions, scoring_runs, rejected_rows; view: latest_predictions (README, "Results schema").

Score one client in a browser, and watch the runs (README, "The HTTP service"):
  build/bankscore report --config config/bankscore.yaml --out reports
  build/bankscore serve --config config/bankscore.yaml     # then open http://127.0.0.1:8080/
MSG
