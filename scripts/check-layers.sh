#!/usr/bin/env bash
# Layer check: a file in src/<layer>/ may include "<other>/..." only for a layer <other> that <layer>
# may depend on (src/CMakeLists.txt links the same way; this catches a header-only dependency the
# linker cannot see). Public headers, "bankscore/...", are always fine, and so is a layer's own
# folder. Prints every offending file:line and exits 1; exits 0 when the tree is clean.
# Usage: scripts/check-layers.sh [REPO_ROOT]     (default: this script's repository)
#        scripts/check-layers.sh --self-test     (checks the checker on a made-up tree)
set -euo pipefail

# Layer -> the layers it may include, bottom to top. A new folder under src/ must be added here.
declare -A allowed=(
  [common]=""
  [db]="common"
  [model]="common"
  [ingest]="common db"
  [report]="common model"
  [jobs]="common db model ingest"
  [service]="common db model ingest report jobs"
  [app]="common db model ingest report jobs service"
)

check_tree() {
  local root=$1 status=0 dir layer
  [[ -d "$root/src" ]] || { echo "check-layers: no src/ in $root" >&2; return 2; }
  for dir in "$root"/src/*/; do
    layer=$(basename "$dir")
    if [[ -z "${allowed[$layer]+set}" ]]; then
      echo "check-layers: src/$layer/ is not a known layer: add it to scripts/check-layers.sh" >&2
      status=1
      continue
    fi
    local files=()
    mapfile -t files < <(cd "$root" && find "src/$layer" -type f \
      \( -name '*.cc' -o -name '*.h' -o -name '*.cc.in' -o -name '*.h.in' \) | sort)
    ((${#files[@]})) || continue
    # Every '#include "x/..."' or '#include <x/...>' whose x is a layer that is neither this one
    # nor an allowed one.
    if ! (cd "$root" && awk -v layer="$layer" -v allowed="${allowed[$layer]}" -v known="${!allowed[*]}" '
      BEGIN {
        n = split(allowed, a, " "); for (i = 1; i <= n; i++) ok[a[i]] = 1
        ok[layer] = 1; ok["bankscore"] = 1
        n = split(known, k, " "); for (i = 1; i <= n; i++) is_layer[k[i]] = 1
      }
      match($0, /^[ \t]*#[ \t]*include[ \t]*["<][A-Za-z0-9_]+\//) {
        target = substr($0, RSTART, RLENGTH - 1); sub(/.*["<]/, "", target)
        if (is_layer[target] && !ok[target]) {
          printf "%s:%d: layer %s may not include %s/ (allowed: %s): %s\n", FILENAME, FNR, layer,
                 target, (allowed == "" ? "none" : allowed), $0
          bad = 1
        }
      }
      END { exit bad }' "${files[@]}"); then
      status=1
    fi
  done
  return $status
}

self_test() {
  local tmp rc=0
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  mkdir -p "$tmp/src/common" "$tmp/src/db" "$tmp/src/report"
  printf '#include "bankscore/config.h"\n#include "common/text.h"\n' >"$tmp/src/db/ok.cc"
  printf '#include "common/text.h"\n#include "model/bundle.h"\n' >"$tmp/src/report/ok.h"
  check_tree "$tmp" >/dev/null || { echo "self-test: a clean tree was refused" >&2; rc=1; }
  printf '// #include "db/commented_out.h"\n#include <vector>\n  #  include "db/x.h"\n' \
    >"$tmp/src/common/bad.cc"
  local out
  if out=$(check_tree "$tmp" 2>&1); then
    echo "self-test: common including db/ was not caught" >&2
    rc=1
  elif [[ "$out" != "src/common/bad.cc:3: layer common may not include db/"* ]]; then
    echo "self-test: unexpected report: $out" >&2
    rc=1
  fi
  rm "$tmp/src/common/bad.cc"
  mkdir "$tmp/src/extra" && : >"$tmp/src/extra/x.cc"
  if check_tree "$tmp" >/dev/null 2>&1; then
    echo "self-test: an unknown layer folder was not refused" >&2
    rc=1
  fi
  ((rc == 0)) && echo "check-layers: self-test passed"
  return $rc
}

if [[ "${1:-}" == "--self-test" ]]; then
  self_test
  exit
fi
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
if check_tree "$root"; then
  echo "check-layers: every include in src/ respects the layers"
else
  echo "check-layers: FAILED: the includes above go against the layer order (see scripts/check-layers.sh)" >&2
  exit 1
fi
