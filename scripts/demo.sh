#!/usr/bin/env bash
# demo.sh - on a fresh Debian 12 machine: installs what is missing, builds, creates a demo
# CA in ./demo-ca (SoftHSM2 token and SQLite inside it), issues one g-Cert of each type
# and shows them verifying in OpenSSL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh build
GCERT=$PWD/build/gcert
CA=$PWD/demo-ca
if [[ ! -d $CA ]]; then
  "$GCERT" ca init --dir "$CA"
else
  echo "using the existing demo CA in $CA"
fi
work=$CA/demo-requests
mkdir -p "$work"
"$GCERT" ca certs --dir "$CA" >"$work/chain.pem"
n=$(ls "$work" | grep -c '\.json$' || true)
issue() { # TYPE NAME EMAIL
  local id="demo-$((++n))"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$work/$id.key" -subj "/CN=ignored" \
    -out "$work/$id.csr" 2>/dev/null
  python3 - "$work/$id.json" "$id" "$1" "$2" "$3" "$work/$id.csr" <<'PY'
import json, sys
out, rid, ctype, name, email, csr = sys.argv[1:]
subject = {"name": name, "branch": "Infrastructure Division",
           "organisation": "Office of the Government Chief Information Officer",
           "branch_abbr": "INFRA", "branch_zh": "基礎設施科",
           "organisation_zh": "政府資訊科技總監辦公室",
           "category": "Civil Servant" if ctype == "individual" else "Functional Unit"}
if email:
    subject["email"] = email
json.dump({"id": rid, "type": "issue", "cert_type": ctype, "validity_years": 2,
           "subject": subject, "csr": open(csr).read()}, open(out, "w"), ensure_ascii=False)
PY
  "$GCERT" issue --dir "$CA" --request "$work/$id.json" --out "$work/$id.pem"
  openssl verify -CAfile "$work/chain.pem" -purpose smimesign "$work/$id.pem"
  openssl x509 -in "$work/$id.pem" -noout -subject -nameopt utf8,sep_comma_plus_space
}
echo
issue individual "CHAN Tai Man David" tmchan@example.gov.hk
echo
issue functional_unit "Registry Unit" ""
echo
"$GCERT" cert list --dir "$CA"
echo
echo "demo CA: $CA    try: $GCERT cert show --dir $CA SERIAL    ($GCERT --help lists every command)"
