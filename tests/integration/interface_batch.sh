#!/usr/bin/env bash
# interface_batch.sh - the system interface (SPEC §3): CMS-signed request files from a
# pinned RA (signed here with `openssl cms`, a tool we did not write), one result per
# request signed by the CA service key (verified with `openssl cms`), replays, bad files
# rejected whole with nothing changed, and the batch-mode spool.
source "$(dirname "$0")/lib.sh"

CA=$T/ca
new_ca "$CA"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ra.key" -out "$T/ra.pem" -days 365 \
  -subj "/O=OGCIO/CN=CMMP RA service" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/evil.key" -out "$T/evil.pem" -days 365 \
  -subj "/O=OGCIO/CN=CMMP RA service" 2>/dev/null
check "pin the RA" "$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$T/ra.pem"
set +e
"$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$T/evil.pem" >/dev/null 2>&1; check_eq "a name is pinned once" 4 $?
"$GCERT" ca pin --dir "$CA" --ra "CMMP!" --cert "$T/evil.pem" >/dev/null 2>&1; check_eq "bad RA name" 3 $?
set -e
"$GCERT" ca service-cert --dir "$CA" --out "$T/svc.pem"
check "service certificate is not a CA key's" test "$(openssl x509 -in "$T/svc.pem" -noout -pubkey)" != \
  "$(openssl x509 -in <("$GCERT" ca certs --dir "$CA") -noout -pubkey)"
"$GCERT" ca certs --dir "$CA" >"$T/chain.pem"
count() { sql "$CA" "SELECT count(*) FROM certificates"; }

# batch NAME BATCH_ID [python statements on `reqs`]: writes $T/NAME.json
batch() {
  local name=$1 bid=$2; shift 2
  for i in 1 2 3; do [[ -f $T/k$i.csr ]] || make_csr "$T/k$i.key" "$T/k$i.csr"; done
  "$PY" - "$T/$name.json" "$bid" "$T" "$@" <<'PY'
import json, sys
out, bid, t = sys.argv[1:4]
def req(rid, ctype, years, key, name="CHAN Tai Man David"):
    return {"id": rid, "type": "issue", "cert_type": ctype, "validity_years": years,
            "subject": {"name": name, "email": "tmchan@example.gov.hk", "branch": "Infrastructure Division",
                        "organisation": "Office of the Government Chief Information Officer",
                        "branch_abbr": "INFRA", "branch_zh": "基礎設施科",
                        "organisation_zh": "政府資訊科技總監辦公室", "category": "Civil Servant"},
            "csr": open(f"{t}/{key}.csr").read()}
reqs = [req("r-1", "individual", 2, "k1"), req("r-2", "functional_unit", 1, "k2", "Registry Unit"),
        req("r-3", "individual", 5, "k3")]
for stmt in sys.argv[4:]:
    exec(stmt)
json.dump({"format": "gcert-interface/1", "batch_id": bid, "created": "2026-11-25T09:00:00Z",
           "requests": reqs}, open(out, "w"), ensure_ascii=False)
PY
}
sign() { # NAME [KEY CERT]: NAME.json -> NAME.req, signed by the RA (or another key)
  openssl cms -sign -binary -nodetach -outform DER -in "$T/$1.json" -out "$T/$1.req" \
    -signer "${3:-$T/ra.pem}" -inkey "${2:-$T/ra.key}"
}
process() { # NAME -> NAME.res and NAME.out (JSON summary); $RC
  rm -f "$T/$1.res"
  set +e; "$GCERT" interface process --dir "$CA" --in "$T/$1.req" --out "$T/$1.res" --json >"$T/$1.out"; RC=$?; set -e
}
result() { # NAME -> NAME.res.json, verified against the pinned CA service certificate
  openssl cms -verify -binary -inform DER -in "$T/$1.res" -CAfile "$T/svc.pem" -purpose any \
    -out "$T/$1.res.json" 2>/dev/null
}
field() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/$1.res.json" "$2"; }
compact() { # NAME: the result's text is compact JSON, byte for byte what an encoder makes of it
  "$PY" -c 'import json,sys; t=open(sys.argv[1], encoding="utf-8").read()
sys.exit(t != json.dumps(json.loads(t), separators=(",", ":"), ensure_ascii=False))' "$T/$1.res.json"
}

# --- a good file: two issued, one refused, in order
batch b1 batch-0001; sign b1; process b1
check_eq "file accepted" 0 "$RC"
check_eq "accepted" 2 "$(json_field accepted <"$T/b1.out")"
check_eq "rejected" 1 "$(json_field rejected <"$T/b1.out")"
check "result file verifies with the pinned CA service certificate (openssl cms)" result b1
check_contains "result file verifies in GnuTLS too (certtool --p7-verify)" "Signature status: ok" \
  "$(certtool --p7-verify --inder --infile "$T/b1.res" --load-ca-certificate "$T/svc.pem" 2>&1)"
check_eq "results in request order" "['r-1', 'r-2', 'r-3']" "$(field b1 "[r['id'] for r in d['results']]")"
check_eq "statuses" "['issued', 'issued', 'rejected']" "$(field b1 "[r['status'] for r in d['results']]")"
check_eq "refusal code" GC_E_BAD_VALIDITY "$(field b1 "d['results'][2]['code']")"
check_eq "in reply to the batch" batch-0001 "$(field b1 "d['in_reply_to']")"
check "result text: compact JSON (issued and refused answers joined)" compact b1
field b1 "d['results'][0]['certificate']" >"$T/r1.pem"
check "issued certificate chains to the root" openssl verify -CAfile "$T/chain.pem" "$T/r1.pem"
check_eq "two certificates" 2 "$(count)"
check_eq "request ids are per RA" "cmmp/r-1 cmmp/r-2" "$(sql "$CA" "SELECT group_concat(request_id, ' ') FROM (SELECT request_id FROM certificates ORDER BY request_id) AS t")"
check_eq "fees charged for both" 2 "$(sql "$CA" "SELECT count(*) FROM fees")"
kept() { # the answers kept for the request ids given, each naming its certificate
  sql "$CA" "SELECT count(*) FROM certificates c JOIN iface_results r ON c.request_id = r.ra || '/' || r.request_id
    WHERE r.request_id IN ($1) AND c.status = 'issued' AND r.result LIKE '%\"serial\":\"' || c.serial || '\"%'"
}
check_eq "each certificate's answer kept, naming it" 2 "$(kept "'r-1', 'r-2'")"
check "gcert interface open-result accepts it with the pinned service certificate" \
  "$GCERT" interface open-result --pin "$T/svc.pem" --in "$T/b1.res" --out "$T/b1.opened.json"
check "open-result gives the signed document" cmp "$T/b1.opened.json" "$T/b1.res.json"
set +e
"$GCERT" interface open-result --pin "$T/ra.pem" --in "$T/b1.res" >/dev/null 2>&1
check_eq "open-result refuses a result not signed by the pinned certificate" 3 $?
set -e
# the result is not signed by a CA key
if openssl cms -verify -binary -inform DER -in "$T/b1.res" -CAfile "$T/chain.pem" -purpose any -out /dev/null 2>/dev/null; then
  fail "result verifies against the CA hierarchy: signed by a CA key?"; else pass; fi

# --- replays
cp "$T/b1.res" "$T/b1.first.res"
process b1
check "the same file again: the stored result, byte for byte" cmp "$T/b1.res" "$T/b1.first.res"
check_eq "the same file again: nothing issued" 2 "$(count)"
batch b2 batch-0002; sign b2; process b2
result b2
check_eq "same requests in a new file: replayed" 3 "$(json_field replayed <"$T/b2.out")"
check_eq "replayed certificate is the stored one" "$(field b1 "d['results'][0]['serial']")" "$(field b2 "d['results'][0]['serial']")"
check "result text of replays: compact JSON" compact b2
check_eq "a replay's answer is the stored one, byte for byte" \
  "$(sql "$CA" "SELECT result FROM iface_results WHERE ra = 'cmmp' AND request_id = 'r-1'")" \
  "$(field b2 "json.dumps(d['results'][0], separators=(',', ':'), ensure_ascii=False)")"
check_eq "replays issue nothing" 2 "$(count)"
batch b3 batch-0003 'reqs[0]["validity_years"] = 1'; sign b3; process b3; result b3
check_eq "same id, other content: refused" GC_E_REQUEST_CONFLICT "$(field b3 "d['results'][0]['code']")"
batch b4 batch-0004 'reqs = [reqs[0], dict(reqs[0])]' 'reqs[0]["id"] = "r-9"' 'reqs[1]["id"] = "r-9"'
sign b4; process b4; result b4
check_eq "an id twice in one file: the second refused" "['rejected', 'rejected']" "$(field b4 "[r['status'] for r in d['results']]")"
check_contains "the first is refused for its key (already certified)" GC_E_KEY_REUSED "$(field b4 "d['results'][0]['code']")"
check_eq "twice in one file" GC_E_REQUEST_CONFLICT "$(field b4 "d['results'][1]['code']")"
batch b5 batch-0005 'reqs = [dict(reqs[0]), dict(reqs[1]), dict(reqs[0]), dict(reqs[0])]' \
  'reqs[0]["id"] = reqs[2]["id"] = reqs[3]["id"] = "r-7"' 'reqs[1]["id"] = "r-6"'
sign b5; process b5; result b5
check_eq "an id three times, another between: the later two refused as repeats, in the file's order" \
  "False False True True" "$(field b5 "' '.join(str(r.get('code') == 'GC_E_REQUEST_CONFLICT') for r in d['results'])")"

# --- files rejected whole: nothing changed
certs=$(count)
before=$certs/$(sql "$CA" "SELECT count(*) FROM iface_results")
reject_case() { # WHAT EXIT CODE NAME
  process "$4"
  check_eq "$1: exit" "$2" "$RC"
  check_eq "$1: file code" "$3" "$(json_field file <"$T/$4.out")"
  check "$1: still answered with a signed result" result "$4"
  check_eq "$1: error in the result" "$3" "$(field "$4" "d['error']['code']")"
  check_eq "$1: nothing changed" "$before" "$(count)/$(sql "$CA" "SELECT count(*) FROM iface_results")"
}
batch t1 batch-0100 'reqs[0]["id"] = "r-100"'; sign t1
"$PY" - "$T/t1.req" <<'PY'
import sys
p = sys.argv[1]; d = bytearray(open(p, "rb").read())
i = d.find(b"batch-0100"); d[i + 9] ^= 1; open(p, "wb").write(d)
PY
reject_case "tampered content" 3 GC_E_IFACE_SIGNATURE t1
batch t2 batch-0101 'reqs[0]["id"] = "r-101"'; sign t2 "$T/evil.key" "$T/evil.pem"
reject_case "signed by an unpinned key with the same name" 3 GC_E_IFACE_SIGNATURE t2
printf 'not CMS' >"$T/t3.req"
reject_case "not a CMS file" 3 GC_E_IFACE_FORMAT t3
printf '{"format":"gcert-interface/1","batch_id":"x",' >"$T/t4.json"; sign t4
reject_case "malformed JSON inside" 3 GC_E_JSON t4
batch t5 batch-0105 'reqs = []'; sign t5
reject_case "no requests" 3 GC_E_IFACE_FORMAT t5
batch t6 batch-0106 'reqs[0]["id"] = "r-106"'; sign t6
faketime -f '+400d' "$GCERT" interface process --dir "$CA" --in "$T/t6.req" --out "$T/t6.res" --json >"$T/t6.out" || true
check_eq "RA certificate expired since pinning" GC_E_IFACE_SIGNATURE "$(json_field file <"$T/t6.out")"
check_eq "expired: nothing issued" "$before" "$(count)/$(sql "$CA" "SELECT count(*) FROM iface_results")"
# configured limits
"$PY" - "$CA/gcert.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["interface"] = {"max_requests": 2, "max_file_bytes": 65536}
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
batch t7 batch-0107 'reqs[0]["id"] = "r-107"'; sign t7
reject_case "more requests than configured" 3 GC_E_TOO_LARGE t7
"$PY" -c 'import sys; open(sys.argv[1], "wb").write(b"0" * 70000)' "$T/t8.req"
reject_case "larger than configured" 3 GC_E_TOO_LARGE t8
check_eq "whole-file rejections audited" 8 "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='interface.file_rejected'")"

# --- batch mode: spool directories
mkdir -p "$T/in" "$T/out"
for i in 1 2; do make_csr "$T/s$i.key" "$T/s$i.csr"; done
batch s1 batch-0200 'reqs = reqs[:2]' 'reqs[0]["id"] = "s-1"' 'reqs[1]["id"] = "s-2"' \
  'reqs[0]["csr"] = open(t + "/s1.csr").read()' 'reqs[1]["csr"] = open(t + "/s2.csr").read()'
sign s1
cp "$T/s1.req" "$T/in/0001.req"
head -c 100 "$T/s1.req" >"$T/in/0002.tmp" # half-written: never read
out=$("$GCERT" interface spool --dir "$CA" --inbox "$T/in" --outbox "$T/out" --once)
check_contains "spool: one file" "1 file(s)" "$out"
check "spool: result written" test -s "$T/out/0001.res"
check "spool: request put aside" test -f "$T/in/done/0001.req"
check "spool: half-written file left alone" test -f "$T/in/0002.tmp"
check_eq "spool: two issued" $((certs + 2)) "$(count)"
out=$("$GCERT" interface spool --dir "$CA" --inbox "$T/in" --outbox "$T/out" --once)
check_contains "spool: a processed file is not processed again" "0 file(s)" "$out"
cp "$T/s1.req" "$T/in/0003.req" # as after a crash before the move: the same bytes again
"$GCERT" interface spool --dir "$CA" --inbox "$T/in" --outbox "$T/out" --once >/dev/null
check "spool: the same bytes get the stored result" cmp "$T/out/0001.res" "$T/out/0003.res"
check_eq "spool: nothing issued twice" $((certs + 2)) "$(count)"

# --- killed right after the certificates' commit (a build with fault points): their
# answers were committed with them, so the file sent again answers from what was kept
if [[ "${GCERT_FAULT_POINTS:-0}" == 1 ]]; then
  for i in 1 2; do make_csr "$T/c$i.key" "$T/c$i.csr"; done
  batch c1 batch-0300 'reqs = reqs[:2]' 'reqs[0]["id"] = "c-1"' 'reqs[1]["id"] = "c-2"' \
    'reqs[0]["csr"] = open(t + "/c1.csr").read()' 'reqs[1]["csr"] = open(t + "/c2.csr").read()'
  sign c1
  certs=$(count)
  st=0; GCERT_FAULT=after_commit "$GCERT" interface process --dir "$CA" --in "$T/c1.req" \
    --out "$T/c1.res" --json >"$T/c1.out" 2>"$T/c1.err" || st=$?
  check_eq "crash: killed after the commit (SIGKILL)" 137 "$st"
  check "crash: no result file written" test ! -s "$T/c1.res"
  check_eq "crash: both issued" $((certs + 2)) "$(count)"
  check_eq "crash: both answers kept with their certificates" 2 "$(kept "'c-1', 'c-2'")"
  process c1; result c1
  check_eq "crash: the file again: both answered from what was kept" 2 "$(json_field replayed <"$T/c1.out")"
  check_eq "crash: the answers name the certificates kept" \
    "$(sql "$CA" "SELECT group_concat(serial, ' ') FROM (SELECT serial FROM certificates WHERE request_id IN ('cmmp/c-1', 'cmmp/c-2') ORDER BY request_id) AS t")" \
    "$(field c1 "' '.join(r['serial'] for r in d['results'])")"
  check_eq "crash: nothing issued twice" $((certs + 2)) "$(count)"
fi
finish
