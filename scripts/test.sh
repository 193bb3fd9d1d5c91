#!/usr/bin/env bash
# test.sh - on a fresh Debian 12 machine: installs what is missing, builds, and runs every
# test: in a normal build, then its integration tests again with every CA in PostgreSQL
# (a private server, scripts/pg.sh; a database per test), then under
# AddressSanitizer + UndefinedBehaviorSanitizer, then
# the crash tests in a build with fault points, then each libFuzzer harness for a bounded
# time (FUZZ_SECONDS each, default 30) on its committed seed corpus.
#   scripts/test.sh            all of it
#   scripts/test.sh --quick    the normal build only
# Before any test, a plain Release build with GCC and a Release build with clang, compile
# only (issue 16: a packager's `cmake -DCMAKE_BUILD_TYPE=Release` must build, warnings
# being errors, and GCC's -O2/-O3 warnings differ from RelWithDebInfo's).
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
# the integration tests again (and the unit tests labelled pg), each CA and RA in a
# database of its own on one private server
run_pg_suite() { # BUILD_DIR
  local pgdir url
  pgdir=$(mktemp -d "${TMPDIR:-/tmp}/gcert-pg.XXXXXX")
  trap 'bash scripts/pg.sh stop "'"$pgdir"'" >/dev/null 2>&1 || true; rm -rf "'"$pgdir"'"' EXIT
  url=$(bash scripts/pg.sh start "$pgdir")
  echo "== test $1 on PostgreSQL ($url)"
  GCERT_TEST_DB=pg GCERT_TEST_PG=$url ctest --test-dir "$1" --output-on-failure -j2 -L '^(integration|pg)$' || status=1
  bash scripts/pg.sh stop "$pgdir"
  rm -rf "$pgdir"
  trap - EXIT
}
compile_only() { # BUILD_DIR [cmake options...]
  local dir=$1; shift
  echo "== compile $dir $*"
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)" || status=1
}
compile_only build-release -DCMAKE_BUILD_TYPE=Release
CC=clang compile_only build-clang -DCMAKE_BUILD_TYPE=Release
run_suite build
run_pg_suite build
if [[ "${1:-}" != "--quick" ]]; then
  run_suite build-asan -DGCERT_SANITIZE=ON
  # SIGKILL at each named point of the issuance path, then restart (issue 10)
  echo "== build build-fault -DGCERT_FAULT_POINTS=ON"
  bash scripts/build.sh build-fault -DGCERT_FAULT_POINTS=ON
  echo "== test build-fault (crash tests)"
  ctest --test-dir build-fault --output-on-failure -R 'integration/(crash|commit_fail|interface_batch)' || status=1
  echo "== fuzz (${FUZZ_SECONDS:-30} s per harness)"
  bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}" || status=1
fi
exit $status
