#!/usr/bin/env bash
# Installs everything bankscore needs to build, test and run, from Debian bookworm packages.
# Safe to run again: apt-get skips what is already there. Needs root (or sudo).
# Usage: scripts/install-deps.sh [--with-test-tools]
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ca-certificates
  libpqxx-dev libsqlite3-dev sqlite3 libeigen3-dev libxgboost-dev xgboost
  libyaml-cpp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev zlib1g-dev libssl-dev
  libgtest-dev libgmock-dev
  postgresql postgresql-client
  libcpp-httplib-dev  # the HTTP service (bankscore serve)
)
# The tests also render the HTML reports in headless Chromium; scripts/test.sh checks the format
# with clang-format (Debian's, 14) and lints with clang-tidy 16 (14 cannot parse a lambda that
# captures a structured binding, which GCC accepts).
if [[ "${1:-}" == "--with-test-tools" ]]; then
  packages+=(chromium fonts-dejavu-core clang-format clang-tidy-16)
fi
# The benchmark runs the Python pipeline bankscore replaces (bench/python_reference.py).
if [[ "${1:-}" == "--with-bench-tools" ]]; then
  packages+=(python3-pandas python3-xgboost python3-sklearn python3-psycopg2)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
