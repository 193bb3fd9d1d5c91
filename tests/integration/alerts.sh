#!/usr/bin/env bash
# alerts.sh - significant-event alerts (CPS §4.5.7) mailed through a real SMTP server
# (Debian's python3-aiosmtpd on a free loopback port): key operations, pinning, repeated
# failures, a failed audit verify; mail that cannot be sent waits in the outbox and goes
# when the server is back.
source "$(dirname "$0")/lib.sh"

MAILDIR=$T/maildir
SMTP_PID=
start_smtp() {
  "$PY" -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Mailbox "$MAILDIR" \
    >"$T/smtp.log" 2>&1 &
  SMTP_PID=$!
  for _ in $(seq 50); do
    "$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' \
      "$PORT" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "SMTP server did not start" >&2; cat "$T/smtp.log" >&2; exit 1
}
stop_smtp() { if [[ -n "$SMTP_PID" ]]; then kill "$SMTP_PID" 2>/dev/null || true; wait "$SMTP_PID" 2>/dev/null || true; SMTP_PID=; fi; }
trap 'stop_smtp; rm -rf "$T"' EXIT
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# mails: one line per message, "SUBJECT|X-RcptTo|To"
mails() {
  "$PY" - "$MAILDIR" <<'PY'
import mailbox, sys
for m in sorted(mailbox.Maildir(sys.argv[1], create=False), key=lambda m: m["Message-ID"]):
    print("%s|%s|%s" % (m["Subject"], m["X-RcptTo"], m["To"]))
PY
}
body_of() { # body_of SUBJECT-SUBSTRING
  "$PY" - "$MAILDIR" "$1" <<'PY'
import mailbox, sys
for m in mailbox.Maildir(sys.argv[1], create=False):
    if sys.argv[2] in m["Subject"]:
        print(m.get_payload(decode=True).decode())
PY
}

CA=$T/ca
new_ca "$CA"
start_smtp
"$PY" - "$CA/gcert.json" "$PORT" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["alerts"] = {"smtp_url": "smtp://127.0.0.1:%s" % sys.argv[2], "from": "gcert@ca.example.hk",
               "to": "ops1@example.gov.hk, ops2@example.gov.hk", "failure_threshold": 3,
               "failure_window_seconds": 600}
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY

# the ceremony's key generations were never reported, and the configuration changed
# (alerts turned on): the first run sends them
out=$("$GCERT" audit alerts --dir "$CA" --json)
check_eq "alerts: queued and sent (the ceremony now also makes the audit key and the first ARL)" "6 6 0" \
  "$(json_field queued <<<"$out") $(json_field sent <<<"$out") $(json_field waiting <<<"$out")"
m=$(mails)
check_contains "ceremony reported" "[gcert] significant event: ca.init ca (audit record 1)" "$m"
check_contains "root key generation reported" "significant event: ca.key_generated root-ca-2 (audit record 2)" "$m"
check_contains "both operators are envelope recipients, and in To" \
  "(audit record 1)|ops1@example.gov.hk, ops2@example.gov.hk|ops1@example.gov.hk, ops2@example.gov.hk" "$m"
check_contains "configuration change reported" "significant event: config.changed gcert.json" "$m"
check_contains "change audited with both versions" "(was " "$(body_of config.changed)"
body=$(body_of "root-ca-2")
check_contains "body: the record" "event    ca.key_generated" "$body"
check_contains "body: the detail" "RSA 2048, sensitive, not extractable" "$body"
check_eq "one configuration change recorded, once" 1 \
  "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='config.changed'")"
check_eq "two configuration versions known" 2 "$(sql "$CA" "SELECT count(*) FROM config_versions")"
check_eq "nothing again on a second run" 0 "$("$GCERT" audit alerts --dir "$CA" --json | json_field queued)"

# the first token command makes the audit key: reported after the command itself
make_csr "$T/1.key" "$T/1.csr"
make_request "$T/1.json" req-1 individual 1 "$T/1.csr"
"$GCERT" issue --dir "$CA" --request "$T/1.json" --out "$T/1.pem" >/dev/null
check_contains "audit key made: reported" "significant event: ca.key_generated audit-key" "$(mails)"
check_eq "issuance itself is not significant" "" "$(mails | grep cert.issued || true)"

# repeated failed access: three refused requests within the window give one alert
for i in 2 3 4 5; do
  make_request "$T/r$i.json" "req-$i" individual 1 "$T/1.csr" # key already certified
  "$GCERT" issue --dir "$CA" --request "$T/r$i.json" >/dev/null 2>&1 || true
done
check_eq "one burst alert for 4 failures with threshold 3" 1 \
  "$(mails | grep -c "repeated failures: 3 x cert.request_rejected within 600 s" || true)"
check_contains "burst body" "failures 3 within 600 seconds" "$(body_of "repeated failures")"

# the mail server goes away: the alert waits in the outbox, the command still succeeds
stop_smtp
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ra.key" -subj "/CN=cmmp" -days 30 \
  -out "$T/ra.pem" 2>/dev/null
set +e
"$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$T/ra.pem" >/dev/null 2>"$T/pin.err"; rc=$?
set -e
check_eq "pin succeeds without the mail server" 0 "$rc"
check_contains "warning names the waiting mail" "alert mail(s) wait in the outbox" "$(cat "$T/pin.err")"
check_eq "one mail waits, with its error" "1|1" \
  "$(sql "$CA" "SELECT count(*), min(CAST(last_error IS NOT NULL AS INTEGER)) FROM alert_outbox WHERE sent_at IS NULL")"
check_eq "not delivered" "" "$(mails | grep peer.pinned || true)"
set +e
"$GCERT" audit alerts --dir "$CA" >/dev/null 2>&1; rc=$?
set -e
check_eq "audit alerts with the server down: exit 5" 5 "$rc"
check_eq "attempts counted" 2 "$(sql "$CA" "SELECT attempts FROM alert_outbox WHERE sent_at IS NULL")"
start_smtp
out=$("$GCERT" audit alerts --dir "$CA" --json)
check_eq "server back: the waiting mail is sent" "1 0" "$(json_field sent <<<"$out") $(json_field waiting <<<"$out")"
check_contains "pinning reported" "significant event: peer.pinned cmmp" "$(mails)"
check_eq "outbox empty" 0 "$(sql "$CA" "SELECT count(*) FROM alert_outbox WHERE sent_at IS NULL")"

# a failed audit verify is reported (deliberate change, §4.5.4)
sql_unguarded "$CA" "UPDATE audit_log SET detail='x' WHERE id=3"
"$GCERT" audit verify --dir "$CA" >/dev/null 2>&1 || true
check_contains "tampering reported" "[gcert] audit trail verification FAILED" "$(mails)"
check_contains "report names the record" "audit record 3: hash chain broken" "$(body_of "verification FAILED")"
finish
