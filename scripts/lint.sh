#!/usr/bin/env bash
# clang-tidy (.clang-tidy: the project's naming rules and the bugprone/performance checks it
# passes) on the C++ translation units changed since a base revision, within a time budget.
# Usage: scripts/lint.sh BUILD_DIR   (BUILD_DIR has compile_commands.json)
# Environment:
#   BANKSCORE_TIDY         changed (default) | all | off
#   BANKSCORE_TIDY_BASE    revision to diff against (default: the merge base with the upstream
#                          branch when HEAD is ahead of it, else HEAD~1)
#   BANKSCORE_TIDY_BUDGET  seconds after which no further file is started (default 60; 0: no
#                          limit). clang-tidy needs 10-20 s per file here (it parses Eigen, pqxx
#                          and nlohmann::json each time), so CI stays fast; BANKSCORE_TIDY=all
#                          with BANKSCORE_TIDY_BUDGET=0 checks everything.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$1
mode=${BANKSCORE_TIDY:-changed}
budget=${BANKSCORE_TIDY_BUDGET:-60}

changed_files() {
  local base=${BANKSCORE_TIDY_BASE:-} upstream
  if [[ -z "$base" ]]; then
    upstream=$(git merge-base HEAD '@{upstream}' 2>/dev/null || true)
    if [[ -n "$upstream" && "$upstream" != "$(git rev-parse HEAD)" ]]; then
      base=$upstream
    elif git rev-parse -q --verify HEAD~1 >/dev/null; then
      base=HEAD~1
    else
      return 0
    fi
  fi
  echo "lint: files changed since $(git rev-parse --short "$base")" >&2
  # Changed sources first; a changed header is checked through one file that includes it.
  git diff --name-only --diff-filter=d "$base" -- '*.cc'
  git diff --name-only --diff-filter=d "$base" -- '*.h' | while read -r h; do
    git grep -l -F "$(basename "$h")\"" -- '*.cc' | head -n 1 || true
  done
}

case "$mode" in
  off) echo "lint: skipped (BANKSCORE_TIDY=off)"; exit 0 ;;
  all) mapfile -t candidates < <(git ls-files -- '*.cc') ;;
  changed) mapfile -t candidates < <(changed_files | awk '!seen[$0]++') ;;
  *) echo "lint.sh: BANKSCORE_TIDY must be changed, all or off" >&2; exit 2 ;;
esac

units=()
for f in "${candidates[@]}"; do
  grep -qF "\"file\": \"$PWD/$f\"" "$build_dir/compile_commands.json" && units+=("$f")
done

started=$SECONDS
checked=0
failed=0
running=0
for f in "${units[@]}"; do
  if ((budget > 0 && SECONDS - started >= budget)); then break; fi
  if ((running >= $(nproc))); then
    wait -n || failed=1
    running=$((running - 1))
  fi
  # Compiler warnings are GCC's business (the build has -Werror): -w leaves clang-tidy its checks.
  clang-tidy-16 -p "$build_dir" --quiet --warnings-as-errors='*' --extra-arg=-w "$f" &
  running=$((running + 1))
  checked=$((checked + 1))
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
if ((failed)); then
  echo "lint: clang-tidy found the problems above (.clang-tidy lists the checks)" >&2
  exit 1
fi
echo "lint: clang-tidy passed on $checked of ${#units[@]} file(s) in $((SECONDS - started)) s" \
  "$( ((checked < ${#units[@]})) && echo "(budget ${budget} s reached; BANKSCORE_TIDY_BUDGET=0 checks all)")"
