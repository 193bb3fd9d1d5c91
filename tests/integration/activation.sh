#!/usr/bin/env bash
# activation.sh - M-of-N activation of the CA keys (CPS §6.2.2, §6.4): `ca init
# --custodians 3 --threshold 2` stores no PIN, only sealed shares; standalone signing
# commands refuse without shares and work with them; `gcert ca serve` serves the
# repository but refuses to sign (interface files, scheduled CRLs) until `gcert ca
# activate` hands it the PIN over its control socket; too few shares, a wrong passphrase,
# a repeated share and another CA's share are refused and audited and change nothing;
# `gcert ca deactivate` locks it again; `gcert ca status` tells which state it is in.
source "$(dirname "$0")/lib.sh"

PID=
trap '{ [[ -z "$PID" ]] || kill -TERM "$PID" 2>/dev/null; } || true; rm -rf "$T"' EXIT
export PA="alice's long passphrase 1" PB="bob's long passphrase 22" PC="carol's long passphrase 333"
S=$T/shares CA=$T/ca
new_ca "$CA" --custodians 3 --threshold 2 --custodian-names alice,bob,carol --share-dir "$S" \
  --passphrases env:PA,env:PB,env:PC
ID=$(sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p' "$CA/gcert.json" | head -1)
check_eq "activation id in gcert.json" 32 "${#ID}"
check "no PIN file: the PIN exists only as shares" test ! -e "$CA/token/user.pin"
check_eq "one owner-only share file per custodian" "600 600 600" \
  "$(stat -c %a "$S/activation-$ID-"{alice,bob,carol}.share | xargs)"
A=$S/activation-$ID-alice.share B=$S/activation-$ID-bob.share C=$S/activation-$ID-carol.share
set +e
"$GCERT" ca init --dir "$T/x" --custodians 3 --threshold 1 --share-dir "$T/xs" \
  --passphrases env:PA,env:PB,env:PC >/dev/null 2>&1
check_eq "threshold 1 refused" 2 $?
check "and nothing made" test ! -e "$T/x"

# standalone signing commands: refused with the ways named, or given the shares
make_csr "$T/k1.key" "$T/k1.csr"
make_request "$T/r1.json" r-1 individual 1 "$T/k1.csr"
out=$("$GCERT" issue --dir "$CA" --request "$T/r1.json" 2>&1); rc=$?
check_eq "issue without shares: exit 4" 4 "$rc"
check_contains "says why" "CA keys are not activated: 2 of 3 custodians must run gcert ca activate" "$out"
check_contains "names the other way" "--activation-shares" "$out"
check_eq "nothing issued" 0 "$(sql "$CA" "SELECT count(*) FROM certificates")"
out=$("$GCERT" crl issue --dir "$CA" --activation-shares "$A" --activation-passphrases env:PA 2>&1); rc=$?
check_eq "one share is not enough: exit 3" 3 "$rc"
check_contains "says how many" "1 custodian share(s) given; this CA needs 2 of its 3 custodians" "$out"
set -e
"$GCERT" ca service-cert --dir "$CA" --tls --out "$T/tls.pem" \
  --activation-shares "$A,$B" --activation-passphrases env:PA,env:PB
check_contains "standalone activation audited with the custodians" "custodians alice, bob (2 of 3" \
  "$(sql "$CA" "SELECT detail FROM audit_log WHERE event='ca.activated' ORDER BY id DESC LIMIT 1")"
"$GCERT" ca service-cert --dir "$CA" --out "$T/svc.pem" --activation-shares "$B,$C" \
  --activation-passphrases env:PB,env:PC

# an RA to send interface files
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ra.key" -out "$T/ra.pem" -days 365 \
  -subj "/O=OGCIO/CN=CMMP RA service" 2>/dev/null
"$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$T/ra.pem" >/dev/null
"$PY" - "$T/r1.json" "$T/batch.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
json.dump({"format": "gcert-interface/1", "batch_id": "act-1", "created": "2026-11-25T09:00:00Z",
           "requests": [r]}, open(sys.argv[2], "w"), ensure_ascii=False)
PY
openssl cms -sign -binary -nodetach -outform DER -in "$T/batch.json" -out "$T/batch.req" \
  -signer "$T/ra.pem" -inkey "$T/ra.key"
post() { # -> $CODE, body in $T/resp
  CODE=$(curl -s -o "$T/resp" -w '%{http_code}' --cacert "$T/tls.pem" --cert "$T/ra.pem" --key "$T/ra.key" \
    -H 'Content-Type: application/cms' --data-binary "@$T/batch.req" "https://127.0.0.1:$IPORT/interface" || true)
}

# the interface's TLS key is in the token: the endpoint is not served before activation,
# so it gets a fixed port, where it appears once activated
IPORT=$(free_port)
"$GCERT" ca serve --dir "$CA" --listen 127.0.0.1:0 --ldap none --interface-listen 127.0.0.1:$IPORT \
  --crl-schedule >"$T/serve.out" 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q "serving" "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/serve.out" | head -1)
check_contains "the service says it is locked" "CA keys NOT activated" "$(cat "$T/serve.out")"
check_eq "control socket owner-only" "700 600" "$(stat -c %a "$CA/run" "$CA/run/control.sock" | xargs)"
check "the repository is served while locked" curl -sf "http://127.0.0.1:$PORT/" -o /dev/null
set +e
out=$("$GCERT" ca serve --dir "$CA" --listen 127.0.0.1:0 --ldap none 2>&1); rc=$?
set -e
check_eq "a second service of a custodial CA is refused: exit 5" 5 "$rc"
check_contains "says why" "another gcert ca serve already runs for this CA" "$out"
check_contains "the service says the interface waits for activation" \
  "interface on 127.0.0.1:$IPORT NOT served until the CA keys are activated (its TLS key is in the token)" \
  "$(cat "$T/serve.out")"
post
check_eq "interface while locked: no TLS endpoint (the key in the token is not usable)" 000 "$CODE"
for _ in $(seq 50); do
  [[ $(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='crl.issued' AND outcome='failure'") -ge 1 ]] && break
  sleep 0.1
done
check_eq "no CRL signed while locked (only the key ceremony's three)" 3 "$(sql "$CA" "SELECT count(*) FROM crls")"
check_contains "the missed scheduled CRL is audited" "not signed: CA keys are not activated" \
  "$(sql "$CA" "SELECT detail FROM audit_log WHERE event='crl.issued' AND outcome='failure'")"
st=$("$GCERT" ca status --dir "$CA" || true)
check_contains "status: not activated" "service running; NOT ACTIVATED" "$st"

# refusals: each audited, none activates
failed() { sql "$CA" "SELECT count(*) FROM audit_log WHERE event='ca.activation_failed'"; }
activate() { set +e; OUT=$("$GCERT" ca activate --dir "$CA" "$@" 2>&1); RC=$?; set -e; }
f0=$(failed)
activate --shares "$A" --passphrases env:PA
check_eq "one share: exit 3" 3 "$RC"
check_contains "one share: says so" "this CA needs 2 of its 3 custodians" "$OUT"
activate --shares "$A,$B" --passphrases env:PA,env:PA
check_eq "wrong passphrase: exit 3" 3 "$RC"
check_contains "wrong passphrase: names the share" "activation-$ID-bob.share: share of custodian 2: wrong passphrase" "$OUT"
activate --shares "$A,$A" --passphrases env:PA,env:PA
check_eq "repeated share: exit 3" 3 "$RC"
check_contains "repeated share: says so" "the same custodian's share was given twice" "$OUT"
new_ca "$T/ca2" --custodians 2 --threshold 2 --share-dir "$T/s2" --passphrases env:PA,env:PB
activate --shares "$A,$(ls "$T"/s2/activation-*-custodian-2.share)" --passphrases env:PA,env:PB
check_eq "another CA's share: exit 3" 3 "$RC"
check_contains "another CA's share: says so" "a share of another CA" "$OUT"
check_eq "each refusal audited" $((f0 + 4)) "$(failed)"
check_eq "still locked" 0 "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='ca.activated' AND actor LIKE 'ca-serve%'")"
post
check_eq "still not served" 000 "$CODE"

activate --shares "$A,$C" --passphrases env:PA,env:PC --json
check_eq "2 of 3 activate" 0 "$RC"
check_contains "activation audited with the custodians" "custodians alice, carol (2 of 3" \
  "$(sql "$CA" "SELECT detail FROM audit_log WHERE event='ca.activated' ORDER BY id DESC LIMIT 1")"
st=$("$GCERT" ca status --dir "$CA" || true)
check_contains "status: activated, by whom" "ACTIVATED by alice, carol" "$st"
post
check_eq "interface file after activation: 200" 200 "$CODE"
check_eq "issued" 1 "$(sql "$CA" "SELECT count(*) FROM certificates")"
for _ in $(seq 100); do [[ $(sql "$CA" "SELECT count(*) FROM crls") -ge 5 ]] && break; sleep 0.1; done
check_eq "the due CRLs are signed once activated (the ceremony's ARL is not due)" 5 "$(sql "$CA" "SELECT count(*) FROM crls")"
activate --shares "$A,$B" --passphrases env:PA,env:PB
check_eq "activating twice: exit 4" 4 "$RC"
check_contains "says already" "already activated" "$OUT"

check "deactivate" "$GCERT" ca deactivate --dir "$CA"
check_eq "deactivation audited" 1 "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='ca.deactivated'")"
post
check_eq "interface after deactivation: not served again" 000 "$CODE"
st=$("$GCERT" ca status --dir "$CA" --json || true)
check_eq "status --json: not activated" False "$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["activation"]["activated"])' <<<"$st")"
set +e
"$GCERT" ca deactivate --dir "$CA" >/dev/null 2>&1
check_eq "deactivating twice: exit 4" 4 $?
set -e
# activated again: the token logged in anew, GnuTLS's session on it too
activate --shares "$B,$C" --passphrases env:PB,env:PC
check_eq "activated again" 0 "$RC"
post
check_eq "interface file after a second activation: 200" 200 "$CODE"
check "the token's TLS key answers again" bash -c "openssl s_client -connect 127.0.0.1:$IPORT -CAfile '$T/tls.pem' \
  -cert '$T/ra.pem' -key '$T/ra.key' </dev/null 2>&1 | grep -q 'Verify return code: 0'"
check "deactivate again" "$GCERT" ca deactivate --dir "$CA"

kill -TERM "$PID"; wait "$PID"; PID=
check "socket removed on stop" test ! -e "$CA/run/control.sock"
set +e
"$GCERT" ca activate --dir "$CA" --shares "$A,$B" --passphrases env:PA,env:PB >"$T/out" 2>&1
check_eq "no service: exit 5" 5 $?
set -e
check_contains "no service: says so" "no CA service is running" "$(cat "$T/out")"
check "the audit trail verifies" "$GCERT" audit verify --dir "$CA"
details=$(sql "$CA" "SELECT detail FROM audit_log")
check "the audit trail was read" test -n "$details"
check_eq "no passphrase or PIN in the audit trail" "" "$(grep -F "long passphrase" <<<"$details" || true)"
finish
