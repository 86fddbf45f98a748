#!/usr/bin/env bash
# What CI runs (.ci/run). In order, stopping at the first failure:
#   1. installs what it needs (scripts/install-deps.sh, root or sudo),
#   2. format: clang-format --dry-run --Werror over every tracked *.cc / *.h,
#   3. configures the ASan + UBSan build (Ninja, unity, -Og -g1, -Werror),
#   4. lint: clang-tidy (.clang-tidy) on the C++ files changed since the merge base,
#   5. builds,
#   6. runs every test with ctest: unit tests, the layer check, and integration tests against real
#      SQLite files and a throwaway PostgreSQL server started here.
# Environment:
#   BANKSCORE_TEST_BUILD_DIR  build directory (default build-test)
#   BANKSCORE_TIDY, BANKSCORE_TIDY_BASE, BANKSCORE_TIDY_BUDGET: see scripts/lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."

phase_names=()
phase_seconds=()
phase_start=$SECONDS
phase_name=""
phase() {  # phase NAME: ends the running phase (if any) and starts NAME
  if [[ -n "$phase_name" ]]; then
    phase_names+=("$phase_name")
    phase_seconds+=($((SECONDS - phase_start)))
  fi
  phase_name=$1
  phase_start=$SECONDS
  [[ -z "$phase_name" ]] || printf '\n==> %s\n' "$phase_name"
}
report_phases() {  # report_phases EXIT_STATUS
  local status=$1 i
  phase ""
  printf '\n==> timings (s):'
  for i in "${!phase_names[@]}"; do printf ' %s %d,' "${phase_names[$i]}" "${phase_seconds[$i]}"; done
  printf ' total %d%s\n' "$SECONDS" "$( ((status == 0)) || echo ", FAILED (exit $status)")"
}
trap 'report_phases $?' EXIT

phase install
scripts/install-deps.sh --with-test-tools

phase format
mapfile -t sources < <(git ls-files -- '*.cc' '*.h')
if ! clang-format --dry-run --Werror "${sources[@]}"; then
  echo "test.sh: the files above are not formatted as .clang-format says." >&2
  echo "  Fix: clang-format -i FILE... (or: git ls-files '*.cc' '*.h' | xargs clang-format -i)" >&2
  exit 1
fi
echo "format: ${#sources[@]} files formatted"

phase configure
build_dir=${BANKSCORE_TEST_BUILD_DIR:-build-test}
# A build directory made by another generator (Makefiles, before Ninja) cannot switch: start over.
if [[ -f "$build_dir/CMakeCache.txt" ]] &&
  ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$build_dir/CMakeCache.txt"; then
  echo "test.sh: $build_dir was configured for another generator; reconfiguring it for Ninja"
  rm -rf "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"
fi
# RelWithDebInfo with BANKSCORE_SANITIZE compiles at -Og -g1 (CMakeLists.txt says why). The
# benchmark is not built: nothing here runs it, and each translation unit is compiled once.
# A unity build (CMake's batches of up to 8 .cc files of one target per translation unit) parses
# the heavy headers (gtest/gmock, nlohmann::json, spdlog/fmt) and compiles the instrumented code
# of their templates once per batch instead of once per file: measured on the 2-core CI machine
# it needs about half the CPU time of the file-by-file build.
config=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBANKSCORE_SANITIZE=ON -DBANKSCORE_WERROR=ON
  -DBANKSCORE_BUILD_TESTS=ON -DBANKSCORE_BUILD_BENCH=OFF)
cmake -S . -B "$build_dir" "${config[@]}" -DCMAKE_UNITY_BUILD=ON >/dev/null
# clang-tidy checks files one by one, and a unity build's compile_commands.json lists only its
# unity files: lint reads the compile commands of the same build without unity (configured only,
# never built).
cmake -S . -B "$build_dir-lint" "${config[@]}" -DCMAKE_UNITY_BUILD=OFF >/dev/null

phase lint
scripts/lint.sh "$build_dir-lint"

phase build
cmake --build "$build_dir" -j "$(nproc)"

phase tests
# shellcheck source=scripts/pg-throwaway.sh
source scripts/pg-throwaway.sh
trap 'status=$?; pg_throwaway_stop; report_phases $status' EXIT
pg_throwaway_start

# Leaks fail the run, but for those of third-party libraries tests/lsan.supp names with reasons.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 900
