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
export GC_RA_PASS=secret-pass-1 GC_P12_PASS=custody-pass-1 CHROMIUM

T=$(mktemp -d "${TMPDIR:-/tmp}/gcert-browser.XXXXXX")
PIDS=()
PG_DBS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  for p in "${PG_DBS[@]}"; do psql "$GCERT_TEST_PG" -qAt -c "DROP DATABASE IF EXISTS $p WITH (FORCE)" >/dev/null 2>&1 || true; done
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
  # npm trusts only Node's bundled roots; a registry reached through a TLS-inspecting proxy
  # is trusted by the system store (ca-certificates), so hand npm that store too
  sys_ca=/etc/ssl/certs/ca-certificates.crt
  [[ -r $sys_ca ]] || sys_ca=
  (cd "$HERE" && NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-$sys_ca} \
     npm ci --no-audit --no-fund --loglevel=error ${sys_ca:+--cafile="$sys_ca"}) ||
    die "npm ci in tests/browser failed"
  echo "$want" >"$stamp"
fi

# free_port: a loopback port nobody uses now, below the kernel's ephemeral range
free_port() { python3 "$SRC/scripts/free-port.py"; }
# Waits are for conditions with a deadline generous enough for ASan on two busy cores:
# GC_BROWSER_WAIT_S, else 120 s under GCERT_SANITIZE=1 (ctest sets it), else 60 s;
# ra-ui.mjs reads the same.
WAIT_S=${GC_BROWSER_WAIT_S:-$([[ ${GCERT_SANITIZE:-0} == 1 ]] && echo 120 || echo 60)}
export GC_BROWSER_WAIT_S=$WAIT_S
# until SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds or the deadline passes
until_ok() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < deadline )) || return 1
    sleep 0.2
  done
}
# wait_http URL LOG [curl options]: until URL answers, or the log is shown and the test fails
wait_http() {
  local url=$1 log=$2
  shift 2
  until_ok "$WAIT_S" curl -fs -o /dev/null "$@" "$url" && return 0
  cat "$log" >&2
  die "$url did not answer within $WAIT_S s"
}

# The PostgreSQL pass (GCERT_TEST_DB=pg, as tests/integration/lib.sh): the CA and the RA
# each on a database of its own on the server GCERT_TEST_PG, dropped at exit.
CA_DB=() RA_DB=()
if [[ ${GCERT_TEST_DB:-sqlite} == pg && ${1:-} != --mock ]]; then
  : "${GCERT_TEST_PG:?GCERT_TEST_DB=pg needs GCERT_TEST_PG, the URL of a running server (scripts/pg.sh start DIR)}"
  export PGOPTIONS="-c client_min_messages=warning"
  for role in ca ra; do
    PG_DBS+=("b_$$_$role")
    psql "$GCERT_TEST_PG" -qAt -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS b_$$_$role WITH (FORCE)" \
      -c "CREATE DATABASE b_$$_$role" >/dev/null || die "cannot make a database on $GCERT_TEST_PG"
  done
  CA_DB=(--postgresql "${GCERT_TEST_PG%/*}/b_$$_ca") RA_DB=(--postgresql "${GCERT_TEST_PG%/*}/b_$$_ra")
fi

if [[ ${1:-} == --mock ]]; then
  PORT=$(free_port)
  node "$HERE/mock-ra.mjs" --port "$PORT" >"$T/mock.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$PORT/" "$T/mock.log"
  BASE=http://127.0.0.1:$PORT SPKI=
else
  : "${GCERT:?GCERT must name the gcert binary (ctest sets it)}"
  "$GCERT" ra serve --help >/dev/null 2>&1 || { echo "SKIP: this gcert has no 'ra serve'"; exit 77; }
  CA=$T/ca RA=$T/ra
  REPO_PORT=$(free_port) IF_PORT=$(free_port) PORT=$(free_port)
  # the CA: key ceremony, the certificates the RA pins
  "$GCERT" ca init --dir "$CA" "${CA_DB[@]}" >/dev/null
  "$GCERT" ca certs --dir "$CA" --out-dir "$T/trust" >/dev/null
  "$GCERT" ca service-cert --dir "$CA" --out "$T/ca-service.pem"
  "$GCERT" ca service-cert --dir "$CA" --tls --out "$T/ca-tls.pem"
  # the RA (CMMP), online to the CA's interface; the CA pins the RA's service certificate
  "$GCERT" ra init --dir "$RA" --name cmmp --ca-url "https://127.0.0.1:$IF_PORT/interface" \
    --ca-tls-cert "$T/ca-tls.pem" --ca-service-cert "$T/ca-service.pem" \
    --ca-repo "http://127.0.0.1:$REPO_PORT/" --ca-cert "$T/trust/issuing-ca.pem" "${RA_DB[@]}" >/dev/null
  "$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$RA/ra-service.pem" >/dev/null
  # the RA's users: one B/D administrator, one Requester, one Business Manager of OGCIO
  printf '%s\n' "$GC_RA_PASS" >"$T/pw"
  add_user() { # USERNAME NAME ROLES
    "$GCERT" ra user add --dir "$RA" --org OGCIO --username "$1" --name "$2" \
      --email "$1@ogcio.example.gov.hk" --password-file "$T/pw" --roles "$3" >/dev/null
  }
  add_user admin1 "LEE Siu Ming" bd_admin
  add_user req1 "CHAN Tai Man" requester
  add_user bm1 "WONG Mei Ling" business_manager
  add_user bm2 "HO Ka Yan" business_manager
  # the web UI is this tree's web/ra
  python3 - "$RA/ra.json" "$SRC/web/ra" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["web_root"] = sys.argv[2]
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
  "$GCERT" ca serve --dir "$CA" --listen "127.0.0.1:$REPO_PORT" --ldap none \
    --interface-listen "127.0.0.1:$IF_PORT" >"$T/ca.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$REPO_PORT/" "$T/ca.log"
  "$GCERT" ra serve --dir "$RA" --listen "127.0.0.1:$PORT" >"$T/ra.log" 2>&1 &
  PIDS+=($!)
  # HTTPS (issue 15): the RA's own certificate is the trust anchor, for curl and Chromium
  wait_http "https://127.0.0.1:$PORT/" "$T/ra.log" --cacert "$RA/web-tls.pem"
  grep -q "RA TLS certificate .*: $RA/web-tls.pem" "$T/ra.log" || die "ra serve did not name its certificate"
  BASE=https://127.0.0.1:$PORT
  SPKI=$(openssl x509 -in "$RA/web-tls.pem" -pubkey -noout | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -binary | base64)
fi

rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
status=0
node "$HERE/ra-ui.mjs" --base "$BASE" ${SPKI:+--spki "$SPKI"} --out "$ARTIFACTS" || status=1
[[ ${1:-} == --mock || $status != 0 ]] && exit $status

# What the browser saw, checked on the CA's side with tools we did not write: the PEM the
# certificates page gave is a certificate of this CA for the applicant, and the revocation
# the Business Manager approved reached the CA.
pem=$(ls "$ARTIFACTS"/*.pem)
serial=$(basename "$pem" .pem)
checks=0
check() { # WHAT COMMAND...
  local what=$1; shift
  if "$@" >"$T/check.out" 2>&1; then checks=$((checks + 1)); else echo "FAIL: $what" >&2; sed 's/^/    /' "$T/check.out" >&2; status=1; fi
}
check "the downloaded PEM verifies up to this CA's root" \
  openssl verify -CAfile "$T/trust/root.pem" -untrusted "$T/trust/issuing-ca.pem" "$pem"
subject=$(openssl x509 -in "$pem" -noout -subject -nameopt RFC2253,-esc_msb)
check "the certificate names the applicant: $subject" grep -q 'CN=CHAN Tai Man [0-9]*' <<<"$subject"
check "the serial is the certificate's" test "$(openssl x509 -in "$pem" -noout -serial | cut -d= -f2 | tr A-F a-f)" = "$serial"
p12=$ARTIFACTS/$serial.p12
check "the exported PKCS#12 opens with the passphrase and holds that certificate" \
  bash -c 'openssl pkcs12 -in "$1" -passin "pass:$2" -nokeys | openssl x509 -noout -serial | grep -qi "=$3$"' _ "$p12" "$GC_P12_PASS" "$serial"
check "the exported key is the certificate's key" test \
  "$(openssl pkcs12 -in "$p12" -passin "pass:$GC_P12_PASS" -nocerts -nodes 2>/dev/null | openssl pkey -pubout 2>/dev/null | sha256sum)" = \
  "$(openssl x509 -in "$pem" -noout -pubkey | sha256sum)"
rm -f "$p12" # a private key, even a test one, is not left lying in the build tree
# the CA's own list of revocations (§4.4.3), not the RA's word
ca_revoked() {
  "$GCERT" revocations --dir "$CA" --json | python3 -c '
import json, sys
sys.exit(0 if any(r.get("serial") == sys.argv[1] for r in json.load(sys.stdin)) else 1)' "$serial"
}
until_ok "$WAIT_S" ca_revoked || true
check "the CA has revoked it" ca_revoked
[[ $status == 0 ]] || { echo "--- RA service log" >&2; tail -20 "$T/ra.log" >&2; echo "--- CA service log" >&2; tail -20 "$T/ca.log" >&2; }
echo "CA-side checks: $checks passed"
exit $status
