#!/usr/bin/env bash
# repo_ldap_sync.sh - the repository's directory at the recovery site (CPS §4.8.1, issue 14):
# a second slapd follows the first as a syncrepl consumer (scripts/slapd.sh
# start-consumer). The consumer is stopped; certificates are issued and one revoked, a
# CRL made, all published to the provider; the consumer is started again and catches up
# to the same entries, attribute for attribute. Read-only: the publisher cannot bind to it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/common.sh"

CA=$T/ca BASE="o=Hongkong Post,c=HK"
new_ca "$CA"
start_slapd() { # VAR DIR start|start-consumer [args]: on a free port (tried a few times); VAR=port
  local var=$1 d=$2 how=$3 port attempt; shift 3
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    "$GCERT_SRC/scripts/slapd.sh" "$how" "$d" "$port" "$@" 2>"$T/slapd.err" && break
  done
  at_exit "'$GCERT_SRC/scripts/slapd.sh' stop '$d'"
  printf -v "$var" '%s' "$port"
}
start_slapd PPORT "$T/provider" start "$CA"
check "the provider starts" "$GCERT_SRC/scripts/slapd.sh" status "$T/provider"
PROV=ldap://127.0.0.1:$PPORT
start_slapd CPORT "$T/consumer" start-consumer "$PROV" "$CA/ldap/publisher.pw"
check "the consumer starts" "$GCERT_SRC/scripts/slapd.sh" status "$T/consumer"
CONS=ldap://127.0.0.1:$CPORT
check "the consumer's configuration is its owner's alone (it holds the password)" \
  test "$(stat -c %a "$T/consumer/slapd.conf")" = 600
start_serve "$CA" --ldap "$PROV"

# the provider's entries (as the publisher, who may list them), one DN a line
dns() {
  ldapsearch -x -LLL -o ldif-wrap=no -H "$PROV" -D "cn=publisher,$BASE" -y "$CA/ldap/publisher.pw" \
    -b "$BASE" -s sub '(objectClass=*)' dn | sed -n 's/^dn: //p' | LC_ALL=C sort
}
# one entry as anyone reads it (base scope), its attributes sorted, operational ones too
entry() { # URI DN
  ldapsearch -x -LLL -o ldif-wrap=no -H "$1" -s base -b "$2" '*' entryCSN entryUUID 2>/dev/null | LC_ALL=C sort
}
same_entries() { # every entry of the provider reads the same on the consumer
  local dn
  [[ -n $(dns) ]] || return 1
  while read -r dn; do
    [[ $dn == "$BASE" || $dn == "ou=g-Cert,$BASE" ]] && continue # not readable anonymously (§2.7)
    [[ "$(entry "$PROV" "$dn")" == "$(entry "$CONS" "$dn")" ]] || return 1
  done < <(dns)
}
outbox_empty() { [[ "$(sql "$CA" "SELECT count(*) FROM ldap_outbox")" == 0 ]]; }
published() { # SERIAL: its entry on the provider
  [[ -n "$(ldapsearch -x -LLL -H "$PROV" -s base -b "uid=$1,ou=g-Cert,$BASE" uid 2>/dev/null)" ]]
}

issue_cert "$CA" s1; S1=$SERIAL
check "s1 published on the provider" wait_for 30 published "$S1"
check "the consumer has the same entries" wait_for 60 same_entries
check_contains "s1 on the consumer" "uid: $S1" "$(entry "$CONS" "uid=$S1,ou=g-Cert,$BASE")"

# the consumer away: issue, revoke, a CRL
"$GCERT_SRC/scripts/slapd.sh" stop "$T/consumer"
check "the consumer is stopped" bash -c "! '$GCERT_SRC/scripts/slapd.sh' status '$T/consumer'"
issue_cert "$CA" s2; S2=$SERIAL
issue_cert "$CA" s3; S3=$SERIAL
"$GCERT" revoke --dir "$CA" --serial "$S1" --reason keyCompromise >/dev/null
"$GCERT" crl issue --dir "$CA" >/dev/null
check "published to the provider" wait_for 30 bash -c "$(declare -f published outbox_empty sql db_url); BASE='$BASE' PROV='$PROV' CA='$CA' PY='$PY'; published $S2 && published $S3 && outbox_empty"
crl_dn="cn=Hongkong Post e-Cert CA 2 - 17 CRL1,$BASE"
crl_hex() { ldapsearch -x -LLL -o ldif-wrap=no -H "$1" -s base -b "$crl_dn" 'certificateRevocationList;binary' 2>/dev/null |
  sed -n 's/^certificateRevocationList;binary:: //p' | base64 -d 2>/dev/null | od -An -v -tx1 | tr -d ' \n'; }
# The CRL reaches the outbox by the file poller, after `crl issue` wrote it, so an empty
# outbox does not yet mean the new CRL is out: wait for its bytes on the provider.
last_crl() { sqlhex "$CA" "SELECT der FROM crls WHERE kind = 'full' ORDER BY id DESC LIMIT 1"; }
new_crl_on() { [[ "$(crl_hex "$1")" == "$(last_crl)" ]]; }
check "the provider has the new CRL" wait_for 30 new_crl_on "$PROV"
check "the consumer, stopped, has not: s2 absent" test -z "$(ldapsearch -x -LLL -H "$CONS" -s base -b "uid=$S2,ou=g-Cert,$BASE" uid 2>/dev/null)"

# started again: it catches up
start_slapd CPORT2 "$T/consumer" start-consumer "$PROV" "$CA/ldap/publisher.pw"
CONS=ldap://127.0.0.1:$CPORT2
check "the consumer catches up to the same entries" wait_for 60 same_entries
for s in "$S2" "$S3"; do
  check_contains "$s on the consumer" "uid: $s" "$(entry "$CONS" "uid=$s,ou=g-Cert,$BASE")"
done
check_eq "the consumer's full CRL is the provider's, byte for byte" "$(crl_hex "$PROV")" "$(crl_hex "$CONS")"
check_eq "...and the CRL the CA made" "$(last_crl)" "$(crl_hex "$CONS")"
check_eq "as many entries as the provider (less the two containers, not readable anonymously)" "$(($(dns | wc -l) - 2))" \
  "$(dns | while read -r dn; do entry "$CONS" "$dn" | grep -c '^dn: ' || true; done | awk '{s+=$1} END {print s}')"

# read-only: the publisher cannot bind, nobody writes
printf 'dn: uid=%s,ou=g-Cert,%s\nchangetype: delete\n' "$S2" "$BASE" >"$T/del.ldif"
check "the publisher cannot write to the consumer" bash -c \
  "! ldapmodify -x -H '$CONS' -D 'cn=publisher,$BASE' -y '$CA/ldap/publisher.pw' -f '$T/del.ldif' >/dev/null 2>&1"
check "an anonymous write is refused" bash -c "! ldapmodify -x -H '$CONS' -f '$T/del.ldif' >/dev/null 2>&1"
check "s2 still there" test -n "$(entry "$CONS" "uid=$S2,ou=g-Cert,$BASE")"
# bad input
expect_status "start-consumer: a provider that is no ldap:// URI" 1 \
  "$GCERT_SRC/scripts/slapd.sh" start-consumer "$T/bad" "$(free_port)" "http://x" "$CA/ldap/publisher.pw"
check "nothing started for it" test ! -e "$T/bad/slapd.pid"
stop_serve
finish
