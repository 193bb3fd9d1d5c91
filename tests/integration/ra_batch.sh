#!/usr/bin/env bash
# ra_batch.sh - the RA in batch mode (docs/interface.md "Batch mode"): an approval writes
# the request file to RADIR/outbox and the application waits, submitted; the CA processes
# the spool (`gcert interface spool --once`); the RA service collects the result from
# RADIR/inbox by itself and binds the certificate.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ra_lib.sh"

CA=$T/ca
D=$T/ra
new_ca "$CA"
"$GCERT" ca service-cert --dir "$CA" --out "$T/ca-service.pem"
"$GCERT" ca certs --dir "$CA" --out-dir "$T/trust" >/dev/null
new_ra "$D" --batch --ca-service-cert "$T/ca-service.pem" --ca-repo http://127.0.0.1:9/ \
  --ca-cert "$T/trust/issuing-ca.pem"
"$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$D/ra-service.pem" >/dev/null
start_ra "$D"
login admin1
add_user admin1 req1 requester >/dev/null
add_user admin1 bm1 business_manager >/dev/null
login req1; login bm1
api req1 POST /api/applications "$APP_JSON"
app=$(jq_get id <<<"$BODY")
api bm1 POST "/api/applications/$app/approve" "$APPROVE_JSON"
check_eq "approve: 200" 200 "$CODE"
check_eq "batch: submitted, waiting for the CA" submitted "$(jq_get status <<<"$BODY")"
check_eq "batch: no error" None "$(jq_get error <<<"$BODY" | sed 's/null/None/')"
check_eq "one request file in the outbox" 1 "$(ls "$D"/outbox/*.req | wc -l)"
"$GCERT" interface spool --dir "$CA" --inbox "$D/outbox" --outbox "$D/inbox" --once >/dev/null
# the service may already have collected it (inbox/done): it polls the inbox on its own
check_eq "the CA answered" 1 "$(ls "$D"/inbox/*.res "$D"/inbox/done/*.res 2>/dev/null | wc -l)"
status() { api bm1 GET "/api/applications/$app"; jq_get status <<<"$BODY"; }
wait_for 30 test "$(status)" = issued || true
check_eq "collected and bound by the service" issued "$(status)"
check_eq "the certificate is bound" 1 "$(rasql "$D" "SELECT count(*) FROM certificates")"
check_eq "the result was taken once" 1 "$(ls "$D"/inbox/done/*.res | wc -l)"
stop_ra
finish
