# lib.sh - shared helpers of the integration tests (sourced, never run).
# Each test gets its own scratch directory, removed on exit, and a fresh CA when asked.
set -euo pipefail

: "${GCERT:?GCERT must name the gcert binary (ctest sets it)}"
: "${GCERT_SRC:?GCERT_SRC must name the source tree}"
T=$(mktemp -d "${TMPDIR:-/tmp}/gcert-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILS=0
CHECKS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { CHECKS=$((CHECKS + 1)); }
check() { # check "what" COMMAND...: the command must succeed
  local what=$1; shift
  if "$@" >"$T/check.out" 2>&1; then pass; else fail "$what"; sed 's/^/    /' "$T/check.out" >&2; fi
}
check_eq() { # check_eq "what" EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then pass; else fail "$1: expected [$2], got [$3]"; fi
}
check_contains() { # check_contains "what" NEEDLE HAYSTACK
  if [[ "$3" == *"$2"* ]]; then pass; else fail "$1: [$2] not in [$3]"; fi
}
finish() {
  if (( FAILS > 0 )); then echo "$FAILS of $((CHECKS + FAILS)) checks failed" >&2; exit 1; fi
  echo "all $CHECKS checks passed"
}

# ---- the database: SQLite by default; GCERT_TEST_DB=pg puts each CA that new_ca makes
# in a database of its own on one PostgreSQL server of the test run, GCERT_TEST_PG
# (scripts/pg.sh start DIR prints it; scripts/test.sh starts one for its pg pass) ----
GCERT_TEST_DB=${GCERT_TEST_DB:-sqlite}
if [[ $GCERT_TEST_DB == pg ]]; then
  export PGOPTIONS="-c client_min_messages=warning" # no NOTICE of DROP ... IF EXISTS
  : "${GCERT_TEST_PG:?GCERT_TEST_DB=pg needs GCERT_TEST_PG, the URL of a running server (scripts/pg.sh start DIR)}"
fi
PG_DBS=0
# new_pg_db: a fresh database for this test (ctest runs tests side by side); its URL in
# PG_URL; dropped when the test exits
new_pg_db() {
  local name="t_$$_$((++PG_DBS))"
  psql "$GCERT_TEST_PG" -qAt -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null
  at_exit "psql '$GCERT_TEST_PG' -qAt -c 'DROP DATABASE IF EXISTS $name WITH (FORCE)'"
  PG_URL="${GCERT_TEST_PG%/*}/$name"
  # the tests' own queries use SQLite's group_concat(), hex(), instr(), zeroblob(): the same here (the
  # test's schema only; gcert's SQL never uses them)
  psql "$PG_URL" -qAt -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE SCHEMA test_shims;
CREATE FUNCTION test_shims.concat_sep(a text, b anyelement, sep text) RETURNS text IMMUTABLE
  LANGUAGE sql AS $$ SELECT CASE WHEN b IS NULL THEN a WHEN a IS NULL THEN b::text
                                 ELSE a || sep || b::text END $$;
CREATE FUNCTION test_shims.concat_comma(a text, b anyelement) RETURNS text IMMUTABLE LANGUAGE sql
  AS $$ SELECT test_shims.concat_sep(a, b, ',') $$;
CREATE AGGREGATE public.group_concat(anyelement) (SFUNC = test_shims.concat_comma, STYPE = text);
CREATE AGGREGATE public.group_concat(anyelement, text) (SFUNC = test_shims.concat_sep, STYPE = text);
CREATE FUNCTION public.hex(bytea) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT upper(encode($1, 'hex')) $$;
CREATE FUNCTION public.instr(text, text) RETURNS integer IMMUTABLE LANGUAGE sql AS $$ SELECT strpos($1, $2) $$;
CREATE FUNCTION public.zeroblob(integer) RETURNS bytea IMMUTABLE LANGUAGE sql
  AS $$ SELECT decode(repeat('00', $1), 'hex') $$;
SQL
}
# db_url DIR: the CA's PostgreSQL connection string, or nothing for SQLite
db_url() {
  "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1] + "/gcert.json"))["database"].get("postgresql", ""))' "$1"
}

# new_ca DIR [ca init options...]: a fresh CA with its own SoftHSM2 token
new_ca() {
  local d=$1; shift
  if [[ $GCERT_TEST_DB == pg ]]; then new_pg_db; set -- "$@" --postgresql "$PG_URL"; fi
  "$GCERT" ca init --dir "$d" "$@" >/dev/null
}

# make_csr KEYFILE CSRFILE [openssl genpkey options...]: default RSA 2048
make_csr() {
  local key=$1 csr=$2; shift 2
  if (( $# == 0 )); then set -- -algorithm RSA -pkeyopt rsa_keygen_bits:2048; fi
  openssl genpkey "$@" -out "$key" 2>/dev/null
  openssl req -new -key "$key" -subj "/CN=ignored by the CA" -out "$csr" 2>/dev/null
}

# make_request OUT ID CERT_TYPE YEARS CSRFILE [jq-like overrides as python expressions]
# Builds the request JSON of docs/design.md; extra args are python statements run on `r`.
make_request() {
  local out=$1 id=$2 type=$3 years=$4 csr=$5; shift 5
  python3 - "$out" "$id" "$type" "$years" "$csr" "$@" <<'PY'
import json, sys
out, rid, ctype, years, csr = sys.argv[1:6]
r = {"id": rid, "type": "issue", "cert_type": ctype, "validity_years": int(years),
     "subject": {"name": "CHAN Tai Man David", "email": "tmchan@example.gov.hk",
                 "branch": "Infrastructure Division",
                 "organisation": "Office of the Government Chief Information Officer",
                 "branch_abbr": "INFRA", "branch_zh": "基礎設施科",
                 "organisation_zh": "政府資訊科技總監辦公室", "category": "Civil Servant"},
     "csr": open(csr).read()}
for stmt in sys.argv[6:]:
    exec(stmt)
open(out, "w", encoding="utf-8").write(json.dumps(r, ensure_ascii=False))
PY
}

# sql DIR QUERY: read (or, in tamper tests, change) the CA database directly, not through
# gcert; psql for a CA on PostgreSQL (same "a|b" rows; a boolean reads t/f there)
sql() {
  local url; url=$(db_url "$1")
  if [[ -n $url ]]; then psql "$url" -qAt -v ON_ERROR_STOP=1 -c "$2"; else sqlite3 "$1/gcert.db" "$2"; fi
}

PY=/usr/bin/python3 # Debian's python, where python3-asn1crypto lives

# issue_json DIR REQUEST: issues with --json; prints the JSON; exit status kept in $RC
issue_json() { set +e; "$GCERT" issue --dir "$1" --request "$2" --json; RC=$?; set -e; }
# json_field FIELD: reads JSON on stdin
json_field() { "$PY" -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }

# ---- servers (repository tests) ----
# at_exit CMD: run CMD when the test exits (before the scratch directory goes).
AT_EXIT=()
at_exit() { AT_EXIT+=("$1"); }
trap 'for c in "${AT_EXIT[@]}"; do eval "$c" >/dev/null 2>&1 || true; done; rm -rf "$T"' EXIT
trap 'exit 143' TERM INT # so that a test stopped by ctest's timeout still cleans up

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for() {
  local deadline=$(( $(date +%s%N) / 1000000 + ${1%.*} * 1000 )); shift
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s%N) / 1000000 < deadline )) || return 1
    sleep 0.1
  done
}

# start_serve DIR [serve options...]: `gcert ca serve` on a free loopback port, stopped on
# exit. Sets SERVE_PID and URL (http://127.0.0.1:PORT/).
start_serve() {
  local d=$1; shift
  : >"$T/serve.out"
  "$GCERT" ca serve --dir "$d" --listen 127.0.0.1:0 "$@" >"$T/serve.out" 2>&1 &
  SERVE_PID=$!
  at_exit "kill $SERVE_PID"
  wait_for 60 grep -q "repository at" "$T/serve.out" || { cat "$T/serve.out" >&2; fail "ca serve did not start"; return 1; }
  URL=$(sed -n 's/.*repository at \(http[^ ]*\) .*/\1/p' "$T/serve.out")
}

# stop_serve: SIGTERM, and the service must exit 0 within 5 s.
stop_serve() {
  kill -TERM "$SERVE_PID"
  local i
  for i in $(seq 1 50); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
  wait "$SERVE_PID"
}

# free_port: a loopback port nobody uses now, below the kernel's ephemeral range, so that
# no client connection or port-0 server can take it while a server is restarted on it.
free_port() { python3 "$GCERT_SRC/scripts/free-port.py"; }

# make_crl OUT: a fresh DER CRL (new cRLNumber each call) from a throwaway signer. The
# repository publishes whatever CRL files appear; the real ones come from `gcert crl`.
make_crl() {
  local out=$1 d="$T/crlsigner"
  if [[ ! -f "$d/ca.key" ]]; then
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
      -subj "/CN=test CRL signer" -days 2 2>/dev/null
    : >"$d/index.txt"
    echo 01 >"$d/crlnumber"
    printf '[ca]\ndefault_ca = t\n[t]\ndatabase = %s/index.txt\ncrlnumber = %s/crlnumber\ncertificate = %s/ca.pem\nprivate_key = %s/ca.key\ndefault_md = sha256\ndefault_crl_days = 1\n' \
      "$d" "$d" "$d" "$d" >"$d/ca.cnf"
  fi
  openssl ca -config "$d/ca.cnf" -gencrl -out "$d/crl.pem" 2>/dev/null
  openssl crl -in "$d/crl.pem" -outform DER -out "$out"
}

# publish_file SRC DIR NAME: renames SRC into DIR/repo/crl/NAME, as the CRL writer does.
publish_file() {
  mkdir -p "$2/repo/crl"
  cp "$1" "$2/repo/crl/.$3.tmp"
  mv -f "$2/repo/crl/.$3.tmp" "$2/repo/crl/$3"
}

# hexof FILE: lower-case hex of a file's bytes, one line.
hexof() { od -An -v -tx1 "$1" | tr -d ' \n'; }
# sql_unguarded DIR SQL: SQL run past the append-only triggers (tamper tests). SQLite:
# the triggers are dropped first, for good (the tests put an intact copy back after);
# PostgreSQL: for this session only (session_replication_role = replica).
sql_unguarded() {
  if [[ -n $(db_url "$1") ]]; then
    sql "$1" "SET session_replication_role = replica; $2"
  else
    local drops; drops=$(sqlite3 "$1/gcert.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master
      WHERE type = 'trigger' AND (name LIKE '%immutable' OR name LIKE '%no_update' OR name LIKE '%no_delete')")
    sqlite3 "$1/gcert.db" "$drops $2"
  fi
}
# blob_literal HEX: a blob constant in the CA database's SQL
blob_literal() {
  if [[ $GCERT_TEST_DB == pg ]]; then echo "decode('$1', 'hex')"; else echo "x'$1'"; fi
}
# db_save DIR NAME / db_restore DIR NAME: a copy of the CA database, and putting it back
# (no gcert process may hold the database meanwhile)
db_save() {
  local url; url=$(db_url "$1")
  if [[ -z $url ]]; then cp "$1/gcert.db" "$T/$2.saved.db"; return; fi
  psql "$GCERT_TEST_PG" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE ${url##*/}_$2 TEMPLATE ${url##*/}"
  at_exit "psql '$GCERT_TEST_PG' -qAt -c 'DROP DATABASE IF EXISTS ${url##*/}_$2 WITH (FORCE)'"
}
db_restore() {
  local url; url=$(db_url "$1")
  if [[ -z $url ]]; then cp "$T/$2.saved.db" "$1/gcert.db"; return; fi
  psql "$GCERT_TEST_PG" -qAt -v ON_ERROR_STOP=1 -c "DROP DATABASE ${url##*/} WITH (FORCE)" \
    -c "CREATE DATABASE ${url##*/} TEMPLATE ${url##*/}_$2"
}

# sqlhex DIR QUERY: lower-case hex of one blob from the CA database.
sqlhex() {
  if [[ -n $(db_url "$1") ]]; then sql "$1" "SELECT encode(($2), 'hex')"; else sql "$1" "SELECT lower(hex(($2)))"; fi
}

# ---- keys in a token (issue 15: no private key outside a token) ----
# token_objects DIR LABEL: pkcs11-tool's list of the objects of DIR's SoftHSM2 token
# (DIR/token/softhsm2.conf, PIN in DIR/token/user.pin, or PIN= in the environment)
token_objects() {
  SOFTHSM2_CONF=$1/token/softhsm2.conf pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so \
    --token-label "$2" --login --pin "${PIN:-$(cat "$1/token/user.pin")}" --list-objects 2>/dev/null
}
# check_token_key "what" DIR TOKEN-LABEL KEY-LABEL: the private key is in the token,
# sensitive and never extractable
check_token_key() {
  local block
  block=$(token_objects "$2" "$3" | awk -v l="$4" '/^Private Key Object/{p=1; b=""} p{b=b"\n"$0}
    /Access:/{if (p && b ~ "label: +"l"\n") print b; p=0}')
  check_contains "$1: private key $4 in the token" "label:      $4" "$block"
  check_contains "$1: $4 sensitive, never extractable" "sensitive, always sensitive, never extractable" "$block"
}
# token_pubkey DIR TOKEN-LABEL KEY-LABEL OUT: the public key of that key pair, PEM (a
# running service may hold the token's files for a moment: tried for up to 10 s)
token_pubkey() {
  local i
  for i in $(seq 20); do
    SOFTHSM2_CONF=$1/token/softhsm2.conf pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so \
      --token-label "$2" --login --pin "${PIN:-$(cat "$1/token/user.pin")}" --read-object --type pubkey \
      --label "$3" -o "$4.der" >/dev/null 2>&1 && openssl pkey -pubin -inform DER -in "$4.der" -out "$4" 2>/dev/null &&
      return 0
    sleep 0.5
  done
  fail "token_pubkey: cannot read the public key $3 from the token of $1"
  : >"$4"
}
# served_pubkey HOST:PORT OUT [s_client options]: the public key of the certificate a TLS
# server presents, PEM
served_pubkey() {
  local addr=$1 out=$2; shift 2
  openssl s_client -connect "$addr" "$@" </dev/null 2>/dev/null | openssl x509 -pubkey -noout >"$out"
}
