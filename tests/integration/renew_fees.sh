#!/usr/bin/env bash
# renew_fees.sh - renewal through `gcert issue` (CPS §3.2, SPEC §2.2) and the fee ledger
# (§2.4): new key required, subscriber number carried over, validity per §3.2.2, expired
# and already-renewed certificates refused; HK$20 per year charged per organisation.
source "$(dirname "$0")/lib.sh"

CA=$T/ca
new_ca "$CA"
ORG="Office of the Government Chief Information Officer"
make_csr "$T/a.key" "$T/a.csr"
make_request "$T/a.json" req-a individual 1 "$T/a.csr"
"$GCERT" issue --dir "$CA" --request "$T/a.json" --json >"$T/a.out"
old=$(json_field serial <"$T/a.out"); ref=$(json_field subscriber_ref <"$T/a.out")

renew() { # NAME YEARS CSR RENEWS [overrides]
  local name=$1 years=$2 csr=$3 renews=$4; shift 4
  make_request "$T/$name.json" "req-$name" individual "$years" "$csr" 'r["type"] = "renew"' \
    "r['renews'] = '$renews'" "$@"
  issue_json "$CA" "$T/$name.json" >"$T/$name.out"
}

make_csr "$T/b.key" "$T/b.csr"
renew b 2 "$T/b.csr" "$old"
check_eq "renewal issued" 0 "$RC"
new=$(json_field serial <"$T/b.out")
check_eq "subscriber reference carried over" "$ref" "$(json_field subscriber_ref <"$T/b.out")"
check_eq "renews recorded" "$old" "$(sql "$CA" "SELECT renews FROM certificates WHERE serial='$new'")"
# §3.2.2: old notAfter + 2y, capped at now + 2y + 1 month: renewing a 1-year certificate at
# once gives old + 2y = now + 3y > cap, so the cap applies.
"$PY" - "$(sql "$CA" "SELECT not_before FROM certificates WHERE serial='$new'")" \
  "$(sql "$CA" "SELECT not_after FROM certificates WHERE serial='$new'")" <<'PY' && pass || fail "renewal validity is now + 2y + 1 month"
import sys, datetime as d
nb, na = (d.datetime.fromtimestamp(int(x), d.timezone.utc) for x in sys.argv[1:])
m = nb.month + 1; y = nb.year + 2 + (m > 12); m = (m - 1) % 12 + 1
import calendar
want = nb.replace(year=y, month=m, day=min(nb.day, calendar.monthrange(y, m)[1]))
sys.exit(0 if na == want else 1)
PY
check "renewed certificate verifies" openssl verify -CAfile <("$GCERT" ca certs --dir "$CA") \
  <("$GCERT" cert show --dir "$CA" "$new" --pem)

make_csr "$T/c.key" "$T/c.csr"
renew c 1 "$T/c.csr" "$old"
check_eq "a certificate is renewed once: exit" 4 "$RC"
check_eq "a certificate is renewed once: code" GC_E_DUPLICATE_REQUEST "$(json_field code <"$T/c.out")"
renew d 1 "$T/b.csr" "$new"
check_eq "renewal with the old key refused" GC_E_KEY_REUSED "$(json_field code <"$T/d.out")"
renew e 1 "$T/c.csr" 00112233445566778899aabbccddeeff00112233
check_eq "renewing an unknown certificate" GC_E_NOT_FOUND "$(json_field code <"$T/e.out")"
renew f 1 "$T/c.csr" "$new" 'r["cert_type"] = "functional_unit"' 'r["subject"]["name"] = "Registry Unit"'
check_eq "a renewal keeps the type" GC_E_REQUEST_FIELD "$(json_field code <"$T/f.out")"

# An expired certificate is never renewed: two years on, the 1-year certificate has expired.
make_csr "$T/h.key" "$T/h.csr"
make_request "$T/h.json" req-h individual 1 "$T/h.csr" 'r["subject"]["organisation"] = "Hongkong Post"'
h=$("$GCERT" issue --dir "$CA" --request "$T/h.json" --json | json_field serial)
make_csr "$T/g.key" "$T/g.csr"
make_request "$T/g.json" req-g individual 1 "$T/g.csr" 'r["type"] = "renew"' "r['renews'] = '$h'" \
  'r["subject"]["organisation"] = "Hongkong Post"' 
set +e
faketime -f '+730d' "$GCERT" issue --dir "$CA" --request "$T/g.json" --json >"$T/g.out"; rc=$?
set -e
check_eq "expired: exit" 4 "$rc"
check_eq "expired: code" GC_E_RENEW_EXPIRED "$(json_field code <"$T/g.out")"

# Fees: 1 year (issue) + 2 years (renewal) = HK$60 for the organisation this year.
year=$(TZ=Asia/Hong_Kong date +%Y)
fees=$("$GCERT" fees --dir "$CA" --org "$ORG" --year "$year" --json)
check_eq "fees: certificates" 2 "$(json_field certificates <<<"$fees")"
check_eq "fees: total" 60 "$(json_field total_hkd <<<"$fees")"
check_contains "fees: kinds" '"kind": "renew"' "$fees"
check_eq "fees: another organisation's certificate is its own" 20 \
  "$("$GCERT" fees --dir "$CA" --org "Hongkong Post" --year "$year" --json | json_field total_hkd)"
check_eq "fees: nothing in another year" 0 \
  "$("$GCERT" fees --dir "$CA" --org "$ORG" --year $((year + 1)) --json | json_field total_hkd)"
check_eq "refused renewals charged nothing" 3 "$(sql "$CA" "SELECT count(*) FROM fees")"
set +e
"$GCERT" fees --dir "$CA" --org "$ORG" 2>/dev/null; check_eq "fees without --year: usage" 2 $?
set -e
finish
