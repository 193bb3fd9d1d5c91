# ra_lib.sh - helpers of the RA service tests (sourced after lib.sh, never run).
# An RA directory, `gcert ra serve` on a free loopback port, curl with a cookie jar per user.

# new_ra DIR [ra init options...]: an RA named cmmp with a bootstrap B/D administrator
# admin1 of OGCIO (password in $T/pw.admin1). With GCERT_TEST_DB=pg its database is one of
# its own on the test run's PostgreSQL server (lib.sh new_pg_db), as each CA's.
new_ra() {
  local d=$1; shift
  if [[ $GCERT_TEST_DB == pg ]]; then new_pg_db; set -- "$@" --postgresql "$PG_URL"; fi
  "$GCERT" ra init --dir "$d" --name cmmp "$@" >/dev/null
  ra_bootstrap "$d" OGCIO admin1
}
# ra_bootstrap DIR ORG USER: a B/D administrator from the CLI
ra_bootstrap() {
  printf '%s\n' "pw-$3-secret" >"$T/pw.$3"
  "$GCERT" ra user add --dir "$1" --org "$2" --username "$3" --name "ADMIN $3" \
    --email "$3@example.gov.hk" --password-file "$T/pw.$3" >/dev/null
}
# ra_config DIR PYTHON-STATEMENTS: edits DIR/ra.json as `c`
ra_config() {
  "$PY" - "$1/ra.json" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
}
# start_ra DIR [serve options...]: `gcert ra serve` on a free port; sets RA_PID, RA
# (https://127.0.0.1:PORT/) and RA_CERT, the certificate it printed, which racurl trusts
# (issue 15: HTTPS, the key in the RA's token; no -k)
start_ra() {
  local d=$1; shift
  : >"$T/ra.out"
  "$GCERT" ra serve --dir "$d" --listen 127.0.0.1:0 "$@" >"$T/ra.out" 2>&1 &
  RA_PID=$!
  at_exit "kill $RA_PID"
  wait_for 60 grep -q "RA service at" "$T/ra.out" || { cat "$T/ra.out" >&2; fail "ra serve did not start"; return 1; }
  RA=$(sed -n 's/.*RA service at \(http[^ ]*\) .*/\1/p' "$T/ra.out")
  RA_CERT=$(sed -n 's/^RA TLS certificate .*: \(.*\)$/\1/p' "$T/ra.out")
}
# racurl ARGS...: curl to the RA, trusting only the certificate the RA printed
racurl() { if [[ -n ${RA_CERT:-} ]]; then curl --cacert "$RA_CERT" "$@"; else curl "$@"; fi; }
# stop_ra: SIGTERM; the service must exit 0 (under ASan: no error, no leak)
stop_ra() {
  local rc=0
  kill -TERM "$RA_PID"
  wait "$RA_PID" 2>/dev/null || rc=$?
  if [[ $rc == 0 ]]; then pass; else fail "gcert ra serve exited $rc"; tail -40 "$T/ra.out" >&2; fi
}

# api USER METHOD PATH [JSON]: as USER (cookie jar $T/jar.USER, CSRF from login);
# sets CODE (HTTP status) and BODY. USER "-" sends no cookie and no CSRF token.
api() {
  local user=$1 method=$2 path=$3 data=${4-}
  local args=(-s -o "$T/body" -w '%{http_code}' -X "$method")
  if [[ $user != - ]]; then
    args+=(-b "$T/jar.$user")
    [[ $method != GET && -f "$T/csrf.$user" ]] && args+=(-H "X-CSRF-Token: $(cat "$T/csrf.$user")")
  fi
  [[ -n $data ]] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
  CODE=$(racurl "${args[@]}" "$RA${path#/}")
  BODY=$(cat "$T/body")
}
# login USER [PASSWORD]: sets CODE, BODY; keeps the cookie and the CSRF token
login() {
  local pw=${2:-$(cat "$T/pw.$1" 2>/dev/null || echo "pw-$1-secret")}
  CODE=$(racurl -s -o "$T/body" -w '%{http_code}' -D "$T/headers.$1" -c "$T/jar.new" \
    -H 'Content-Type: application/json' \
    --data-binary "{\"username\": \"$1\", \"password\": \"$pw\"}" "${RA}api/login")
  BODY=$(cat "$T/body")
  # a failed login leaves the user's earlier session as it was
  if [[ $CODE == 200 ]]; then mv "$T/jar.new" "$T/jar.$1"; jq_get csrf <<<"$BODY" >"$T/csrf.$1"; fi
}
# jq_get EXPR: a field of the JSON on stdin, python syntax after the root ("id", "[0]['id']")
jq_get() {
  "$PY" -c '
import json, sys
v = json.load(sys.stdin)
e = sys.argv[1]
r = eval("v" + (e if e.startswith("[") else "[%r]" % e))
print(json.dumps(r) if isinstance(r, (dict, list, bool)) or r is None else r)' "$1"
}
err_code() { jq_get "['error']['code']" <<<"$BODY"; }
# add_user ADMIN USER ROLE: appoints through the API with the initial password
# pw-USER-initial, which USER changes at a first login (in a cookie jar of its own, so
# USER is not logged in afterwards) to pw-USER-secret
add_user() {
  api "$1" POST /api/users "{\"username\": \"$2\", \"name\": \"NAME $2\", \"email\": \"$2@example.gov.hk\", \"password\": \"pw-$2-initial\", \"roles\": [\"$3\"]}"
  [[ $CODE == 201 ]] || { echo "add_user $2: $CODE $BODY" >&2; return 1; }
  local id; id=$(jq_get id <<<"$BODY")
  local csrf; csrf=$(racurl -s -c "$T/jar.first.$2" -H 'Content-Type: application/json' \
    --data-binary "{\"username\": \"$2\", \"password\": \"pw-$2-initial\"}" "${RA}api/login" | jq_get csrf)
  racurl -s -o /dev/null -b "$T/jar.first.$2" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
    --data-binary "{\"current_password\": \"pw-$2-initial\", \"new_password\": \"pw-$2-secret\"}" \
    "${RA}api/me/password"
  racurl -s -o /dev/null -b "$T/jar.first.$2" -H "X-CSRF-Token: $csrf" -X POST "${RA}api/logout"
  echo "$id"
}
# ra_db_url DIR: the RA's PostgreSQL connection string (ra.json database.postgresql), or
# nothing for RADIR/ra.db
ra_db_url() {
  "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1] + "/ra.json")).get("database", {}).get("postgresql", ""))' "$1"
}
# rasql DIR QUERY: the RA database directly, not through gcert (psql for an RA on
# PostgreSQL: same "a|b" rows). SQLite's foreign keys are per connection: on here, as
# gcert has them and PostgreSQL always does.
rasql() {
  local url; url=$(ra_db_url "$1")
  if [[ -n $url ]]; then psql "$url" -qAt -v ON_ERROR_STOP=1 -c "$2"
  else sqlite3 -cmd "PRAGMA foreign_keys=ON" "$1/ra.db" "$2"; fi
}
# ra_has_column DIR TABLE COLUMN: 1 when the RA's TABLE has COLUMN, else 0
ra_has_column() {
  if [[ -n $(ra_db_url "$1") ]]; then
    rasql "$1" "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '$2' AND column_name = '$3'"
  else rasql "$1" "SELECT count(*) FROM pragma_table_info('$2') WHERE name = '$3'"; fi
}
APP_JSON='{"cert_type": "individual", "validity_years": 2, "terms_accepted": true,
 "subject": {"name": "CHAN Tai Man David", "email": "tmchan@example.gov.hk",
  "branch": "Infrastructure Division", "branch_abbr": "INFRA", "branch_zh": "基礎設施科",
  "category": "Civil Servant"}, "renews": null}'
APPROVE_JSON='{"staff_category": "civil_servant", "proof_type": "hkid",
 "record_checked": "government_personnel_records", "proof_ref_last4": "123A"}'
