#!/usr/bin/env bash
# help.sh - every command of the dispatch table answers --help with an Example line
# (STYLE.md; git's t0012-help.sh).
source "$GCERT_SRC/tests/integration/lib.sh"

n=0
while IFS= read -r cmd; do
  n=$((n + 1))
  # shellcheck disable=SC2086
  out=$("$GCERT" $cmd --help 2>&1) && pass || fail "$cmd --help exits non-zero"
  check_contains "$cmd --help has usage" "usage: gcert $cmd" "$out"
  check_contains "$cmd --help has an example" "Example:" "$out"
done < <("$GCERT" help --commands)
(( n >= 13 )) && pass || fail "expected at least 13 commands, got $n"
finish
