#!/usr/bin/env bash
# test.sh - on a fresh Debian 12 machine: installs what is missing, builds, and runs every
# test, first in a normal build, then under AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/test.sh            both
#   scripts/test.sh --quick    the normal build only
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
status=0
run_suite() { # BUILD_DIR [cmake options...]
  local dir=$1; shift
  echo "== build $dir $*"
  bash scripts/build.sh "$dir" "$@"
  echo "== test $dir"
  ctest --test-dir "$dir" --output-on-failure -j2 || status=1
}
run_suite build
if [[ "${1:-}" != "--quick" ]]; then
  run_suite build-asan -DGCERT_SANITIZE=ON
fi
exit $status
