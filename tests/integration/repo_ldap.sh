#!/usr/bin/env bash
# repo_ldap.sh - publication to LDAP (CPS §2.5, App. C I; issue 4): Debian's slapd started
# by scripts/slapd.sh on a free loopback port, `gcert ca serve --ldap`, read back with
# ldapsearch and compared byte for byte with the database. slapd is killed mid-run:
# updates wait in the outbox and arrive, all and in order, when it returns.
source "$(dirname "$0")/lib.sh"

CA=$T/ca
LDIR=$T/slapd
BASE="o=Hongkong Post,c=HK"
new_ca "$CA"
# a free port may be taken by someone else before slapd binds it: try a few
for attempt in 1 2 3 4 5; do
  PORT=$(free_port)
  "$GCERT_SRC/scripts/slapd.sh" start "$LDIR" "$PORT" "$CA" 2>"$T/slapd.err" && break
done
check "slapd starts" "$GCERT_SRC/scripts/slapd.sh" status "$LDIR"
LURI=ldap://127.0.0.1:$PORT
at_exit "'$GCERT_SRC/scripts/slapd.sh' stop '$LDIR'"
check_eq "publisher password is the owner's alone" "600" "$(stat -c %a "$CA/ldap/publisher.pw")"
start_serve "$CA" --ldap "$LURI"

outbox() { sql "$CA" "SELECT count(*) FROM ldap_outbox"; }
outbox_empty() { [[ "$(outbox)" == 0 ]]; }
# attr_hex DN ATTR: the value of one binary attribute, read anonymously with a base search
attr_hex() {
  ldapsearch -x -LLL -o ldif-wrap=no -H "$LURI" -s base -b "$1" "$2" 2>/dev/null |
    sed -n "s/^$2:: //p" | base64 -d | od -An -v -tx1 | tr -d ' \n'
}
attr_is() { [[ "$(attr_hex "$1" "$2")" == "$3" ]]; }
# sql_is QUERY EXPECTED: for wait_for (the query runs at each poll)
sql_is() { [[ "$(sql "$CA" "$1")" == "$2" ]]; }

# -- CA certificates (queued by the migration) on their entries
check "outbox drains" wait_for 15 outbox_empty
for role in root issuing; do
  cn=$(sql "$CA" "SELECT subject_cn FROM ca_certs WHERE role='$role'")
  check_eq "cACertificate;binary of $cn" "$(sqlhex "$CA" "SELECT der FROM ca_certs WHERE role='$role'")" \
    "$(attr_hex "cn=$cn,$BASE" 'cACertificate;binary')"
done

# -- a certificate issued while serving is published on uid=<serial>,ou=g-Cert
make_csr "$T/k1.pem" "$T/c1.csr"
make_request "$T/r1.json" req-ldap-1 individual 2 "$T/c1.csr"
"$GCERT" issue --dir "$CA" --request "$T/r1.json" --out "$T/c1.pem" >/dev/null
s1=$(sql "$CA" "SELECT serial FROM certificates WHERE request_id='req-ldap-1'")
der1=$(sqlhex "$CA" "SELECT der FROM certificates WHERE serial='$s1'")
check "certificate 1 published" wait_for 5 attr_is "uid=$s1,ou=g-Cert,$BASE" 'userCertificate;binary' "$der1"
entry=$(ldapsearch -x -LLL -H "$LURI" -s base -b "uid=$s1,ou=g-Cert,$BASE" cn mail sn)
check_contains "entry has the holder's name" "cn: CHAN Tai Man David" "$entry"
check_contains "entry has the surname" "sn: CHAN" "$entry"
check_contains "entry has the email" "mail: tmchan@example.gov.hk" "$entry"

# -- the full CRL on the App. C I entry, the partitioned CRL, the ARL on the root's entry
CRL1_DN="cn=Hongkong Post e-Cert CA 2 - 17 CRL1,$BASE"
make_crl "$T/crl1.v1"; publish_file "$T/crl1.v1" "$CA" eCertCA2-17CRL1.crl
make_crl "$T/crl2.v1"; publish_file "$T/crl2.v1" "$CA" eCertCA2-17CRL2.crl
make_crl "$T/arl.v1"; publish_file "$T/arl.v1" "$CA" RootCA2ARL.crl
check "full CRL published" wait_for 5 attr_is "$CRL1_DN" 'certificateRevocationList;binary' "$(hexof "$T/crl1.v1")"
check "partitioned CRL published" wait_for 5 attr_is "cn=Hongkong Post e-Cert CA 2 - 17 CRL2,$BASE" \
  'certificateRevocationList;binary' "$(hexof "$T/crl2.v1")"
check "ARL published" wait_for 5 attr_is "cn=Hongkong Post Root CA 2,$BASE" \
  'authorityRevocationList;binary' "$(hexof "$T/arl.v1")"
check_eq "root entry keeps its certificate" "$(sqlhex "$CA" "SELECT der FROM ca_certs WHERE role='root'")" \
  "$(attr_hex "cn=Hongkong Post Root CA 2,$BASE" 'cACertificate;binary')"
check "CRL queued once (after the key ceremony's), audited" wait_for 5 sql_is "SELECT count(*) FROM audit_log WHERE event='repo.file_queued' AND object='eCertCA2-17CRL1.crl'" 2
# a file that is not a CRL is refused (audited), not published
echo "not a CRL" >"$T/junk"; publish_file "$T/junk" "$CA" eCertCA2-17CRL2.crl
check "junk refused and audited" wait_for 5 sql_is "SELECT count(*) FROM audit_log WHERE event='repo.file_rejected'" 1
publish_file "$T/crl2.v1" "$CA" eCertCA2-17CRL2.crl

# -- slapd dies; updates wait in order and all arrive when it returns
check "outbox drains before the outage" wait_for 10 outbox_empty
kill -KILL "$(cat "$LDIR/slapd.pid")"
sleep 0.3
published_before=$(sql "$CA" "SELECT max(id) FROM audit_log")
serials=()
for i in 2 3 4; do
  make_csr "$T/k$i.pem" "$T/c$i.csr"
  make_request "$T/r$i.json" "req-ldap-$i" functional_unit 1 "$T/c$i.csr" \
    "r['subject']['name'] = 'Records Unit $i'" "r['subject']['email'] = 'unit$i@example.gov.hk'"
  "$GCERT" issue --dir "$CA" --request "$T/r$i.json" --out "$T/c$i.pem" >/dev/null
  serials+=("$(sql "$CA" "SELECT serial FROM certificates WHERE request_id='req-ldap-$i'")")
done
make_crl "$T/crl1.v2"; publish_file "$T/crl1.v2" "$CA" eCertCA2-17CRL1.crl
check "v2 queued" wait_for 5 sql_is "SELECT count(*) FROM ldap_outbox WHERE kind='file'" 1
make_crl "$T/crl1.v3"; publish_file "$T/crl1.v3" "$CA" eCertCA2-17CRL1.crl
check "v3 queued behind it" wait_for 5 sql_is "SELECT count(*) FROM ldap_outbox WHERE kind='file'" 2
check_eq "5 updates wait in the outbox" "5" "$(outbox)"
check "the publisher tried and noted the failure" wait_for 10 \
  sql_is "SELECT CAST(attempts > 0 AND last_error IS NOT NULL AS INTEGER) FROM ldap_outbox ORDER BY id LIMIT 1" 1
check_contains "the failure is recorded with its code" "GC_E_LDAP" \
  "$(sql "$CA" "SELECT last_error FROM ldap_outbox ORDER BY id LIMIT 1")"
check "gcert ca serve still runs" kill -0 "$SERVE_PID"
check "slapd restarts on its data" "$GCERT_SRC/scripts/slapd.sh" start "$LDIR" "$PORT" "$CA"
check "outbox drains after the outage" wait_for 20 outbox_empty
for s in "${serials[@]}"; do
  check_eq "certificate $s published after the outage" \
    "$(sqlhex "$CA" "SELECT der FROM certificates WHERE serial='$s'")" \
    "$(attr_hex "uid=$s,ou=g-Cert,$BASE" 'userCertificate;binary')"
done
check_eq "full CRL is the last version (v3)" "$(hexof "$T/crl1.v3")" \
  "$(attr_hex "$CRL1_DN" 'certificateRevocationList;binary')"
check_eq "certificate 1 survived the kill" "$der1" "$(attr_hex "uid=$s1,ou=g-Cert,$BASE" 'userCertificate;binary')"
# applied in the order queued: the audit trail of the publisher after the outage
order=$(sql "$CA" "SELECT group_concat(object, ' ') FROM (SELECT object FROM audit_log WHERE
  id > $published_before AND event = 'repo.ldap_published' ORDER BY id) AS t")
check_eq "applied in order, nothing lost" \
  "${serials[0]} ${serials[1]} ${serials[2]} eCertCA2-17CRL1.crl eCertCA2-17CRL1.crl" "$order"

# -- anonymous clients read a named entry but cannot enumerate subscribers (CPS §2.7)
check_contains "anonymous base read of a known entry" "uid: $s1" \
  "$(ldapsearch -x -LLL -H "$LURI" -s base -b "uid=$s1,ou=g-Cert,$BASE" uid)"
for scope in one sub; do
  for b in "ou=g-Cert,$BASE" "$BASE"; do
    out=$(ldapsearch -x -LLL -H "$LURI" -s $scope -b "$b" '(objectClass=*)' dn 2>&1 || true)
    [[ "$out" != *"uid="* ]] && pass || fail "anonymous $scope search under $b lists subscribers: $out"
  done
done
out=$(ldapsearch -x -LLL -H "$LURI" -s sub -b "$BASE" '(mail=*)' dn 2>&1 || true)
[[ "$out" != *"uid="* ]] && pass || fail "anonymous (mail=*) lists subscribers"
out=$(ldapsearch -x -LLL -H "$LURI" -s sub -b "" '(uid=*)' dn 2>&1 || true)
[[ "$out" != *"uid="* ]] && pass || fail "anonymous search from the root lists subscribers"
# the publisher, bound, sees all: the entries really are there
n=$(ldapsearch -x -LLL -H "$LURI" -D "cn=publisher,$BASE" -y "$CA/ldap/publisher.pw" -b "ou=g-Cert,$BASE" \
  -s one '(objectClass=pkiUser)' dn | grep -c '^dn:')
check_eq "4 subscriber entries exist" "4" "$n"
printf 'dn: uid=%s,ou=g-Cert,%s\nchangetype: delete\n' "$s1" "$BASE" >"$T/del.ldif"
ldapmodify -x -H "$LURI" -f "$T/del.ldif" >/dev/null 2>&1 && fail "anonymous delete accepted" || pass

# -- certificates issued while the service is down wait for it; a restart republishes
# nothing it already published
check "stop" stop_serve
make_csr "$T/k5.pem" "$T/c5.csr"
make_request "$T/r5.json" req-ldap-5 individual 3 "$T/c5.csr" "r['subject']['name'] = 'WONG Siu Ming'"
"$GCERT" issue --dir "$CA" --request "$T/r5.json" --out "$T/c5.pem" >/dev/null
s5=$(sql "$CA" "SELECT serial FROM certificates WHERE request_id='req-ldap-5'")
check_eq "issued while down: queued" "1" "$(outbox)"
start_serve "$CA" --ldap "$LURI"
check "published when the service returns" wait_for 10 attr_is "uid=$s5,ou=g-Cert,$BASE" \
  'userCertificate;binary' "$(sqlhex "$CA" "SELECT der FROM certificates WHERE serial='$s5'")"
sleep 1
check_eq "restart queues nothing again" "0" "$(outbox)"
check_eq "CRL queued 4 times in all (the ceremony's, v1..v3)" "4" \
  "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='repo.file_queued' AND object='eCertCA2-17CRL1.crl'")"
check_eq "each certificate published once" "0" "$(sql "$CA" "SELECT count(*) FROM (SELECT object FROM audit_log
  WHERE event='repo.ldap_published' GROUP BY object HAVING count(*) > 1 AND object NOT LIKE '%.crl') AS t")"
check "stop again" stop_serve

# -- a directory rebuilt from nothing gets everything back: gcert repo republish
check "slapd stops" "$GCERT_SRC/scripts/slapd.sh" stop "$LDIR"
rm -rf "$LDIR/data"
check "slapd starts empty" "$GCERT_SRC/scripts/slapd.sh" start "$LDIR" "$PORT" "$CA"
check_eq "empty: certificate 1 gone" "" "$(attr_hex "uid=$s1,ou=g-Cert,$BASE" 'userCertificate;binary')"
out=$("$GCERT" repo republish --dir "$CA")
check_contains "republish counts CA and issued certificates" "queued 7 certificates" "$out"
start_serve "$CA" --ldap "$LURI"
check "republished" wait_for 15 outbox_empty
check_eq "certificate 1 back" "$der1" "$(attr_hex "uid=$s1,ou=g-Cert,$BASE" 'userCertificate;binary')"
check_eq "full CRL back (v3)" "$(hexof "$T/crl1.v3")" "$(attr_hex "$CRL1_DN" 'certificateRevocationList;binary')"
check_eq "ARL back" "$(hexof "$T/arl.v1")" \
  "$(attr_hex "cn=Hongkong Post Root CA 2,$BASE" 'authorityRevocationList;binary')"
check_eq "republish audited" "1" "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='repo.republish'")"
check "stop after republish" stop_serve
check "slapd stops" "$GCERT_SRC/scripts/slapd.sh" stop "$LDIR"
finish
