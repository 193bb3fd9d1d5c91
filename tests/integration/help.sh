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

# group help, did you mean, --version (issue 17 item 10)
out=$("$GCERT" ca --help); check_eq "group help: exit 0" 0 $?
check_contains "group help lists ca init" "ca init " "$out"
check_contains "group help lists ca pin" "ca pin " "$out"
check_eq "group help of ca lists only ca commands" "" "$(grep '^  ' <<<"$out" | grep -v '^  ca ' || true)"
out=$("$GCERT" ra user --help); check_contains "a two-word group" "ra user add" "$out"
out=$("$GCERT" help ca init); check_contains "gcert help CMD is its --help" "usage: gcert ca init" "$out"
"$GCERT" ca >/dev/null 2>&1; check_eq "a group alone: usage, exit 2" 2 $?
out=$("$GCERT" revok 2>&1); check_eq "misspelt command: exit 2" 2 $?
check_contains "misspelt command: did you mean" 'did you mean "gcert revoke"' "$out"
out=$("$GCERT" ca inti --dir x 2>&1); check_contains "misspelt subcommand" 'did you mean "gcert ca init"' "$out"
out=$("$GCERT" cert shwo SERIAL 2>&1); check_contains "misspelt, with an operand" 'did you mean "gcert cert show"' "$out"
out=$("$GCERT" frobnicate 2>&1); [[ $out != *"did you mean"* ]] && pass || fail "no guess for a word far from all: $out"
out=$("$GCERT" cert list --dir "$T/none" --limt 3 2>&1); check_eq "misspelt option: usage, exit 2" 2 $?
check_contains "misspelt option: names the command" "gcert cert list:" "$out"
check_contains "misspelt option: did you mean" 'unknown option "--limt" (did you mean --limit?)' "$out"
out=$("$GCERT" revoke --dir "$T/none" --serial 2>&1); check_eq "option without its value: exit 2" 2 $?
check_contains "option without its value: named" "gcert revoke: --serial needs a value (HEX)" "$out"
out=$("$GCERT" ra user add --dir "$T/none" --org X 2>&1); check_eq "missing options: exit 2" 2 $?
check_contains "missing options: each named" "gcert ra user add: --username, --name, --email, --password-file are required" "$out"
out=$("$GCERT" cert list --dir "$T/none" --limit 0 2>&1); check_contains "bad value: the range" "--limit: a whole number 1..1000000" "$out"
out=$("$GCERT" crl issue --dir "$T/none" --once 2>&1); check_contains "an option of another command" 'gcert crl issue: unknown option "--once"' "$out"
out=$("$GCERT" lint -x 2>&1); check_eq "a short option: exit 2" 2 $?
out=$("$GCERT" --version); check_eq "--version" "gcert $(sed -n 's/^project(gcert VERSION \([0-9.]*\).*/\1/p' "$GCERT_SRC/CMakeLists.txt")" "$out"
set -e

# the man page and the completion are written from the same table
man=$("$GCERT" help --man)
for c in "${commands[@]}"; do check_contains "man page: $c" ".SS \"gcert $c\"" "$man"; done
check_contains "man page: an option of ca init" '.BI "\-\-custodian\-names " "L"' "$man"
if command -v groff >/dev/null; then
  warnings=$(groff -man -Tutf8 -ww -z <<<"$man" 2>&1)
  check_eq "groff reads the man page without a warning" "" "$warnings"
  if [[ -n ${GCERT_BUILD:-} && -f $GCERT_BUILD/docs/gcert.1 ]]; then
    check_eq "the build's docs/gcert.1 is the table's" "$man" "$(cat "$GCERT_BUILD/docs/gcert.1")"
  fi
fi
"$GCERT" help --completion >"$T/completion.bash"
complete_words() { # complete_words WORD...: what bash offers for the last word
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _gcert; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$T/completion.bash" "$@" | xargs
}
check_eq "completion: the groups starting with c" "ca calendar cert crl" "$(complete_words gcert c)"
check_eq "completion: ca in" "init" "$(complete_words gcert ca in)"
check_eq "completion: ra user" "add reset-admin" "$(complete_words gcert ra user "")"
check_eq "completion: revoke's options" "--reason --requested-at" "$(complete_words gcert revoke --dir x --re)"
check_eq "completion: a flag of crl schedule" "--once" "$(complete_words gcert crl schedule --on)"
mkdir "$T/cdir" && touch "$T/cdir/req-1.json"
check_eq "completion: a file after --request" "$T/cdir/req-1.json" "$(complete_words gcert issue --request "$T/cdir/req")"
check_eq "completion: nothing for a wrong command" "" "$(complete_words gcert frob --)"
finish
