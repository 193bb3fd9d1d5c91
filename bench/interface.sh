#!/usr/bin/env bash
# bench/interface.sh - one request file of N issue requests (default 10,000) through the
# online mode of the interface, end to end: the RA's CMS-signed file POSTed with curl over
# mutual TLS to `gcert interface serve`, verified, checked, issued (pipelined), answered
# with one signed result file. Prints certificates/s beside the token's raw sign rate
# measured on the same machine in the same run (the mean of a measurement right before
# and one right after the file).
#   bench/interface.sh [N] [BUILD_DIR]
#   BENCH_DB=pg BENCH_NODES=2 bench/interface.sh [N] [BUILD_DIR]
# BENCH_DB=pg keeps the CA in a private PostgreSQL server (scripts/pg.sh); BENCH_NODES=2
# runs two CA service nodes on it (directories of their own, one SoftHSM2 token), each
# sent half of the requests as its own file, both at once; the time is until both answer.
# BENCH_STANDBY=1 (with BENCH_DB=pg): the server has a synchronous hot standby
# (scripts/pg.sh start-standby): every durable commit waits for the standby's flush.
# BENCH_PG_STATS=1 (with BENCH_DB=pg): pg_stat_statements on; prints the statements the
# run sent (round trips) and their server time per certificate, the top ones by calls.
set -euo pipefail
N=${1:-10000}
B=$(cd "${2:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
GCERT=$B/gcert
DB=${BENCH_DB:-sqlite}
NODES=${BENCH_NODES:-1}
[[ $NODES == 1 || ( $NODES == 2 && $DB == pg ) ]] || { echo "BENCH_NODES=2 needs BENCH_DB=pg" >&2; exit 2; }
T=$(mktemp -d /tmp/gcert-bench-iface.XXXXXX)
PGD=
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n $PGD ]] && { bash "$SRC/scripts/pg.sh" stop "$PGD" || true; rm -rf "$PGD"; }
  rm -rf "$T"
}
trap cleanup EXIT
POOL=$B/bench-csr-pool.pem
"$B/bench_issue" -n "$N" -k "$POOL" -p >/dev/null   # subscriber keys, made once

INIT=()
if [[ $DB == pg ]]; then
  PGD=$(mktemp -d /tmp/gcert-bench-pg.XXXXXX)
  if [[ ${BENCH_STANDBY:-0} == 1 ]]; then
    urls=$(bash "$SRC/scripts/pg.sh" start-standby "$PGD") # primary, then standby
    url=${urls%%$'\n'*}
  else
    url=$(bash "$SRC/scripts/pg.sh" start "$PGD")
  fi
  if [[ ${BENCH_PG_STATS:-0} == 1 ]]; then
    psql "$url" -qAt -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
    bash "$SRC/scripts/pg.sh" restart "$PGD" >/dev/null
    psql "$url" -qAt -c "CREATE EXTENSION pg_stat_statements"
  fi
  psql "$url" -qAt -c "CREATE DATABASE bench"
  INIT=(--postgresql "${url%/*}/bench")
fi
"$GCERT" ca init --dir "$T/ca" "${INIT[@]}" >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ra.key" -out "$T/ra.pem" -days 30 \
  -subj "/CN=CMMP RA service" 2>/dev/null
"$GCERT" ca pin --dir "$T/ca" --ra cmmp --cert "$T/ra.pem" >/dev/null
"$GCERT" ca service-cert --dir "$T/ca" --tls --out "$T/tls.pem"
"$GCERT" ca service-cert --dir "$T/ca" --out "$T/svc.pem"
python3 - "$POOL" "$N" "$T/batch.json" "$NODES" <<'PY'
import json, sys
pool, n, out, nodes = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
csrs = open(pool).read().split("-----END CERTIFICATE REQUEST-----\n")[:n]
reqs = [{"id": f"b-{i}", "type": "issue", "cert_type": "individual" if i % 2 else "functional_unit",
         "validity_years": 2,
         "subject": {"name": f"CHAN Bench {i}" if i % 2 else f"Unit {i}", "email": f"u{i}@example.gov.hk",
                     "branch": "Infrastructure Division",
                     "organisation": "Office of the Government Chief Information Officer",
                     "branch_abbr": "INFRA", "branch_zh": "基礎設施科",
                     "organisation_zh": "政府資訊科技總監辦公室", "category": "Civil Servant"},
         "csr": c + "-----END CERTIFICATE REQUEST-----\n"} for i, c in enumerate(csrs)]
for k in range(nodes):
    json.dump({"format": "gcert-interface/1", "batch_id": f"bench-{k + 1}", "created": "2026-11-25T09:00:00Z",
               "requests": reqs[k::nodes]}, open(f"{out}.{k + 1}", "w"), ensure_ascii=False)
PY
# node 2: a directory of its own, the same configuration, TLS key and token (node 1's)
[[ $NODES == 2 ]] && { cp -a "$T/ca" "$T/ca2"; rm -rf "$T/ca2/token/tokens"; }
PORTS=()
for k in $(seq "$NODES"); do
  dir=$T/ca; [[ $k == 2 ]] && dir=$T/ca2
  openssl cms -sign -binary -nodetach -outform DER -in "$T/batch.json.$k" -out "$T/batch.req.$k" \
    -signer "$T/ra.pem" -inkey "$T/ra.key"
  "$GCERT" interface serve --dir "$dir" --listen 127.0.0.1:0 >"$T/serve.$k.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q 'interface: https' "$T/serve.$k.log" && break; sleep 0.1; done
  PORTS+=("$(sed -n 's|.*127.0.0.1:\([0-9]*\)/interface.*|\1|p' "$T/serve.$k.log")")
done

[[ $DB == pg && ${BENCH_PG_STATS:-0} == 1 ]] && psql "$url" -qAt -c "SELECT pg_stat_statements_reset()" >/dev/null
[[ $DB == pg && ${BENCH_STANDBY:-0} == 1 ]] &&
  echo "standby: $(psql "$url" -qAt -F ' ' -c "SELECT application_name, state, sync_state FROM pg_stat_replication"), synchronous_commit $(psql "$url" -qAt -c 'SHOW synchronous_commit')"
# the token's raw rate varies from minute to minute on a shared machine: measured right
# before and right after the file, and the file compared with their mean
raw_rate() { "$B/bench_issue" -r -n 2000 | sed -n 's/.*: \([0-9]*\) sig\/s/\1/p'; }
raw_before=$(raw_rate)
start=$(date +%s.%N)
CURLS=()
for k in $(seq "$NODES"); do
  curl -s -o "$T/result.res.$k" -w '%{http_code}' --cacert "$T/tls.pem" --cert "$T/ra.pem" \
    --key "$T/ra.key" -H 'Content-Type: application/cms' --data-binary "@$T/batch.req.$k" \
    "https://127.0.0.1:${PORTS[$((k - 1))]}/interface" >"$T/code.$k" &
  CURLS+=($!)
done
wait "${CURLS[@]}" || true
end=$(date +%s.%N)
issued=0; qsz=0; rsz=0
for k in $(seq "$NODES"); do
  [[ $(cat "$T/code.$k") == 200 ]] || { echo "node $k: HTTP $(cat "$T/code.$k")" >&2; exit 1; }
  openssl cms -verify -binary -inform DER -in "$T/result.res.$k" -CAfile "$T/svc.pem" -purpose any \
    -out "$T/result.json.$k" 2>/dev/null
  issued=$((issued + $(python3 -c 'import json,sys; print(sum(r["status"] == "issued" for r in json.load(open(sys.argv[1]))["results"]))' "$T/result.json.$k")))
  qsz=$((qsz + $(stat -c %s "$T/batch.req.$k"))); rsz=$((rsz + $(stat -c %s "$T/result.res.$k")))
done
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
PIDS=()
if [[ $DB == pg && ${BENCH_PG_STATS:-0} == 1 ]]; then
  echo "statements sent per certificate (round trips) and server time per certificate:"
  psql "$url" -qAt -F ' ' -c "SELECT round(sum(calls)::numeric / $issued, 1),
      round((sum(total_exec_time + total_plan_time) / $issued)::numeric, 3) || ' ms' FROM pg_stat_statements"
  psql "$url" -qAt -F ' | ' -c "SELECT round(calls::numeric / $issued, 2), round((total_exec_time / calls)::numeric, 4) || ' ms',
      left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements ORDER BY calls DESC LIMIT 14"
  echo "the most server time per certificate:"
  psql "$url" -qAt -F ' | ' -c "SELECT round((total_exec_time / $issued)::numeric, 3) || ' ms', calls,
      left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 5"
fi
secs=$(python3 -c "print(f'{$end - $start:.2f}')")
raw_after=$(raw_rate)
python3 - "$N" "$issued" "$secs" "$raw_before" "$qsz" "$rsz" "$DB" "$NODES" "$raw_after" <<'PY'
import sys
n, issued, secs, qsz, rsz = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[5]), int(sys.argv[6])
before, after = float(sys.argv[4]), float(sys.argv[9])
raw = (before + after) / 2
print(f"database: {sys.argv[7]}; nodes: {sys.argv[8]}")
print(f"requests: {n} in {sys.argv[8]} file(s) ({qsz / 2**20:.1f} MiB); result files {rsz / 2**20:.1f} MiB")
print(f"issued: {issued}; end to end {secs:.2f} s = {issued / secs:.0f} cert/s")
print(f"token raw sign rate, 1 session, same run: {raw:.0f} sig/s (before {before:.0f}, after {after:.0f}); ratio {issued / secs / raw:.3f}")
PY
