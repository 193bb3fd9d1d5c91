#!/usr/bin/env bash
# bench/interface.sh - one request file of N issue requests (default 10,000) through the
# online mode of the interface, end to end: the RA's CMS-signed file POSTed with curl over
# mutual TLS to `gcert interface serve`, verified, checked, issued (pipelined), answered
# with one signed result file. Prints certificates/s beside the token's raw sign rate
# measured on the same machine in the same run.
#   bench/interface.sh [N] [BUILD_DIR]
set -euo pipefail
N=${1:-10000}
B=$(cd "${2:-build}" && pwd)
GCERT=$B/gcert
T=$(mktemp -d /tmp/gcert-bench-iface.XXXXXX)
PID=
trap '[[ -n $PID ]] && kill $PID 2>/dev/null; rm -rf "$T"' EXIT
POOL=$B/bench-csr-pool.pem
"$B/bench_issue" -n "$N" -k "$POOL" -p >/dev/null   # subscriber keys, made once

"$GCERT" ca init --dir "$T/ca" >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ra.key" -out "$T/ra.pem" -days 30 \
  -subj "/CN=CMMP RA service" 2>/dev/null
"$GCERT" ca pin --dir "$T/ca" --ra cmmp --cert "$T/ra.pem" >/dev/null
"$GCERT" ca service-cert --dir "$T/ca" --tls --out "$T/tls.pem"
"$GCERT" ca service-cert --dir "$T/ca" --out "$T/svc.pem"
python3 - "$POOL" "$N" "$T/batch.json" <<'PY'
import json, sys
pool, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
csrs = open(pool).read().split("-----END CERTIFICATE REQUEST-----\n")[:n]
reqs = [{"id": f"b-{i}", "type": "issue", "cert_type": "individual" if i % 2 else "functional_unit",
         "validity_years": 2,
         "subject": {"name": f"CHAN Bench {i}" if i % 2 else f"Unit {i}", "email": f"u{i}@example.gov.hk",
                     "branch": "Infrastructure Division",
                     "organisation": "Office of the Government Chief Information Officer",
                     "branch_abbr": "INFRA", "branch_zh": "基礎設施科",
                     "organisation_zh": "政府資訊科技總監辦公室", "category": "Civil Servant"},
         "csr": c + "-----END CERTIFICATE REQUEST-----\n"} for i, c in enumerate(csrs)]
json.dump({"format": "gcert-interface/1", "batch_id": "bench-1", "created": "2026-11-25T09:00:00Z",
           "requests": reqs}, open(out, "w"), ensure_ascii=False)
PY
openssl cms -sign -binary -nodetach -outform DER -in "$T/batch.json" -out "$T/batch.req" \
  -signer "$T/ra.pem" -inkey "$T/ra.key"
"$GCERT" interface serve --dir "$T/ca" --listen 127.0.0.1:0 >"$T/serve.log" 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q 'interface: https' "$T/serve.log" && break; sleep 0.1; done
PORT=$(sed -n 's|.*127.0.0.1:\([0-9]*\)/interface.*|\1|p' "$T/serve.log")

start=$(date +%s.%N)
code=$(curl -s -o "$T/result.res" -w '%{http_code}' --cacert "$T/tls.pem" --cert "$T/ra.pem" \
  --key "$T/ra.key" -H 'Content-Type: application/cms' --data-binary "@$T/batch.req" \
  "https://127.0.0.1:$PORT/interface")
end=$(date +%s.%N)
kill $PID; wait $PID 2>/dev/null || true; PID=
[[ $code == 200 ]] || { echo "HTTP $code" >&2; exit 1; }
openssl cms -verify -binary -inform DER -in "$T/result.res" -CAfile "$T/svc.pem" -purpose any \
  -out "$T/result.json" 2>/dev/null
issued=$(python3 -c 'import json,sys; print(sum(r["status"] == "issued" for r in json.load(open(sys.argv[1]))["results"]))' "$T/result.json")
secs=$(python3 -c "print(f'{$end - $start:.2f}')")
raw=$("$B/bench_issue" -r -n 2000 | sed -n 's/.*: \([0-9]*\) sig\/s/\1/p')
python3 - "$N" "$issued" "$secs" "$raw" "$(stat -c %s "$T/batch.req")" "$(stat -c %s "$T/result.res")" <<'PY'
import sys
n, issued, secs, raw, qsz, rsz = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print(f"requests: {n} in one file ({qsz / 2**20:.1f} MiB); result file {rsz / 2**20:.1f} MiB")
print(f"issued: {issued}; end to end {secs:.2f} s = {issued / secs:.0f} cert/s")
print(f"token raw sign rate, 1 session, same run: {raw:.0f} sig/s; ratio {issued / secs / raw:.3f}")
PY
