#!/usr/bin/env bash
# demo.sh - on a fresh Debian 12 machine: installs what is missing, builds, creates a demo
# CA in ./demo-ca (SoftHSM2 token and SQLite inside it), issues one g-Cert of each type,
# shows them verifying in OpenSSL, then runs the CA service on localhost: the public
# repository over HTTP, the interface endpoint over HTTPS with mutual TLS and the CRL
# schedule (with supplementary CRLs after revocations), and the RA
# service (CMMP side) in ./demo-ra, linked to that CA and pinned at it, with demo users
# whose passwords are printed. The URLs are printed, the RA's over HTTPS with the path of
# the certificate the browser must trust; Ctrl-C (or SIGTERM) stops both.
# DEMO_NO_SERVE=1 stops after the certificates. No private key is left in a file: the
# CA's and RA's keys are in their tokens, and the demo subscribers' keys (made only for
# their CSRs) are destroyed once the CSRs are made.
#   HTTP_PORT=8080 IFACE_PORT=8443 RA_PORT=8090 scripts/demo.sh
#   DEMO_GCERT=build/gcert DEMO_DIR=/tmp/d scripts/demo.sh   (a built gcert; demo-ca, demo-ra in D)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n ${DEMO_GCERT:-} ]]; then
  GCERT=$(realpath "$DEMO_GCERT")
else
  bash scripts/deps.sh
  bash scripts/build.sh build
  GCERT=$PWD/build/gcert
fi
DEMO_DIR=$(realpath "${DEMO_DIR:-$PWD}")
CA=$DEMO_DIR/demo-ca
if [[ ! -d $CA ]]; then
  "$GCERT" ca init --dir "$CA"
else
  echo "using the existing demo CA in $CA"
fi
work=$CA/demo-requests
mkdir -p "$work"
"$GCERT" ca certs --dir "$CA" >"$work/chain.pem"
n=$(ls "$work" | grep -c '\.json$' || true)
# the demo subscribers' keys: only to make their CSRs, in a private place, then destroyed
keys=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$keys"' EXIT
trap 'exit 143' TERM INT
issue() { # TYPE NAME EMAIL
  local id="demo-$((++n))"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$keys/$id.key" -subj "/CN=ignored" \
    -out "$work/$id.csr" 2>/dev/null
  shred -u "$keys/$id.key"
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
[[ -n ${DEMO_NO_SERVE:-} ]] && exit 0
HTTP=127.0.0.1:${HTTP_PORT:-8080}
IFACE=127.0.0.1:${IFACE_PORT:-8443}
# a CRL in the repository, for the RA's use-time check (CPS §2.1.3 n)
"$GCERT" crl issue --dir "$CA" >/dev/null
echo
echo "starting the CA service:"
# --crl-schedule: CRLs at the App. C times, and a supplementary CRL within
# crl.supplementary_delay_seconds (300 by default) of any revocation, e.g. one approved in
# the RA; `gcert ca status --dir demo-ca` shows what waits
"$GCERT" ca serve --dir "$CA" --listen "$HTTP" --ldap none --interface-listen "$IFACE" --crl-schedule &
PIDS+=($!)
for _ in $(seq 100); do curl -fs -o /dev/null "http://$HTTP/" && break; sleep 0.1; done

# ---- the RA service (CMMP side): linked to the CA, pinned at it, demo users ----
RA=$DEMO_DIR/demo-ra
if [[ ! -d $RA ]]; then
  "$GCERT" ca service-cert --dir "$CA" --out "$work/ca-service.pem" 2>/dev/null || true
  "$GCERT" ca service-cert --dir "$CA" --tls --out "$work/ca-tls.pem" 2>/dev/null || true
  "$GCERT" ca certs --dir "$CA" --out-dir "$work/trust" >/dev/null 2>&1 || true
  "$GCERT" ra init --dir "$RA" --name cmmp --ca-url "https://$IFACE/interface" \
    --ca-tls-cert "$work/ca-tls.pem" --ca-service-cert "$work/ca-service.pem" \
    --ca-repo "http://$HTTP/" --ca-cert "$work/trust/issuing-ca.pem"
  "$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$RA/ra-service.pem"
  umask 077
  : >"$RA/demo-passwords.txt"
  adduser() { # USER ROLES NAME
    local pw
    pw=$(openssl rand -base64 12 | tr -d '/+=')
    printf '%s\n' "$pw" >"$RA/.pw"
    "$GCERT" ra user add --dir "$RA" --org OGCIO --username "$1" --roles "$2" --name "$3" \
      --email "$1@ogcio.example.gov.hk" --password-file "$RA/.pw" >/dev/null
    printf '%-8s %-18s %s\n' "$1" "$2" "$pw" >>"$RA/demo-passwords.txt"
  }
  adduser admin1 bd_admin "LEE Siu Ming"
  adduser req1 requester "CHAN Tai Man"
  adduser bm1 business_manager "WONG Mei Ling"
  adduser bm2 business_manager "HO Ka Wai"
  rm -f "$RA/.pw"
  umask 022
else
  echo "using the existing demo RA in $RA"
fi
echo
echo "demo RA users of OGCIO (user, role, password; also in $RA/demo-passwords.txt):"
cat "$RA/demo-passwords.txt"
echo
RA_URL=https://127.0.0.1:${RA_PORT:-8090}/
echo "starting the RA service over HTTPS (Ctrl-C stops both):"
"$GCERT" ra serve --dir "$RA" --listen "127.0.0.1:${RA_PORT:-8090}" &
PIDS+=($!)
for _ in $(seq 100); do curl -fs -o /dev/null --cacert "$RA/web-tls.pem" "$RA_URL" && break; sleep 0.1; done
echo
echo "open $RA_URL in a browser that trusts the RA's certificate $RA/web-tls.pem"
echo "  (its key is in the RA's token; self-signed for the demo, replace it with gcert ra tls-cert --import)"
echo "  Chromium/Chrome on Linux: certutil -d sql:\$HOME/.pki/nssdb -A -t P,, -n gcert-demo-ra -i $RA/web-tls.pem"
echo "  Firefox: Settings, Certificates, View Certificates, Servers, Import $RA/web-tls.pem"
echo "  curl: curl --cacert $RA/web-tls.pem ${RA_URL}api/orgs"
echo "the CA's interface endpoint's certificate (its key in the CA's token): $CA/token/tls.pem"
wait "${PIDS[@]}"
