#!/usr/bin/env bash
# fuzz.sh - builds the libFuzzer harnesses (tests/fuzz) with clang, ASan and UBSan, and
# runs each for a bounded time on a copy of its committed seed corpus. CI calls it.
# Exit status 1 when any harness finds a crash, a leak or undefined behaviour; the
# reproducer is left in $FUZZ_OUT/<harness>/ (crash-*, leak-*, ...).
#
#   scripts/fuzz.sh [SECONDS_PER_HARNESS]     (default 60; or FUZZ_SECONDS)
#   FUZZ_BUILD=build-fuzz FUZZ_OUT=fuzz-out scripts/fuzz.sh 300
#   FUZZ_HARNESSES="fuzz_csr fuzz_lint" scripts/fuzz.sh 30
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-${FUZZ_SECONDS:-60}}
build=${FUZZ_BUILD:-$src/build-fuzz}
out=${FUZZ_OUT:-$build/fuzz-out}
harnesses=(${FUZZ_HARNESSES:-fuzz_csr fuzz_request fuzz_lint fuzz_interface fuzz_repo_http})
declare -A max_len=([fuzz_csr]=49152 [fuzz_request]=70000 [fuzz_lint]=65536 [fuzz_interface]=262144
                  [fuzz_repo_http]=4096)

command -v clang >/dev/null || { echo "fuzz.sh: clang is needed (scripts/deps.sh --test)" >&2; exit 2; }
cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DGCERT_FUZZ=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
make -C "$build" -j"${FUZZ_JOBS:-2}" "${harnesses[@]}" >/dev/null

status=0
for h in "${harnesses[@]}"; do
  name=${h#fuzz_}
  work=$out/$h
  rm -rf "$work"; mkdir -p "$work/corpus"
  cp "$src/tests/fuzz/corpus/$name/"* "$work/corpus/"
  seeds=$(ls "$work/corpus" | wc -l)
  start=$(date +%s)
  set +e
  (cd "$work" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
     "$build/tests/fuzz/$h" -max_total_time="$seconds" -max_len="${max_len[$h]}" -timeout=10 \
     -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" corpus >"$work/log" 2>&1)
  rc=$?
  set -e
  took=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | grep -o '[0-9]*' || echo '?')
  printf '%-13s %4ss  %10s execs  cov %-5s  corpus %s -> %s  ' "$h" "$took" "$execs" "$cov" \
         "$seeds" "$(ls "$work/corpus" | wc -l)"
  if (( rc != 0 )) || ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* >/dev/null 2>&1; then
    echo "FINDING (see $work/log and $work/)"
    grep -m1 -E 'ERROR: |SUMMARY: |runtime error' "$work/log" >&2 || true
    status=1
  else
    echo "ok"
  fi
done
exit $status
