#!/usr/bin/env bash
# help.sh - every command in the dispatch table answers --help with usage and an example.
source "$(dirname "$0")/lib.sh"

mapfile -t commands < <("$GCERT" help --commands)
(( ${#commands[@]} >= 5 )) && pass || fail "the table lists only ${#commands[@]} commands"
for c in "${commands[@]}"; do
  # shellcheck disable=SC2086
  out=$("$GCERT" $c --help) || fail "$c --help exits non-zero"
  check_contains "$c --help: usage" "usage: gcert $c" "$out"
  check_contains "$c --help: example" "Example:" "$out"
  check_contains "$c --help: the example runs this command" "gcert $c" "$(sed -n '/Example:/,$p' <<<"$out")"
done
set +e
"$GCERT" frobnicate >/dev/null 2>&1; check_eq "unknown command: exit 2" 2 $?
"$GCERT" issue --dir "$T/none" >/dev/null 2>&1; check_eq "issue without --request on a missing CA: config error" 5 $?
"$GCERT" cert list 2>/dev/null; check_eq "missing --dir is a usage error" 2 $?
set -e
finish
