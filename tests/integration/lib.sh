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

# new_ca DIR [ca init options...]: a fresh CA with its own SoftHSM2 token
new_ca() { local d=$1; shift; "$GCERT" ca init --dir "$d" "$@" >/dev/null; }

# make_csr KEYFILE CSRFILE [openssl genpkey options...]: default RSA 2048
make_csr() {
  local key=$1 csr=$2; shift 2
  if (( $# == 0 )); then set -- -algorithm RSA -pkeyopt rsa_keygen_bits:2048; fi
  openssl genpkey "$@" -out "$key" 2>/dev/null
  openssl req -new -key "$key" -subj "/CN=ignored by the CA" -out "$csr" 2>/dev/null
}

# make_request OUT ID CERT_TYPE YEARS CSRFILE [jq-like overrides as python expressions]
# Builds the request JSON of DESIGN.md; extra args are python statements run on `r`.
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

# sql DIR QUERY: read the CA database directly (not through gcert)
sql() { sqlite3 "$1/gcert.db" "$2"; }

PY=/usr/bin/python3 # Debian's python, where python3-asn1crypto lives

# issue_json DIR REQUEST: issues with --json; prints the JSON; exit status kept in $RC
issue_json() { set +e; "$GCERT" issue --dir "$1" --request "$2" --json; RC=$?; set -e; }
# json_field FIELD: reads JSON on stdin
json_field() { "$PY" -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }
