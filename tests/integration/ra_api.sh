#!/usr/bin/env bash
# ra_api.sh - the RA service's API (docs/ra-api.md) with curl against `gcert ra serve` on
# a free loopback port: login, lock-out and unlock, session cookie flags, CSRF, segregation
# of duties (also by direct SQL: the database refuses), B/D boundaries, input refusals
# that store nothing, body size, malformed JSON, static files and path traversal.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ra_lib.sh"

D=$T/ra
new_ra "$D"
ra_bootstrap "$D" CSB admin2
mkdir -p "$T/web/js"
printf '<!doctype html><title>t</title>\n' >"$T/web/index.html"
printf 'console.log(1);\n' >"$T/web/js/app.js"
printf 'body{}\n' >"$T/web/style.css"
printf 'secret\n' >"$T/outside.txt"
ra_config "$D" "c['web_root'] = '$T/web'; c['max_failed_logins'] = 3"
start_ra "$D"
check_contains "serve prints its https URL" "https://127.0.0.1:" "$RA"

# ---- login, cookie, lock-out ----
login admin1
check_eq "login ok" 200 "$CODE"
check_eq "me: roles" '["bd_admin"]' "$(jq_get roles <<<"$BODY")"
check_eq "me: B/D" OGCIO "$(jq_get "['org']['code']" <<<"$BODY")"
cookie=$(grep -i '^set-cookie:' "$T/headers.admin1" | tr -d '\r')
check_contains "cookie HttpOnly" "HttpOnly" "$cookie"
check_contains "cookie SameSite=Strict" "SameSite=Strict" "$cookie"
check_contains "cookie Path=/" "Path=/" "$cookie"
check_contains "cookie Secure (HTTPS)" "; Secure" "$cookie"
token=$(sed -n 's/.*gcert_ra_session=\([0-9a-f]*\).*/\1/p' <<<"$cookie")
check_eq "session token: 256 bits" 64 "${#token}"
check_eq "only the token's hash is stored" 0 "$(rasql "$D" "SELECT count(*) FROM sessions WHERE token_hash = '$token'")"
check_eq "the hash is" 1 "$(rasql "$D" "SELECT count(*) FROM sessions WHERE token_hash = '$(printf %s "$token" | sha256sum | cut -c1-64)'")"

login admin1 wrong-password
check_eq "bad password: 401" 401 "$CODE"
check_eq "bad password: code" GC_E_RA_AUTH "$(err_code)"
login nobody whatever-pw
check_eq "unknown user: 401" 401 "$CODE"
check_eq "failures audited" 2 "$(rasql "$D" "SELECT count(*) FROM audit_log WHERE event = 'ra.login_failed' AND outcome = 'failure'")"
check_eq "no password in the audit trail" 0 "$(rasql "$D" "SELECT count(*) FROM audit_log WHERE detail LIKE '%wrong-password%' OR detail LIKE '%pw-admin1%'")"

api - GET /api/me
check_eq "no session: 401" 401 "$CODE"

req1=$(add_user admin1 req1 requester)
bm1=$(add_user admin1 bm1 business_manager)
lockme=$(add_user admin1 lockme requester)
for i in 1 2 3; do login lockme bad-$i; done
check_eq "third failure: 401" 401 "$CODE"
login lockme
check_eq "locked after max_failed_logins: 423 even with the right password" 423 "$CODE"
check_eq "locked: code" GC_E_RA_LOCKED "$(err_code)"
check_contains "the lock is audited" "account locked" "$(rasql "$D" "SELECT group_concat(detail) FROM audit_log WHERE object = 'lockme'")"
api admin1 POST "/api/users/$lockme/unlock"
check_eq "unlock: 200" 200 "$CODE"
check_eq "unlocked" false "$(jq_get locked <<<"$BODY")"
login lockme
check_eq "login after unlock" 200 "$CODE"

# ---- CSRF ----
before=$(rasql "$D" "SELECT count(*) FROM users")
CODE=$(racurl -s -o "$T/body" -w '%{http_code}' -b "$T/jar.admin1" -H 'Content-Type: application/json' \
  --data-binary '{"username": "c1", "name": "C", "email": "c1@example.gov.hk", "password": "pw-c1-secret", "roles": ["requester"]}' \
  "${RA}api/users")
BODY=$(cat "$T/body")
check_eq "CSRF missing: 403" 403 "$CODE"
check_eq "CSRF missing: code" GC_E_RA_CSRF "$(err_code)"
CODE=$(racurl -s -o "$T/body" -w '%{http_code}' -b "$T/jar.admin1" -H "X-CSRF-Token: $(printf '0%.0s' $(seq 64))" \
  -H 'Content-Type: application/json' \
  --data-binary '{"username": "c1", "name": "C", "email": "c1@example.gov.hk", "password": "pw-c1-secret", "roles": ["requester"]}' \
  "${RA}api/users")
check_eq "CSRF wrong: 403" 403 "$CODE"
check_eq "CSRF refusals stored nothing" "$before" "$(rasql "$D" "SELECT count(*) FROM users")"

# ---- segregation of duties ----
api admin1 POST /api/users '{"username": "both", "name": "B", "email": "b@example.gov.hk", "password": "pw-both-secret", "roles": ["requester", "business_manager"]}'
check_eq "both duties: 403" 403 "$CODE"
check_eq "both duties: code" GC_E_RA_SOD "$(err_code)"
api admin1 POST "/api/users/$req1/roles" '{"roles": ["requester", "business_manager"]}'
check_eq "both duties by a role change: 403" 403 "$CODE"
check_eq "refused role change stored nothing" requester "$(rasql "$D" "SELECT duty FROM users WHERE id = $req1")"
set +e
rasql "$D" "UPDATE users SET duty = 'requester,business_manager' WHERE id = $req1" 2>/dev/null
check "the database refuses a combined duty" test $? -ne 0
rasql "$D" "INSERT INTO users (org_id, username, name, email, pw_hash, duty, bd_admin, created_at) VALUES (1, 'sql', 'S', 's@x', 'h', 'both', 0, 0)" 2>/dev/null
check "the database refuses an unknown duty" test $? -ne 0
set -e
check_eq "one duty column: a user cannot hold two duties" 1 "$(ra_has_column "$D" users duty)"

# a B/D administrator of CSB cannot appoint in OGCIO
login admin2
api admin2 POST "/api/users/$req1/roles" '{"roles": ["business_manager"]}'
check_eq "bd_admin of another B/D: 403" 403 "$CODE"
check_eq "bd_admin of another B/D: code" GC_E_RA_FORBIDDEN "$(err_code)"
api admin2 POST /api/users '{"username": "x1", "name": "X", "email": "x1@example.gov.hk", "password": "pw-x1-secret", "roles": ["requester"], "org": "OGCIO"}'
check_eq "bd_admin adding into another B/D: 403" 403 "$CODE"
api admin2 GET /api/users
check_eq "users list: own B/D only" '["admin2"]' "$("$PY" -c 'import json,sys; print(json.dumps([u["username"] for u in json.load(sys.stdin)["items"]]))' <<<"$BODY")"
bm2=$(add_user admin2 bm2 business_manager)
api req1 POST /api/users '{}'
check_eq "not logged in as req1 yet: 401" 401 "$CODE"
login req1
api req1 POST "/api/users/$bm1/unlock"
check_eq "a requester is no B/D administrator: 403" 403 "$CODE"

# ---- the B/D's working days for revocations (§4.4.2) ----
api admin1 POST /api/orgs/OGCIO '{"revoke_working_days": 5}'
check_eq "bd_admin sets the B/D's working days" 200 "$CODE"
api admin1 POST /api/orgs/CSB '{"revoke_working_days": 5}'
check_eq "not for another B/D: 403" 403 "$CODE"
api admin1 POST /api/orgs/OGCIO '{"revoke_working_days": 0}'
check_eq "0 working days: 400" 400 "$CODE"
api req1 POST /api/orgs/OGCIO '{"revoke_working_days": 9}'
check_eq "a requester cannot: 403" 403 "$CODE"
api - GET /api/orgs
check_eq "24 B/Ds of App. E" 24 "$("$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$BODY")"
check_eq "OGCIO: 5 working days" 5 "$("$PY" -c 'import json,sys; print([o for o in json.load(sys.stdin) if o["code"] == "OGCIO"][0]["revoke_working_days"])' <<<"$BODY")"
check_eq "CSB: the default" 2 "$("$PY" -c 'import json,sys; print([o for o in json.load(sys.stdin) if o["code"] == "CSB"][0]["revoke_working_days"])' <<<"$BODY")"

# ---- applications: refusals store nothing ----
for bad in '"validity_years": 0' '"validity_years": 4'; do
  api req1 POST /api/applications "$("$PY" -c 'import json,sys; a=json.loads(sys.argv[1]); a.update(json.loads("{"+sys.argv[2]+"}")); print(json.dumps(a))' "$APP_JSON" "$bad")"
  check_eq "$bad: 400" 400 "$CODE"
  check_eq "$bad: code" GC_E_BAD_VALIDITY "$(err_code)"
done
api req1 POST /api/applications "$("$PY" -c 'import json,sys; a=json.loads(sys.argv[1]); del a["terms_accepted"]; print(json.dumps(a))' "$APP_JSON")"
check_eq "terms missing: 400" 400 "$CODE"
api req1 POST /api/applications "$("$PY" -c 'import json,sys; a=json.loads(sys.argv[1]); a["terms_accepted"]=False; print(json.dumps(a))' "$APP_JSON")"
check_eq "terms false: 400" 400 "$CODE"
api req1 POST /api/applications "$("$PY" -c 'import json,sys; a=json.loads(sys.argv[1]); a["subject"]["hkid"]="A1234567"; print(json.dumps(a))' "$APP_JSON")"
check_eq "unknown subject field: 400" 400 "$CODE"
# the CA's own subject rules (core/request.c, CPS App. B) at application time, naming the field
app_with() { "$PY" -c 'import json,sys; a=json.loads(sys.argv[1]); exec(sys.argv[2]); print(json.dumps(a, ensure_ascii=False))' "$APP_JSON" "$1"; }
err_field() { jq_get "['error'].get('field')" <<<"$BODY"; }
api req1 POST /api/applications "$(app_with 'a["subject"]["name"]="陳大文"')"
check_eq "App. B note 1 name (陳大文): 400 at application time" 400 "$CODE"
check_eq "... GC_E_REQUEST_FIELD" GC_E_REQUEST_FIELD "$(err_code)"
check_eq "... field subject.name" subject.name "$(err_field)"
check_contains "... the CPS rule named" "CPS App. B note 1" "$(jq_get "['error']['message']" <<<"$BODY")"
api req1 POST /api/applications "$(app_with 'a["subject"]["name"]="Chan Tai Man"')"
check_eq "surname not in capitals: subject.name" "400 subject.name" "$CODE $(err_field)"
api req1 POST /api/applications "$(app_with 'a["cert_type"]="functional_unit"; a["subject"]["name"]="陳大文"')"
check_eq "a Functional Unit may carry any name: 201" 201 "$CODE"
rasql "$D" "DELETE FROM applications; DELETE FROM applicants"
api req1 POST /api/applications "$(app_with 'a["subject"]["branch"]=" Infrastructure"')"
check_eq "leading space (the CA's rule): subject.branch" "400 subject.branch" "$CODE $(err_field)"
api req1 POST /api/applications "$(app_with 'a["subject"]["email"]="tm chan@example"')"
check_eq "bad email: subject.email" "400 subject.email" "$CODE $(err_field)"
api req1 POST /api/applications "$(app_with 'a["subject"]["branch_abbr"]="X"*65')"
check_eq "over the RFC 5280 bound: subject.branch_abbr" "400 subject.branch_abbr" "$CODE $(err_field)"
api req1 POST /api/applications "$(app_with 'a["validity_years"]=7')"
check_eq "validity: field validity_years" validity_years "$(err_field)"
api req1 POST /api/applications "$(app_with 'a["corrects"]=-1')"
check_eq "corrects: a bad id: 400 corrects" "400 corrects" "$CODE $(err_field)"
api req1 POST /api/applications "$(app_with 'a["corrects"]=999999')"
check_eq "corrects: an unknown application: 404" 404 "$CODE"
check_eq "refused applications stored nothing" "0 0" "$(rasql "$D" "SELECT (SELECT count(*) FROM applications) || ' ' || (SELECT count(*) FROM applicants)")"
api req1 POST /api/applications '{"cert_type": "individual", '
check_eq "malformed JSON: 400" 400 "$CODE"
check_eq "malformed JSON: code" GC_E_JSON "$(err_code)"
big=$("$PY" -c 'print("{\"note\": \"" + "x" * 70000 + "\"}")')
api req1 POST /api/applications "$big"
check_eq "oversized body: 413" 413 "$CODE"
check_eq "oversized body: code" GC_E_TOO_LARGE "$(err_code)"
check_eq "nothing stored" 0 "$(rasql "$D" "SELECT count(*) FROM applications")"

api req1 POST /api/applications "$APP_JSON"
check_eq "application: 201" 201 "$CODE"
app=$(jq_get id <<<"$BODY")
check_eq "application: pending" pending "$(jq_get status <<<"$BODY")"
check_contains "applicant identity number (§2.1.3 m)" "A" "$(jq_get applicant_id <<<"$BODY")"
check_eq "applicant number: 10 characters" 10 "$(jq_get applicant_id <<<"$BODY" | tr -d '\n' | wc -c)"
api req1 GET "/api/applications?mine=1"
check_eq "mine: one" "1 1" "$("$PY" -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"]), d["total"])' <<<"$BODY")"

# ---- lists: every argument checked before any SQL (docs/ra-api.md "Lists") ----
list_bad() { # WHAT URL FIELD
  api req1 GET "$2"
  check_eq "$1: 400 naming $3" "400 $3" "$CODE $(jq_get "['error'].get('field')" <<<"$BODY")"
}
list_bad "an unknown sort key" "/api/applications?sort=subject;DROP" sort
list_bad "a negative page" "/api/applications?page=-1" page
list_bad "page 0" "/api/applications?page=0" page
list_bad "a page past the limit" "/api/applications?page=100001" page
list_bad "per_page over 100" "/api/applications?per_page=101" per_page
list_bad "per_page not a number" "/api/certificates?per_page=1e3" per_page
list_bad "a bad order" "/api/applications?order=sideways" order
list_bad "an over-long search" "/api/certificates?q=$(printf 'x%.0s' $(seq 65))" q
list_bad "an unknown status" "/api/applications?status=lost" status
list_bad "an unknown argument" "/api/revocations?colour=red" colour
list_bad "an argument twice" "/api/applications?page=1&page=2" page
list_bad "a flag that is not 0/1" "/api/applications?mine=yes" mine
api req1 GET "/api/applications?$(for i in $(seq 17); do printf 'q=%d&' "$i"; done)"
check_eq "more than 16 arguments: 400" 400 "$CODE"
api req1 GET "/api/certificates?q=$(printf '%%25')"
check_eq "a search of %: taken literally, no rows" "200 0" "$CODE $(jq_get total <<<"$BODY")"
api req1 GET "/api/applications?q=tai%20man&sort=requested_at&order=asc&per_page=1&page=1"
check_eq "search, sort and paging: found" "200 1 1" "$CODE $(jq_get total <<<"$BODY") $(jq_get pages <<<"$BODY")"
api req1 GET "/api/applications?q=%E5%9F%BA%E7%A4%8E"
check_eq "a Chinese search (基礎) finds the branch" 1 "$(jq_get total <<<"$BODY")"
api req1 GET "/api/applications?page=2&per_page=1"
check_eq "a page past the end: empty, the total kept" "[] 1" "$(jq_get items <<<"$BODY") $(jq_get total <<<"$BODY")"
api admin1 GET "/api/users?role=requester&sort=username"
check_eq "users by role" '["lockme", "req1"]' "$("$PY" -c 'import json,sys; print(json.dumps([u["username"] for u in json.load(sys.stdin)["items"]]))' <<<"$BODY")"
api admin1 GET "/api/users?role=auditor"
check_eq "an unknown role: 400" 400 "$CODE"

# ---- who may decide ----
api req1 POST "/api/applications/$app/approve" "$APPROVE_JSON"
check_eq "requester cannot approve: 403" 403 "$CODE"
login bm2
api bm2 POST "/api/applications/$app/approve" "$APPROVE_JSON"
check_eq "business manager of another B/D cannot approve: 403" 403 "$CODE"
api bm2 GET "/api/applications/$app"
check_eq "nor read it: 403" 403 "$CODE"
login bm1
api bm1 POST "/api/applications/$app/approve" "$(sed 's/"123A"/"A1234567"/' <<<"$APPROVE_JSON")"
check_eq "a full proof number is refused: 400" 400 "$CODE"
api bm1 POST "/api/applications/$app/approve" "$(sed 's/government_personnel_records/contractor_agreement/' <<<"$APPROVE_JSON")"
check_eq "§3.1.8.1 record for the staff category: 400" 400 "$CODE"
check_eq "refused approvals changed nothing" pending "$(rasql "$D" "SELECT status FROM applications WHERE id = $app")"
set +e
rasql "$D" "UPDATE applications SET decided_by = requested_by, decided_at = 1 WHERE id = $app" 2>/dev/null
check "the database refuses a decision by the requester" test $? -ne 0
rasql "$D" "UPDATE applications SET decided_by = (SELECT id FROM users WHERE username = 'bm2'), decided_at = 1 WHERE id = $app" 2>/dev/null
check "the database refuses a decider of another B/D" test $? -ne 0
set -e
api bm1 POST "/api/applications/$app/reject" '{"reason": "not a member of staff"}'
check_eq "reject: 200" 200 "$CODE"
check_eq "rejected" rejected "$(jq_get status <<<"$BODY")"
check_eq "decided by" bm1 "$(jq_get decided_by <<<"$BODY")"
api bm1 POST "/api/applications/$app/approve" "$APPROVE_JSON"
check_eq "deciding twice: 409" 409 "$CODE"
check_eq "deciding twice: code" GC_E_RA_STATE "$(err_code)"
check_eq "mail queued for the requester" 1 "$(rasql "$D" "SELECT count(*) FROM outbox WHERE to_addr = 'req1@example.gov.hk'")"
check_eq "refusals by role or B/D audited" 1 "$(( $(rasql "$D" "SELECT count(*) FROM audit_log WHERE event = 'ra.request_refused'") >= 5 ))"

# ---- notifications and mails: the recipient's language, Hong Kong time, a link back ----
api req1 GET /api/notifications
check_eq "the rejection is in the requester's notifications" "1 application $app" "$(jq_get total <<<"$BODY") $(jq_get "['items'][0]['object']" <<<"$BODY")"
check_contains "... in English, in Hong Kong time" "HKT" "$(jq_get "['items'][0]['body']" <<<"$BODY")"
api req1 GET "/api/notifications?unread=maybe"
check_eq "unread: a bad flag: 400" 400 "$CODE"
api req1 POST /api/notifications/read '{"ids": ["x"]}'
check_eq "read: bad ids: 400 ids" "400 ids" "$CODE $(jq_get "['error'].get('field')" <<<"$BODY")"
api req1 POST /api/notifications/read '{}'
check_eq "all marked read" 1 "$(jq_get marked_read <<<"$BODY")"
api req1 GET "/api/notifications?unread=1"
check_eq "none unread" 0 "$(jq_get total <<<"$BODY")"
api bm1 GET /api/notifications
check_eq "another user's notifications are not shown" 0 "$(jq_get total <<<"$BODY")"
api req1 POST /api/me/lang '{"lang": "fr"}'
check_eq "a language we do not write: 400 lang" "400 lang" "$CODE $(jq_get "['error'].get('field')" <<<"$BODY")"
api req1 POST /api/me/lang '{"lang": "zh-Hant"}'
check_eq "the requester reads Chinese" zh-Hant "$(jq_get lang <<<"$BODY")"
api req1 POST /api/applications "$APP_JSON"
app2=$(jq_get id <<<"$BODY")
api bm1 POST "/api/applications/$app2/reject" '{"reason": "重複申請"}'
check_contains "the mail is in Chinese" "不獲批准" "$(rasql "$D" "SELECT subject FROM outbox WHERE to_addr = 'req1@example.gov.hk' ORDER BY id DESC LIMIT 1")"
check_contains "... with Hong Kong time" "HKT" "$(rasql "$D" "SELECT body FROM outbox WHERE to_addr = 'req1@example.gov.hk' ORDER BY id DESC LIMIT 1")"
api bm1 GET "/api/applications?decided_by_me=1&sort=decided_at&order=desc"
check_eq "decided by me: both, newest first" "2 $app2" "$(jq_get total <<<"$BODY") $(jq_get "['items'][0]['id']" <<<"$BODY")"
api req1 GET "/api/applications?decided_by_me=1"
check_eq "the requester decided none" 0 "$(jq_get total <<<"$BODY")"

# ---- account management (§4.5.1): initial passwords, resets, disabling, recovery ----
api admin1 POST /api/users '{"username": "newbie", "name": "N", "email": "newbie@example.gov.hk", "password": "pw-newbie-initial", "roles": ["requester"]}'
newbie=$(jq_get id <<<"$BODY")
check_eq "a new account must change its initial password" true "$(jq_get must_change_password <<<"$BODY")"
login newbie pw-newbie-initial
check_eq "it logs in" "200 true" "$CODE $(jq_get must_change_password <<<"$BODY")"
api newbie GET /api/certificates
check_eq "... and can do nothing else: 403" "403 GC_E_RA_PW_CHANGE" "$CODE $(err_code)"
api newbie POST /api/me/password '{"current_password": "wrong-one", "new_password": "pw-newbie-second"}'
check_eq "a wrong current password: 401 current_password" "401 current_password" "$CODE $(jq_get "['error'].get('field')" <<<"$BODY")"
api newbie POST /api/me/password '{"current_password": "pw-newbie-initial", "new_password": "short"}'
check_eq "a short new one: 400 new_password" "400 new_password" "$CODE $(jq_get "['error'].get('field')" <<<"$BODY")"
api newbie POST /api/me/password '{"current_password": "pw-newbie-initial", "new_password": "pw-newbie-initial"}'
check_eq "the same one again: 400" 400 "$CODE"
api newbie POST /api/me/password '{"current_password": "pw-newbie-initial", "new_password": "pw-newbie-second", "x": 1}'
check_eq "an unknown member: 400 x" "400 x" "$CODE $(jq_get "['error'].get('field')" <<<"$BODY")"
api newbie POST /api/me/password '{"current_password": "pw-newbie-initial", "new_password": "pw-newbie-second"}'
check_eq "changed" "200 false" "$CODE $(jq_get must_change_password <<<"$BODY")"
api newbie GET /api/certificates
check_eq "now the account works" 200 "$CODE"
login newbie pw-newbie-initial
check_eq "the old password is gone" 401 "$CODE"
api admin1 POST "/api/users/$newbie/password" '{"password": "pw-reset-by-admin"}'
check_eq "the B/D administrator resets it" "200 true" "$CODE $(jq_get must_change_password <<<"$BODY")"
api newbie GET /api/me
check_eq "the reset ends the user's sessions" 401 "$CODE"
api admin2 POST "/api/users/$newbie/password" '{"password": "pw-other-bd-admin"}'
check_eq "an administrator of another B/D cannot reset: 403" 403 "$CODE"
api req1 POST "/api/users/$newbie/password" '{"password": "pw-not-an-admin"}'
check_eq "nor a requester: 403" 403 "$CODE"
api admin1 POST "/api/users/$(rasql "$D" "SELECT id FROM users WHERE username = 'admin1'")/password" '{"password": "pw-my-own-reset"}'
check_eq "nobody resets their own password that way: 403" 403 "$CODE"
check_eq "each change audited" "1 1" "$(rasql "$D" "SELECT (SELECT count(*) FROM audit_log WHERE event = 'ra.password_reset') || ' ' || (SELECT count(*) FROM audit_log WHERE event = 'ra.password_changed' AND actor = 'ra:newbie')")"
api admin1 POST "/api/users/$newbie/disable"
check_eq "disabled" "200 true" "$CODE $(jq_get disabled <<<"$BODY")"
api admin1 POST "/api/users/$newbie/disable"
check_eq "disabled twice: 409" 409 "$CODE"
login newbie pw-reset-by-admin
check_eq "a disabled account cannot log in: 423" "423 GC_E_RA_DISABLED" "$CODE $(err_code)"
api admin1 GET "/api/users?disabled=1"
check_eq "the disabled filter" '["newbie"]' "$("$PY" -c 'import json,sys; print(json.dumps([u["username"] for u in json.load(sys.stdin)["items"]]))' <<<"$BODY")"
api admin1 POST "/api/users/$(rasql "$D" "SELECT id FROM users WHERE username = 'admin1'")/disable"
check_eq "an administrator never disables themself: 403" 403 "$CODE"
api admin1 POST "/api/users/$newbie/enable"
check_eq "enabled again" "200 false" "$CODE $(jq_get disabled <<<"$BODY")"
login newbie pw-reset-by-admin
check_eq "logs in with the reset password, to change it" "200 true" "$CODE $(jq_get must_change_password <<<"$BODY")"
# the last administrator locked out: the CLI on the RA's host is the way back
for i in 1 2 3; do login admin2 "bad-$i"; done
login admin2
check_eq "CSB's only administrator is locked out" 423 "$CODE"
printf 'pw-recovered-admin\n' >"$T/recover.pw"
ra_exit() { set +e; OUT=$("$@" 2>&1); RC=$?; set -e; }
ra_exit "$GCERT" ra user reset-admin --dir "$D" --username nobody-at-all --password-file "$T/recover.pw"
check_eq "reset-admin of an unknown user: exit 4 (no such object)" 4 "$RC"
printf 'short\n' >"$T/short.pw"
ra_exit "$GCERT" ra user reset-admin --dir "$D" --username admin2 --password-file "$T/short.pw"
check_eq "reset-admin with a short password: refused" 1 "$(( RC != 0 ))"
ra_exit "$GCERT" ra user reset-admin --dir "$D" --username admin2 --password-file "$T/recover.pw"
check_eq "gcert ra user reset-admin" 0 "$RC"
login admin2 pw-recovered-admin
check_eq "the administrator is back, to change the password" "200 true" "$CODE $(jq_get must_change_password <<<"$BODY")"
check_eq "the recovery is audited" 1 "$(rasql "$D" "SELECT count(*) FROM audit_log WHERE event = 'ra.admin_recovered' AND object = 'admin2'")"
api admin2 POST /api/me/password '{"current_password": "pw-recovered-admin", "new_password": "pw-admin2-secret"}'
check_eq "and changes it" 200 "$CODE"

# ---- the use-time check needs an application token ----
apptok=$("$GCERT" ra app-token --dir "$D" --name e-filing)
check_eq "app token: only the hash is stored" 0 "$(rasql "$D" "SELECT count(*) FROM app_tokens WHERE token_hash = '$apptok'")"
CODE=$(racurl -s -o "$T/body" -w '%{http_code}' "${RA}api/usable/$(printf 'a%.0s' $(seq 40))")
check_eq "usable without a token: 401" 401 "$CODE"
CODE=$(racurl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $apptok" "${RA}api/usable/$(printf 'a%.0s' $(seq 40))")
check_eq "usable: unknown serial: 200" 200 "$CODE"
check_eq "usable: unknown" "unknown false" "$(jq_get reason <$T/body) $(jq_get usable <$T/body)"

# ---- static files ----
ctype() { racurl -s -o /dev/null -w '%{http_code} %{content_type}' --path-as-is "$RA${1#/}"; }
check_eq "index" "200 text/html; charset=utf-8" "$(ctype /)"
check_eq "javascript" "200 text/javascript; charset=utf-8" "$(ctype /js/app.js)"
check_eq "css" "200 text/css; charset=utf-8" "$(ctype /style.css)"
check_eq "missing file: 404" 404 "$(ctype /nothing.html | cut -d' ' -f1)"
check_eq "path traversal: refused" 400 "$(ctype /../outside.txt | cut -d' ' -f1)"
check_eq "encoded path traversal: refused" 400 "$(ctype /js/%2e%2e/%2e%2e/outside.txt | cut -d' ' -f1)"
check_eq "dot files: refused" 400 "$(ctype /.hidden | cut -d' ' -f1)"
ln -s "$T/outside.txt" "$T/web/link.txt"
check_eq "a symbolic link out of the web root: 404" 404 "$(ctype /link.txt | cut -d' ' -f1)"
check_eq "POST to a static file: 400" 400 "$(racurl -s -o /dev/null -w '%{http_code}' -d x "${RA}index.html")"

# ---- an expired session is refused ----
api lockme GET /api/me
check_eq "session valid" 200 "$CODE"
rasql "$D" "UPDATE sessions SET expires_at = 1 WHERE user_id = $lockme"
api lockme GET /api/me
check_eq "expired session: 401" 401 "$CODE"

# ---- logout ----
api admin1 POST /api/logout
check_eq "logout: 200" 200 "$CODE"
api admin1 GET /api/me
check_eq "after logout: 401" 401 "$CODE"
stop_ra

# ---- the RA's database: RADIR/ra.db, or PostgreSQL when ra.json names it ----
ra_exit() { set +e; OUT=$("$@" 2>&1); RC=$?; set -e; }
cp "$D/ra.json" "$T/ra.json.kept"
ra_config "$D" "c['database'] = {'sqlite': 'other.db'}"
ra_exit "$GCERT" ra app-token --dir "$D" --name e-filing2
check_eq "ra.json: unknown database key: exit 5" 5 "$RC"
check_contains "ra.json: the key named" "database.sqlite" "$OUT"
ra_config "$D" "c['database'] = {'postgresql': '$T/not-a-url'}"
ra_exit "$GCERT" ra app-token --dir "$D" --name e-filing2
check_contains "ra.json: database.postgresql must be a connection string" "not a PostgreSQL connection string" "$OUT"
cp "$T/ra.json.kept" "$D/ra.json"
ra_exit "$GCERT" ra init --dir "$T/ra-bad" --name cmmp --postgresql "$T/file.db"
check_eq "ra init --postgresql FILE: usage, exit 2" 2 "$RC"
url=$(ra_db_url "$D")
if [[ -n $url ]]; then
  # the same database again, with a password in the URL (the test server trusts loopback)
  ra_exit "$GCERT" ra init --dir "$T/ra-again" --name cmmp --postgresql "${url/@/:not-this-secret@}"
  check_eq "a database holding an RA is refused: exit 5" 5 "$RC"
  check_contains "... as holding an RA" "already holds an RA" "$OUT"
  check_contains "... its URL shown without the password" ":***@" "$OUT"
  [[ $OUT != *not-this-secret* ]] && pass || fail "the password was printed: $OUT"
  check "nothing made in the refused directory" test ! -e "$T/ra-again/ra.json" -a ! -e "$T/ra-again/token"
  check_eq "the RA's tables are in its database" 1 "$(rasql "$D" "SELECT count(*) FROM orgs WHERE code = 'OGCIO'")"
  check "no ra.db beside" test ! -e "$D/ra.db"
else
  check "SQLite: RADIR/ra.db" test -s "$D/ra.db"
fi
finish
