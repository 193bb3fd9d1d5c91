#!/usr/bin/env bash
# cert_cmds.sh - `gcert cert list` and `gcert cert show` for the operator.
source "$(dirname "$0")/lib.sh"

CA=$T/ca
new_ca "$CA"
check_eq "empty list" "" "$("$GCERT" cert list --dir "$CA")"
for i in 1 2; do
  make_csr "$T/$i.key" "$T/$i.csr"
  make_request "$T/$i.json" "req-$i" individual "$i" "$T/$i.csr" "r['subject']['name'] = 'CHAN Number$i'"
  "$GCERT" issue --dir "$CA" --request "$T/$i.json" --out "$T/$i.pem" >/dev/null
done
serial1=$(openssl x509 -in "$T/1.pem" -noout -serial | cut -d= -f2)
list=$("$GCERT" cert list --dir "$CA")
check_eq "list shows both" 2 "$(wc -l <<<"$list")"
check_contains "list names the subject" "CHAN Number2" "$list"
check_eq "list --limit" 1 "$("$GCERT" cert list --dir "$CA" --limit 1 | wc -l)"
check_eq "list --json" 2 "$("$GCERT" cert list --dir "$CA" --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')"
# show by serial, upper or lower case; the PEM is the one handed out
check_eq "show --pem returns the issued certificate" "$(cat "$T/1.pem")" "$("$GCERT" cert show --dir "$CA" "$serial1" --pem)"
lower=$(tr A-F a-f <<<"$serial1")
out=$("$GCERT" cert show --dir "$CA" "$lower")
check_contains "show: status" "issued" "$out"
check_contains "show: subscriber reference" "subscriber ref" "$out"
check_eq "show --json: request id" req-1 "$("$GCERT" cert show --dir "$CA" "$lower" --json | json_field request_id)"
set +e
"$GCERT" cert show --dir "$CA" 00112233445566778899aabbccddeeff00112233 2>/dev/null; check_eq "unknown serial: exit 4" 4 $?
"$GCERT" cert show --dir "$CA" xyz 2>/dev/null; check_eq "malformed serial: exit 3" 3 $?
"$GCERT" cert show --dir "$CA" 2>/dev/null; check_eq "no serial: usage" 2 $?
"$GCERT" cert list --dir "$CA" --limit 0 2>/dev/null; check_eq "bad --limit: usage" 2 $?
set -e
finish
