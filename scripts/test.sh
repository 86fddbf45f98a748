#!/usr/bin/env bash
# What CI runs (.ci/run). In order, stopping at the first failure:
#   1. installs what it needs (scripts/install-deps.sh, root or sudo),
#   2. format: clang-format --dry-run --Werror over every tracked *.cc / *.h,
#   3. configures the ASan + UBSan build (Ninja, -Og -g1, -Werror),
#   4. lint: clang-tidy (.clang-tidy) on the C++ files changed since the merge base,
#   5. builds,
#   6. runs every test with ctest: unit tests, the layer check, and integration tests against real
#      SQLite files and a throwaway PostgreSQL server started here.
# Environment:
#   BANKSCORE_TEST_BUILD_DIR  build directory (default build-test)
#   BANKSCORE_TIDY            changed (default): files changed since BANKSCORE_TIDY_BASE;
#                             all: every tracked file (slow: minutes); off: skip
#   BANKSCORE_TIDY_BASE       git revision to diff against (default: the merge base with the
#                             upstream branch when HEAD is ahead of it, else HEAD~1)
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
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBANKSCORE_SANITIZE=ON \
  -DBANKSCORE_WERROR=ON -DBANKSCORE_BUILD_TESTS=ON -DBANKSCORE_BUILD_BENCH=OFF >/dev/null

phase lint
tidy_files=()
case "${BANKSCORE_TIDY:-changed}" in
  off) ;;
  all) tidy_files=("${sources[@]}") ;;
  changed)
    base=${BANKSCORE_TIDY_BASE:-}
    if [[ -z "$base" ]]; then
      upstream=$(git merge-base HEAD '@{upstream}' 2>/dev/null || true)
      if [[ -n "$upstream" && "$upstream" != "$(git rev-parse HEAD)" ]]; then
        base=$upstream
      elif git rev-parse -q --verify HEAD~1 >/dev/null; then
        base=HEAD~1
      fi
    fi
    if [[ -n "$base" ]]; then
      # Changed and uncommitted C++ files that still exist; a changed header brings in the files
      # that include it by name.
      mapfile -t tidy_files < <(
        {
          git diff --name-only --diff-filter=d "$base" -- '*.cc' '*.h'
          git diff --name-only --diff-filter=d "$base" -- '*.h' | while read -r h; do
            git grep -l -F "$(basename "$h")\"" -- '*.cc' || true
          done
        } | sort -u)
      echo "lint: ${#tidy_files[@]} C++ file(s) changed since $(git rev-parse --short "$base")"
    fi
    ;;
  *) echo "test.sh: BANKSCORE_TIDY must be changed, all or off" >&2; exit 2 ;;
esac
# clang-tidy reads each translation unit with the build's flags (compile_commands.json); headers
# are checked through the files that include them (HeaderFilterRegex in .clang-tidy).
tidy_units=()
for f in "${tidy_files[@]}"; do
  [[ "$f" == *.cc ]] && grep -qF "\"file\": \"$PWD/$f\"" "$build_dir/compile_commands.json" &&
    tidy_units+=("$f")
done
if ((${#tidy_units[@]})); then
  # GCC's warning flags and -Werror are the compiler's business here: clang-tidy reports its checks.
  if ! printf '%s\n' "${tidy_units[@]}" | xargs -P "$(nproc)" -n 2 clang-tidy-16 -p "$build_dir" \
    --quiet --warnings-as-errors='*' --extra-arg=-Wno-unknown-warning-option \
    --extra-arg=-Wno-error; then
    echo "test.sh: clang-tidy found the problems above (.clang-tidy lists the checks)" >&2
    exit 1
  fi
  echo "lint: clang-tidy passed on ${#tidy_units[@]} file(s)"
else
  echo "lint: no translation unit to check"
fi

phase build
cmake --build "$build_dir" -j "$(nproc)"

phase tests
# shellcheck source=scripts/pg-throwaway.sh
source scripts/pg-throwaway.sh
trap 'status=$?; pg_throwaway_stop; report_phases $status' EXIT
pg_throwaway_start

# XGBoost's OpenMP runtime keeps thread pools alive at exit; those are not our leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 900
