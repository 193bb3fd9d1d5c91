#!/usr/bin/env bash
# audit_serve.sh - a long-running `gcert ca serve` seals the audit trail while it runs
# (CPS §4.5.4): records made by other processes are covered by a checkpoint within the
# configured interval, and the service's own stop record is sealed when it ends.
source "$(dirname "$0")/lib.sh"

CA=$T/ca
new_ca "$CA"
"$PY" - "$CA/gcert.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["audit"] = {"seal_interval_seconds": 1}
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
"$GCERT" ca service-cert --dir "$CA" --tls --out "$T/tls.pem"
start_serve "$CA" --ldap none --interface-listen 127.0.0.1:0
before=$(sql "$CA" "SELECT count(*) FROM audit_checkpoints")
# a command without the token adds a record and cannot seal it itself
"$GCERT" audit purge --dir "$CA" --before 2000-01-01 >/dev/null
"$GCERT" audit purge --dir "$CA" --before "$(date -u +%F)" >/dev/null 2>&1 || true
last=$(sql "$CA" "SELECT max(id) FROM audit_log")
sealed() { test "$(sql "$CA" "SELECT max(last_id) FROM audit_checkpoints")" -ge "$1"; }
check "the running service sealed the new record within seconds" wait_for 10 sealed "$last"
check "while running" kill -0 "$SERVE_PID"
check "checkpoints added by the service" test "$(sql "$CA" "SELECT count(*) FROM audit_checkpoints")" -gt "$before"
check "stops cleanly" stop_serve
check_eq "the stop record is sealed too" "$(sql "$CA" "SELECT max(id) FROM audit_log")" \
  "$(sql "$CA" "SELECT max(last_id) FROM audit_checkpoints")"
check_eq "last record: the service stopped" ca.service_stopped \
  "$(sql "$CA" "SELECT event FROM audit_log ORDER BY id DESC LIMIT 1")"
check "trail verifies" "$GCERT" audit verify --dir "$CA"
finish
