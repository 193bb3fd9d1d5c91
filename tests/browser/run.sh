#!/usr/bin/env bash
# run.sh - the RA web UI's browser test (issue 6): sets up a real CA and RA on free
# loopback ports, then drives web/ra/ in Debian's Chromium with playwright-core
# (tests/browser/ra-ui.mjs). Stops what it started.
#   tests/browser/run.sh          the real services (GCERT, GCERT_SRC as ctest sets them)
#   tests/browser/run.sh --mock   against tests/browser/mock-ra.mjs (UI work without the C build)
# Screenshots: $GCERT_BUILD/test-artifacts/browser/*.png (build/ when GCERT_BUILD is unset);
# their paths are printed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${GCERT_SRC:-$(cd "$HERE/../.." && pwd)}
ARTIFACTS=${GCERT_BUILD:-$SRC/build}/test-artifacts/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export GC_RA_PASS=secret-pass-1 CHROMIUM

T=$(mktemp -d "${TMPDIR:-/tmp}/gcert-browser.XXXXXX")
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

die() { echo "FAIL: $*" >&2; exit 1; }

# node >= 18, npm and chromium come from scripts/deps.sh --test
command -v node >/dev/null || die "node is missing: run scripts/deps.sh --test"
[[ -x $CHROMIUM ]] || die "$CHROMIUM is missing: run scripts/deps.sh --test"
(( $(node -p 'process.versions.node.split(".")[0]') >= 18 )) || die "node $(node --version) is too old (>= 18)"

# playwright-core as pinned by package-lock.json, installed once per lock file
stamp=$HERE/node_modules/.gcert-lock.sha256
want=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  command -v npm >/dev/null || die "npm is missing: run scripts/deps.sh --test"
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in tests/browser failed"
  echo "$want" >"$stamp"
fi

# free_port: a loopback port nobody uses now, below the kernel's ephemeral range
free_port() {
  python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200):
    port = random.randrange(max(1024, low - 12000), low)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
PY
}
# wait_http URL LOG: until URL answers (10 s), or the log is shown and the test fails
wait_http() {
  local i
  for i in $(seq 100); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.1
  done
  cat "$2" >&2
  die "$1 did not answer"
}

if [[ ${1:-} == --mock ]]; then
  PORT=$(free_port)
  node "$HERE/mock-ra.mjs" --port "$PORT" >"$T/mock.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$PORT/" "$T/mock.log"
else
  die "the real RA service is not wired in yet"
fi

rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
node "$HERE/ra-ui.mjs" --base "http://127.0.0.1:$PORT" --out "$ARTIFACTS"
