#!/usr/bin/env bash
# bench/run.sh - every benchmark of issue 18 in one run, one table at the end.
#
#   bench/run.sh [BUILD_DIR]
#
# Environment (defaults in brackets):
#   RUNS [5]            issuance runs (median reported), empty CA and big CAs alternating
#   N [2000]            certificates per issuance run
#   POP ["1000000"]     sizes of the populated CAs (bench_populate); "1000000 5000000" for both
#   IFACE_N [10000]     requests in the interface file (bench/interface.sh); 0 skips it
#   CRL_SIZES ["100000 1000000 3000000"]   revoked certificates per CRL run (bench/crl.sh); "" skips
#   WORK [/tmp/gcert-bench-work]           populated CAs are kept here between runs (disk:
#                       about 4.5 GB per million certificates; CRL CAs about 0.3 GB per million)
#
# Every figure is printed with the load average at the time it was taken (bench_issue
# prints its own). The raw sign rate is measured in the same process as each issuance
# figure. Populated certificates are not real signed certificates (bench/populate.c).
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-5}; N=${N:-2000}; POP=${POP:-1000000}; IFACE_N=${IFACE_N:-10000}
CRL_SIZES=${CRL_SIZES-100000 1000000 3000000}
WORK=${WORK:-/tmp/gcert-bench-work}
POOL=$B/bench-csr-pool.pem
mkdir -p "$WORK"
OUT=$WORK/run-$(date -u +%Y%m%dT%H%M%SZ).log
load() { cut -d' ' -f1 /proc/loadavg; }
say() { echo "$*" | tee -a "$OUT"; }

say "== bench/run.sh $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(load)"
say "   $(openssl version), SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1), build $B"

for size in $POP; do
  if [[ ! -f $WORK/pop$size/gcert.db ]]; then
    say "== populating a CA with $size certificates (load $(load))"
    rm -rf "$WORK/pop$size"
    /usr/bin/time -f "%e s, peak RSS %M KiB" "$B/bench_populate" "$WORK/pop$size" "$size" 2>&1 | tee -a "$OUT"
  fi
done

# A populated CA keeps the keys it certified: each run there takes pool keys no run
# there took before (their request ids are bench-<pool index>), after the N the empty
# CAs use.
offset_of() {
  echo $((N + $(sqlite3 "$WORK/pop$1/gcert.db" "SELECT coalesce(max(CAST(substr(request_id, 7) AS INTEGER)) + 1, 0)
    FROM certificates WHERE rowid > $1 AND request_id GLOB 'bench-*'")))
}
need=$((IFACE_N > N ? IFACE_N : N))
for size in $POP; do
  o=$(offset_of "$size"); (( o + RUNS * N > need )) && need=$((o + RUNS * N))
done
# the subscriber keys for every run at once (bench_issue -p makes what is missing)
"$B/bench_issue" -n "$need" -k "$POOL" -p >/dev/null

for r in $(seq "$RUNS"); do
  say "== issuance run $r: empty CA, 1 and 2 sessions"
  "$B/bench_issue" -n "$N" -t 2 -k "$POOL" | grep -E "session|cost" | sed "s/^/run $r empty: /" | tee -a "$OUT"
  for size in $POP; do
    # the keys after the 2*N the empty CAs use, disjoint per run (the CA keeps them)
    off=$(offset_of "$size")
    say "== issuance run $r: CA holding $size"
    "$B/bench_issue" -n "$N" -t 1 -k "$POOL" -d "$WORK/pop$size" -o "$off" | grep -E "session|cost" |
      sed "s/^/run $r pop$size: /" | tee -a "$OUT"
  done
done

if [[ $IFACE_N != 0 ]]; then
  say "== interface file of $IFACE_N requests (load $(load))"
  "$SRC/bench/interface.sh" "$IFACE_N" "$B" | sed "s/^/iface: /" | tee -a "$OUT"
  say "iface: load after $(load)"
fi

for size in $CRL_SIZES; do
  say "== CRL of $size entries (load $(load))"
  KEEP= "$SRC/bench/crl.sh" "$B" "$size" 2>&1 | sed "s/^/crl $size: /" | tee -a "$OUT"
  say "crl $size: load after $(load)"
done

python3 - "$OUT" <<'PY'
import re, statistics, sys
log = open(sys.argv[1]).read().splitlines()
def med(xs): return statistics.median(xs) if xs else float("nan")
iss = {}
for l in log:
    m = re.match(r"run \d+ (\S+): (\d) sessions? ?: token raw sign (\d+) sig/s \| issuance (\d+) cert/s \| ratio ([\d.]+) \| CA held (\d+) \| load ([\d.]+)", l)
    if m:
        iss.setdefault((m[1], m[2]), []).append((float(m[5]), float(m[3]), float(m[4]), float(m[7])))
cost = {}
for l in log:
    m = re.match(r"run \d+ (\S+):   cost: CPU (\d+) us/sig raw, (\d+) us/cert", l)
    if m:
        cost.setdefault(m[1], []).append((float(m[2]), float(m[3])))
print()
print("| measure | median (runs) | min-max | load | target |")
print("|---|---|---|---|---|")
def row(name, key, target):
    v = iss.get(key, [])
    if not v: return
    r = [x[0] for x in v]; ld = [x[3] for x in v]
    print(f"| {name} | {med(r):.3f} ({len(r)}) | {min(r):.3f}-{max(r):.3f} | {min(ld):.1f}-{max(ld):.1f} | {target} |")
row("issuance / raw sign, 1 session, empty CA", ("empty", "1"), ">= 0.90")
row("issuance / raw sign, 2 sessions, empty CA", ("empty", "2"), ">= 0.80")
e = med([x[0] for x in iss.get(("empty", "1"), [])])
for (k, t), v in sorted(iss.items()):
    if k.startswith("pop"):
        row(f"issuance / raw sign, 1 session, CA holding {k[3:]}", (k, t), "within 5 % of empty")
        p = med([x[0] for x in v])
        print(f"| ratio of the above to the empty CA's | {p / e:.3f} | | | >= 0.95 |")
for k, v in sorted(cost.items()):
    print(f"| CPU per certificate / per raw signature ({k}), load-independent | {med([x[1] for x in v]):.0f} / {med([x[0] for x in v]):.0f} us | | | |")
for l in log:
    m = re.match(r"iface: token raw sign rate, 1 session, same run: (\d+) sig/s (?:\(before \d+, after \d+\))?; ratio ([\d.]+)", l)
    if m: print(f"| interface file, end to end / raw sign | {m[2]} (1) | | | >= 0.85 |")
prev, full = "", ""
for l in log:
    m = re.match(r"crl (\d+): (.*)", l)
    if not m: continue
    size, t = m[1], m[2]
    if t.startswith("== "):
        prev = t[3:]
        continue
    f = re.match(r"full +cRLNumber \d+ +\d+ entries +(\d+) octets +([\d.]+) s", t)
    if f: full = f[2]
    r = re.match(r"([\d.]+) s, peak RSS (\d+) KiB", t)
    if r and prev.startswith("gcert: steady state, run 3"):
        print(f"| CRL of {size}: full CRL (gcert, steady state) / whole run (full + partitioned) / peak RSS | {full} s | {r[1]} s | | <= 1 s, 128 MiB at 1M: {int(r[2]) / 1024:.1f} MiB |")
    elif r and prev.startswith("openssl ca"):
        print(f"| CRL of {size}: openssl ca -gencrl (one CRL) / peak RSS | {r[1]} s | | | {int(r[2]) / 1024:.1f} MiB |")
PY
echo "log: $OUT"
