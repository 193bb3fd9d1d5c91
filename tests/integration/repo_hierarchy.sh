#!/usr/bin/env bash
# repo_hierarchy.sh - issue 16: the repository serves every CA it has had. A CA is
# verifiable from its first certificate (the key ceremony publishes the first ARL and
# CRLs); after `ca changeover`, `ca new-root` and `ca compromise` + `ca reissue` (each
# publishing the first CRLs of the CA it makes), the HTTP repository and the LDAP
# directory serve every CA certificate (current, replaced, links) and every CA's CRLs
# under stable names listed on the index page. Fetched over HTTP, they let a relying party
# holding only the old root verify a leaf of the new hierarchy through the link with
# `openssl verify -crl_check_all`, and one holding only the new root an old leaf; GnuTLS
# and NSS cross-check.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/common.sh"

CA=$T/ca
BASE="o=Hongkong Post,c=HK"
new_ca "$CA"

# ---- a new user: ca init, one issue, one crl issue, verify (no `arl issue`) ----
issue_cert "$CA" alice; A=$SERIAL
"$GCERT" crl issue --dir "$CA" >/dev/null
check "a new CA's first certificate verifies" "$GCERT" verify --dir "$CA" "$T/alice.pem"
check_eq "the ceremony's ARL is there without arl issue" 1 \
  "$(sql "$CA" "SELECT count(*) FROM crls WHERE kind = 'arl'")"

# ---- the service: HTTP and LDAP ----
LDIR=$T/slapd
for attempt in 1 2 3 4 5; do
  LPORT=$(free_port)
  "$GCERT_SRC/scripts/slapd.sh" start "$LDIR" "$LPORT" "$CA" 2>"$T/slapd.err" && break
done
check "slapd starts" "$GCERT_SRC/scripts/slapd.sh" status "$LDIR"
LURI=ldap://127.0.0.1:$LPORT
at_exit "'$GCERT_SRC/scripts/slapd.sh' stop '$LDIR'"
start_serve "$CA" --ldap "$LURI"

# ---- each ceremony publishes the first CRLs of the CA it makes ----
R=$CA/repo/crl
"$GCERT" ca changeover --dir "$CA" --issuing-name "Hongkong Post e-Cert CA 2 - 23" >/dev/null
check "changeover: the new CA's CRLs published at once" test -f "$R/eCertCA2-23CRL1.crl" -a -f "$R/eCertCA2-23CRL2.crl"
issue_cert "$CA" bob; B=$SERIAL
"$GCERT" ca new-root --dir "$CA" --root-name "Hongkong Post Root CA 3" \
  --issuing-name "Hongkong Post e-Cert CA 3 - 26" >/dev/null
check "new-root: the new root's ARL published at once" test -f "$R/RootCA3ARL.crl"
check "new-root: its issuing CA's CRLs too" test -f "$R/eCertCA3-26CRL1.crl" -a -f "$R/eCertCA3-26CRL2.crl"
issue_cert "$CA" carol; C=$SERIAL
"$GCERT" ca compromise --dir "$CA" --confirm >/dev/null
$PY - "$CA/gcert.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["issuing"].update(cn="Hongkong Post e-Cert CA 3 - 27", key_label="ecert-ca-3-27")
c["profile"]["crl_dp"] = "http://crl1.eCert.gov.hk/crl/eCertCA3-27CRL2.crl"
c["profile"]["full_crl_url"] = "http://crl1.eCert.gov.hk/crl/eCertCA3-27CRL1.crl"
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
"$GCERT" ca reissue --dir "$CA" >/dev/null
check "reissue: the new CA's CRLs published at once" test -f "$R/eCertCA3-27CRL1.crl" -a -f "$R/eCertCA3-27CRL2.crl"
issue_cert "$CA" dave; D=$SERIAL
"$GCERT" revoke --dir "$CA" --serial "$B" --reason 1 >/dev/null
"$GCERT" crl issue --dir "$CA" >/dev/null

# ---- the index lists every CA certificate and every CRL series ----
get() { curl -s -o "$1" -w '%{http_code}' "$2"; }
check_eq "index page" 200 "$(get "$T/index.html" "$URL")"
ncas=$(sql "$CA" "SELECT (SELECT count(*) FROM ca_certs) + (SELECT count(*) FROM ca_links)")
check_eq "eight CA certificates: 2 roots, 4 issuing CAs, 2 links" 8 "$ncas"
mapfile -t certs < <(grep -o 'href="/certs/[^"]*\.pem"' "$T/index.html" | sed 's|href="/certs/||; s|"$||' |
  grep -v -e '^root\.pem$' -e '^issuing-ca\.pem$' | sort -u)
check_eq "every CA certificate listed under its stable name" \
  "ecert-ca-2-17.pem ecert-ca-2-23.pem ecert-ca-3-26.pem ecert-ca-3-27.pem link-root-ca-2-signs-root-ca-3.pem link-root-ca-3-signs-root-ca-2.pem root-ca-2.pem root-ca-3.pem" \
  "${certs[*]}"
mapfile -t crls < <(grep -o 'href="/crl/[^"]*"' "$T/index.html" | sed 's|href="/crl/||; s|"$||' | sort -u)
check_eq "every CRL series listed" \
  "RootCA2ARL.crl RootCA3ARL.crl eCertCA2-17CRL1.crl eCertCA2-17CRL2.crl eCertCA2-23CRL1.crl eCertCA2-23CRL2.crl eCertCA3-26CRL1.crl eCertCA3-26CRL2.crl eCertCA3-27CRL1.crl eCertCA3-27CRL2.crl" \
  "${crls[*]}"
check_eq "each CRL listed with thisUpdate and nextUpdate" 10 "$(grep -c 'data-h="nextUpdate" class="nw">20' "$T/index.html")"
fp=$(sqlhex "$CA" "SELECT der FROM ca_certs WHERE key_label = 'root-ca-3'" | xxd -r -p |
  openssl x509 -inform DER -noout -fingerprint -sha256 | cut -d= -f2)
check_contains "the new root's SHA-256 fingerprint on the index" "$fp" "$(cat "$T/index.html")"
check_contains "the compromised CA marked revoked" "ecert-ca-3-26</strong><br>issuing CA <span class=\"badge revoked\">" \
  "$(cat "$T/index.html")"

# fetch everything over HTTP; the bytes are the database's and the files'
H=$T/http; mkdir -p "$H"
for f in "${certs[@]}"; do
  check_eq "GET /certs/$f" 200 "$(get "$H/$f" "${URL}certs/$f")"
  check_eq "GET /certs/${f%.pem}.crt" 200 "$(get "$H/${f%.pem}.crt" "${URL}certs/${f%.pem}.crt")"
  check "the PEM and DER of ${f%.pem} are one certificate" cmp <(openssl x509 -in "$H/$f" -outform DER) "$H/${f%.pem}.crt"
done
for f in "${crls[@]}"; do
  check_eq "GET /crl/$f" 200 "$(get "$H/$f" "${URL}crl/$f")"
  check "/crl/$f is the published file" cmp "$H/$f" "$R/$f"
  to_pem "$H/$f" "$H/${f%.crl}.pem.crl"
done
check_eq "a name that is no CRL series: 404" 404 "$(get "$T/x" "${URL}crl/eCertCA9-99CRL1.crl")"
check_eq "a path is never a name: 404" 404 "$(get "$T/x" "${URL}crl/..%2Fgcert.db")"
check_eq "an unknown CA certificate: 404" 404 "$(get "$T/x" "${URL}certs/root-ca-9.pem")"
check_eq "root.pem is the current root" "$(openssl x509 -in "$H/root-ca-3.pem" -noout -fingerprint)" \
  "$(curl -s "${URL}certs/root.pem" | openssl x509 -noout -fingerprint)"

# ---- the ARLs' AKI: the key alone once a link certifies it (docs/revocation.md) ----
for r in RootCA2ARL RootCA3ARL; do
  t=$(openssl crl -in "$H/$r.pem.crl" -noout -text)
  check_contains "$r: has an AKI" "X509v3 Authority Key Identifier" "$t"
  [[ "$t" != *"DirName"* && "$t" != *"serial:"* ]] && pass || fail "$r: AKI names issuer and serial: $t"
done
check "gcert lint: the new root's ARL against the CA" "$GCERT" lint --dir "$CA" "$R/RootCA3ARL.crl"
check "gcert lint: the old root's ARL" "$GCERT" lint "$R/RootCA2ARL.crl"

# ---- relying parties, with only what the repository served ----
cat "$H"/*.pem.crl >"$H/crls.pem"
OLDROOT=$H/root-ca-2.pem NEWROOT=$H/root-ca-3.pem
cat "$H/ecert-ca-3-27.pem" "$H/link-root-ca-2-signs-root-ca-3.pem" >"$H/up-old.pem"
check "openssl -crl_check_all: dave (new hierarchy) for a party holding only the old root" \
  openssl verify -crl_check_all -CAfile "$OLDROOT" -untrusted "$H/up-old.pem" -CRLfile "$H/crls.pem" "$T/dave.pem"
check "openssl -crl_check_all: dave for a party holding the new root" \
  openssl verify -crl_check_all -CAfile "$NEWROOT" -untrusted "$H/ecert-ca-3-27.pem" -CRLfile "$H/crls.pem" "$T/dave.pem"
cat "$H/ecert-ca-2-17.pem" "$H/link-root-ca-3-signs-root-ca-2.pem" >"$H/up-new.pem"
check "openssl -crl_check_all: alice (old hierarchy) for a party holding only the new root" \
  openssl verify -crl_check_all -CAfile "$NEWROOT" -untrusted "$H/up-new.pem" -CRLfile "$H/crls.pem" "$T/alice.pem"
set +e
o=$(openssl verify -crl_check_all -CAfile "$OLDROOT" -untrusted "$H/ecert-ca-2-23.pem" -CRLfile "$H/crls.pem" "$T/bob.pem" 2>&1)
set -e
check_contains "openssl: bob (revoked under the replaced CA 2 - 23) is revoked" "certificate revoked" "$o"
cat "$H/ecert-ca-3-26.pem" "$H/link-root-ca-2-signs-root-ca-3.pem" >"$H/up-comp.pem"
set +e
o=$(openssl verify -crl_check_all -CAfile "$OLDROOT" -untrusted "$H/up-comp.pem" -CRLfile "$H/crls.pem" "$T/carol.pem" 2>&1)
set -e
check_contains "openssl: carol under the compromised CA: revoked" "certificate revoked" "$o"

# GnuTLS: every CRL and ARL verifies under its issuer; the chains with revocation
for f in "${crls[@]}"; do
  case $f in
    RootCA2ARL.crl) ca=$OLDROOT ;; RootCA3ARL.crl) ca=$NEWROOT ;;
    eCertCA2-17*) ca=$H/ecert-ca-2-17.pem ;; eCertCA2-23*) ca=$H/ecert-ca-2-23.pem ;;
    eCertCA3-26*) ca=$H/ecert-ca-3-26.pem ;; *) ca=$H/ecert-ca-3-27.pem ;;
  esac
  check "certtool --verify-crl $f" certtool --verify-crl --load-ca-certificate "$ca" --infile "$H/${f%.crl}.pem.crl"
done
cat "$T/dave.pem" "$H/ecert-ca-3-27.pem" "$H/link-root-ca-2-signs-root-ca-3.pem" >"$H/dave-chain.pem"
check "certtool --verify: dave through the link to the old root, with the CRL and the ARL" \
  certtool --verify --load-ca-certificate "$OLDROOT" --load-crl "$H/crls.pem" --infile "$H/dave-chain.pem"
cat "$T/carol.pem" "$H/ecert-ca-3-26.pem" "$H/link-root-ca-2-signs-root-ca-3.pem" >"$H/carol-chain.pem"
o=$(certtool --verify --load-ca-certificate "$OLDROOT" --load-crl "$H/crls.pem" --infile "$H/carol-chain.pem" 2>&1 || true)
check_contains "certtool: carol's chain is revoked" "revoked" "$o"

# NSS: trusts only the old root, has the link and the CAs; imports the full CRLs (it
# refuses any CRL with a critical IDP, hence not the ARLs: docs/revocation.md)
N=$T/nss; mkdir -p "$N"
certutil -N -d "sql:$N" --empty-password
certutil -A -d "sql:$N" -n old-root -t "C,C,C" -i "$OLDROOT"
certutil -A -d "sql:$N" -n link -t ",," -i "$H/link-root-ca-2-signs-root-ca-3.pem"
for c in ecert-ca-3-27 ecert-ca-2-23; do certutil -A -d "sql:$N" -n "$c" -t ",," -i "$H/$c.pem"; done
check "crlutil imports the new CA's full CRL" crlutil -I -d "sql:$N" -i "$H/eCertCA3-27CRL1.crl"
check "crlutil imports the replaced CA's full CRL" crlutil -I -d "sql:$N" -i "$H/eCertCA2-23CRL1.crl"
o=$(crlutil -I -d "sql:$N" -i "$H/RootCA3ARL.crl" 2>&1 || true)
check_contains "crlutil refuses the ARL (critical IDP, NSS 3.87)" "SEC_ERROR_CRL_UNKNOWN_CRITICAL_EXTENSION" "$o"
o=$(vfychain -d "sql:$N" -pp -g leaf -m crl -s requireFreshInfo -u 4 -a "$T/dave.pem" 2>&1 || true)
check_contains "NSS vfychain: dave good through the link to the old root" "Chain is good!" "$o"
o=$(vfychain -d "sql:$N" -pp -g leaf -m crl -s requireFreshInfo -u 4 -a "$T/bob.pem" 2>&1 || true)
check_contains "NSS vfychain: bob revoked" "ERROR -8180" "$o"

# ---- LDAP: every CA entry with every certificate issued to it, every CA's CRLs ----
attr_count() { # DN ATTR: how many values
  ldapsearch -x -LLL -o ldif-wrap=no -H "$LURI" -s base -b "$1" "$2" 2>/dev/null | grep -c "^$2:: " || true
}
attr_vals_hex() { # DN ATTR: each value's hex, sorted
  ldapsearch -x -LLL -o ldif-wrap=no -H "$LURI" -s base -b "$1" "$2" 2>/dev/null |
    sed -n "s/^$2:: //p" | while read -r v; do base64 -d <<<"$v" | od -An -v -tx1 | tr -d ' \n'; echo; done | sort
}
outbox_empty() { [[ "$(sql "$CA" "SELECT count(*) FROM ldap_outbox")" == 0 ]]; }
# every CRL file has been queued and applied
all_queued() {
  [[ "$(sql "$CA" "SELECT count(DISTINCT object) FROM audit_log WHERE event = 'repo.ldap_published' AND object LIKE '%.crl'")" == 10 ]]
}
check "every CRL series reaches the directory" wait_for 30 all_queued
check "the outbox drains" wait_for 30 outbox_empty
for cn in "Hongkong Post Root CA 2" "Hongkong Post Root CA 3"; do
  check_eq "$cn: its own certificate and the link to it" 2 "$(attr_count "cn=$cn,$BASE" 'cACertificate;binary')"
  check_eq "$cn: its ARL" 1 "$(attr_count "cn=$cn,$BASE" 'authorityRevocationList;binary')"
done
want=$( (openssl x509 -in "$H/root-ca-3.pem" -outform DER | od -An -v -tx1 | tr -d ' \n'; echo
         openssl x509 -in "$H/link-root-ca-2-signs-root-ca-3.pem" -outform DER | od -An -v -tx1 | tr -d ' \n'; echo) | sort)
check_eq "Root CA 3's entry holds exactly what HTTP serves" "$want" \
  "$(attr_vals_hex "cn=Hongkong Post Root CA 3,$BASE" 'cACertificate;binary')"
check_eq "the new root's ARL in LDAP is the file" "$(hexof "$R/RootCA3ARL.crl")" \
  "$(attr_vals_hex "cn=Hongkong Post Root CA 3,$BASE" 'authorityRevocationList;binary')"
for g in "2 - 17:2-17" "2 - 23:2-23" "3 - 26:3-26" "3 - 27:3-27"; do
  cn="Hongkong Post e-Cert CA ${g%%:*}" f=eCertCA${g##*:}
  check_eq "$cn: certificate in LDAP" 1 "$(attr_count "cn=$cn,$BASE" 'cACertificate;binary')"
  for k in 1 2; do
    check_eq "cn=$cn CRL$k is ${f}CRL$k.crl" "$(hexof "$R/${f}CRL$k.crl")" \
      "$(attr_vals_hex "cn=$cn CRL$k,$BASE" 'certificateRevocationList;binary')"
  done
done

check "audit trail verifies" "$GCERT" audit verify --dir "$CA"
check "SIGTERM stops the service" stop_serve
finish
