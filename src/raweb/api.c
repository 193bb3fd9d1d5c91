/*
 * api.c - the RA service's JSON API (docs/ra-api.md): the error answer, checked input,
 * sessions and CSRF (login, logout, me) and the routing to api_people.c,
 * api_apps.c and api_certs.c.
 *
 * Every input is checked at the edge, before anything changes; a refusal changes
 * nothing. Every state change commits with its audit record. Segregation of duties is
 * checked in the handlers for a precise answer and held by the database (ra_db.c)
 * regardless. No secret (password, session token, CSRF token, application token) is ever
 * written to the audit trail: sessions and tokens are stored only as SHA-256 hashes.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "ra/link.h"
#include "raweb/api_int.h"
#include "ra/ra_flow.h"
#include "store/db.h"

/* ---- errors and responses ---- */

unsigned gc_ra_http_status(gc_result rc)
{
	switch (rc) {
	case GC_E_RA_AUTH: return 401;
	case GC_E_RA_LOCKED: return 423;
	case GC_E_RA_CSRF:
	case GC_E_RA_FORBIDDEN:
	case GC_E_RA_SOD: return 403;
	case GC_E_NOT_FOUND: return 404;
	case GC_E_TOO_LARGE: return 413;
	case GC_E_RA_STATE:
	case GC_E_CONFLICT:
	case GC_E_ALREADY_REVOKED:
	case GC_E_DB_CONSTRAINT: return 409;
	case GC_E_CRL_UNAVAILABLE:
	case GC_E_RA_CRL: return 503;
	default:
		return gc_code_category(rc) == GC_CAT_INPUT ? 400 : gc_code_category(rc) == GC_CAT_CONFLICT ? 409 : 500;
	}
}

void gc_ra_error_body(struct gc_ra_resp *resp, gc_result rc)
{
	const char *detail = gc_err_detail();
	json_t *e = json_pack("{s:{s:s, s:s}}", "error", "code", gc_code_name(rc), "message",
	                      detail && detail[0] ? detail : gc_code_message(rc));

	resp->status = gc_ra_http_status(rc);
	resp->type = T_JSON;
	free(resp->body);
	resp->body = e ? json_dumps(e, JSON_COMPACT) : NULL;
	resp->len = resp->body ? strlen(resp->body) : 0;
	json_decref(e);
}

/* Sets the response to a JSON value (consumed). */
gc_result ra_reply(struct call *c, unsigned status, json_t *v)
{
	GC_ENSURE(v != NULL, GC_E_NOMEM, "response: out of memory");
	free(c->resp->body);
	c->resp->body = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	GC_ENSURE(c->resp->body != NULL, GC_E_NOMEM, "response: out of memory");
	c->resp->len = strlen(c->resp->body);
	c->resp->status = status;
	c->resp->type = T_JSON;
	return GC_OK;
}

json_t *ra_time_json(int64_t t)
{
	char s[21];

	if (t <= 0)
		return json_null();
	gc_time_format(t, s);
	return json_string(s);
}

json_t *ra_text_or_null(struct gc_stmt *st, int col)
{
	return gc_stmt_is_null(st, col) ? json_null() : json_string(gc_stmt_text(st, col));
}

/* ---- small database helpers ---- */

gc_result ra_prep(struct call *c, const char *sql, struct gc_stmt **st)
{
	return gc_db_prepare(c->ra->db, sql, st);
}

/* Runs st (bound) and requires that it changed exactly one row: else the object moved on. */
gc_result ra_run_one(struct call *c, struct gc_stmt *st, const char *what)
{
	GC_GUARD(gc_stmt_run(st));
	GC_ENSURE(gc_db_changes(c->ra->db) == 1, GC_E_RA_STATE, "%s: no longer in that state", what);
	return GC_OK;
}

/* Commits, or rolls back and returns the first failure. */
gc_result ra_finish_tx(struct call *c, gc_result rc)
{
	if (rc == GC_OK)
		return gc_db_commit(c->ra->db);
	gc_db_rollback(c->ra->db);
	return rc;
}

/* ---- input ---- */

gc_result ra_body_object(struct call *c)
{
	json_error_t jerr;

	GC_ENSURE(c->req->body_len > 0, GC_E_JSON, "request body: a JSON object is required");
	c->body = json_loadb(c->req->body, c->req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	GC_ENSURE(c->body != NULL, GC_E_JSON, "request body: line %d column %d: %s", jerr.line,
	          jerr.column, jerr.text);
	GC_ENSURE(json_is_object(c->body), GC_E_JSON, "request body: must be a JSON object");
	return GC_OK;
}

/* Every key of obj must be one of the NULL-terminated list. */
gc_result ra_only_keys(json_t *obj, const char *where, const char *const *keys)
{
	const char *k;
	json_t *v;
	int i;

	json_object_foreach(obj, k, v) {
		for (i = 0; keys[i] != NULL && strcmp(keys[i], k) != 0; i++)
			;
		GC_ENSURE(keys[i] != NULL, GC_E_REQUEST_FIELD, "%s: unknown field \"%s\"", where, k);
	}
	return GC_OK;
}

/* A text field of 1..max characters (min 0: optional, NULL when absent). */
gc_result ra_text_field(json_t *obj, const char *key, size_t max, bool required, const char **out)
{
	json_t *v = json_object_get(obj, key);
	long n;

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		GC_ENSURE(!required, GC_E_REQUEST_FIELD, "%s: required", key);
		return GC_OK;
	}
	GC_ENSURE(json_is_string(v), GC_E_REQUEST_FIELD, "%s: must be a string", key);
	n = gc_utf8_chars(json_string_value(v), json_string_length(v));
	GC_ENSURE(n >= 0, GC_E_NOT_UTF8, "%s: not UTF-8 text, or holds a control character", key);
	GC_ENSURE(n >= 1 && (size_t)n <= max, GC_E_REQUEST_FIELD, "%s: must have 1..%zu characters (got %ld)",
	          key, max, n);
	*out = json_string_value(v);
	return GC_OK;
}

gc_result ra_one_of(const char *key, const char *v, const char *const *allowed)
{
	int i;

	for (i = 0; allowed[i] != NULL; i++)
		if (v != NULL && strcmp(v, allowed[i]) == 0)
			return GC_OK;
	return gc_fail(GC_E_REQUEST_FIELD, "%s: must be one of %s%s%s%s%s", key, allowed[0],
	               allowed[1] ? ", " : "", allowed[1] ? allowed[1] : "", allowed[2] ? ", ..." : "", "");
}

gc_result ra_id_segment(const char *s, int64_t *id)
{
	char *end;
	long long v;

	GC_ENSURE(s[0] >= '1' && s[0] <= '9' && strlen(s) <= 15, GC_E_NOT_FOUND, "no object %s", s);
	v = strtoll(s, &end, 10);
	GC_ENSURE(*end == '\0', GC_E_NOT_FOUND, "no object %s", s);
	*id = v;
	return GC_OK;
}

/* A serial: 40 hex digits, stored lower-case. */
gc_result ra_serial_value(const char *s, char out[41])
{
	size_t i;

	GC_ENSURE(s != NULL && strlen(s) == 40, GC_E_REQUEST_FIELD, "serial: must be 40 hex digits");
	for (i = 0; i < 40; i++) {
		char ch = s[i];
		GC_ENSURE((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'),
		          GC_E_REQUEST_FIELD, "serial: must be 40 hex digits");
		out[i] = (char)(ch >= 'A' && ch <= 'F' ? ch - 'A' + 'a' : ch);
	}
	out[40] = '\0';
	return GC_OK;
}

/* ---- roles ---- */

static json_t *roles_json(bool bd_admin, enum gc_ra_duty duty)
{
	json_t *a = json_array();

	if (bd_admin)
		json_array_append_new(a, json_string("bd_admin"));
	if (duty == GC_RA_DUTY_REQUESTER)
		json_array_append_new(a, json_string("requester"));
	if (duty == GC_RA_DUTY_BM)
		json_array_append_new(a, json_string("business_manager"));
	return a;
}

static enum gc_ra_duty duty_of(const char *s)
{
	if (s == NULL)
		return GC_RA_DUTY_NONE;
	return strcmp(s, "requester") == 0 ? GC_RA_DUTY_REQUESTER : GC_RA_DUTY_BM;
}

const char *ra_duty_name(enum gc_ra_duty d)
{
	return d == GC_RA_DUTY_REQUESTER ? "requester" : d == GC_RA_DUTY_BM ? "business_manager" : NULL;
}

/* CPS §2.1.3 c: never both requester and business manager. */
gc_result ra_parse_roles(json_t *v, bool *bd_admin, enum gc_ra_duty *duty)
{
	size_t i;
	json_t *r;

	*bd_admin = false;
	*duty = GC_RA_DUTY_NONE;
	GC_ENSURE(json_is_array(v) && json_array_size(v) <= 3, GC_E_REQUEST_FIELD,
	          "roles: must be an array of bd_admin, requester, business_manager");
	json_array_foreach(v, i, r) {
		const char *s = json_string_value(r);
		GC_ENSURE(s != NULL, GC_E_REQUEST_FIELD, "roles[%zu]: must be a string", i);
		if (strcmp(s, "bd_admin") == 0) {
			*bd_admin = true;
			continue;
		}
		GC_ENSURE(strcmp(s, "requester") == 0 || strcmp(s, "business_manager") == 0, GC_E_REQUEST_FIELD,
		          "roles[%zu]: \"%s\" is not bd_admin, requester or business_manager", i, s);
		GC_ENSURE(*duty == GC_RA_DUTY_NONE || *duty == duty_of(s), GC_E_RA_SOD,
		          "roles: a user is never both requester and business manager (CPS §2.1.3 c, "
		          "§2.2.10)");
		*duty = duty_of(s);
	}
	return GC_OK;
}

/* ---- sessions ---- */

static void csrf_of(const char *token, char out[65])
{
	char buf[96];

	snprintf(buf, sizeof(buf), "gcert-ra-csrf:%s", token);
	gc_ra_sha256_hex(buf, strlen(buf), out);
	sodium_memzero(buf, sizeof(buf));
}

bool ra_is_hex64(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 64)
		return false;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static gc_result load_user_row(struct gc_stmt *st, struct user *u)
{
	u->id = gc_stmt_int64(st, 0);
	u->org_id = gc_stmt_int64(st, 1);
	snprintf(u->username, sizeof(u->username), "%s", gc_stmt_text(st, 2));
	u->bd_admin = gc_stmt_int64(st, 3) != 0;
	u->duty = gc_stmt_is_null(st, 4) ? GC_RA_DUTY_NONE : duty_of(gc_stmt_text(st, 4));
	return GC_OK;
}

/* The logged-in user of the session cookie; GC_E_RA_AUTH when there is none. */
static gc_result authenticate(struct call *c)
{
	struct gc_stmt *st;
	char hash[65];
	bool row = false;
	gc_result rc;

	GC_ENSURE(ra_is_hex64(c->req->session), GC_E_RA_AUTH, "not logged in: POST /api/login first");
	snprintf(c->token, sizeof(c->token), "%s", c->req->session);
	gc_ra_sha256_hex(c->token, 64, hash);
	GC_GUARD(ra_prep(c, "SELECT u.id, u.org_id, u.username, u.bd_admin, u.duty FROM sessions s"
	                 " JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?"
	                 " AND u.locked = 0", &st));
	if ((rc = gc_stmt_bind_text(st, 1, hash)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->now)) == GC_OK &&
	    (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		rc = load_user_row(st, &c->me);
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_RA_AUTH, "session expired or ended: log in again");
	snprintf(c->actor, sizeof(c->actor), "ra:%s", c->me.username);
	return GC_OK;
}

static gc_result check_csrf(struct call *c)
{
	char want[65];

	csrf_of(c->token, want);
	GC_ENSURE(c->req->csrf != NULL && strlen(c->req->csrf) == 64 &&
	              sodium_memcmp(c->req->csrf, want, 64) == 0,
	          GC_E_RA_CSRF, "%s %s: the X-CSRF-Token header is missing or wrong (take \"csrf\" from "
	          "GET /api/me)", c->req->method, c->req->path);
	return GC_OK;
}

static json_t *org_json(struct call *c, int64_t org_id)
{
	struct gc_stmt *st;
	json_t *o = NULL;
	bool row = false;

	if (ra_prep(c, "SELECT code, name_en, name_zh FROM orgs WHERE id = ?", &st) != GC_OK)
		return NULL;
	if (gc_stmt_bind_int64(st, 1, org_id) == GC_OK && gc_stmt_step(st, &row) == GC_OK && row)
		o = json_pack("{s:s, s:s, s:s}", "code", gc_stmt_text(st, 0), "name_en", gc_stmt_text(st, 1),
		              "name_zh", gc_stmt_text(st, 2));
	gc_stmt_free(st);
	return o;
}

json_t *ra_user_row_json(struct gc_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:b}", "id", (json_int_t)gc_stmt_int64(st, 0), "username",
	                 gc_stmt_text(st, 1), "name", gc_stmt_text(st, 2), "email", gc_stmt_text(st, 3),
	                 "roles",
	                 roles_json(gc_stmt_int64(st, 4) != 0,
	                            gc_stmt_is_null(st, 5) ? GC_RA_DUTY_NONE : duty_of(gc_stmt_text(st, 5))),
	                 "locked", gc_stmt_int64(st, 6) != 0);
}

gc_result ra_user_json(struct call *c, int64_t id, json_t **out)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	GC_GUARD(ra_prep(c, "SELECT " USER_COLS " FROM users WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		*out = ra_user_row_json(st);
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row && *out != NULL, GC_E_NOT_FOUND, "user %lld: no such user", (long long)id);
	return GC_OK;
}

static gc_result me_json(struct call *c, json_t **out)
{
	char csrf[65];
	json_t *u;

	GC_GUARD(ra_user_json(c, c->me.id, &u));
	csrf_of(c->token, csrf);
	json_object_del(u, "locked");
	json_object_set_new(u, "org", org_json(c, c->me.org_id));
	json_object_set_new(u, "csrf", json_string(csrf));
	*out = u;
	return GC_OK;
}

/* Counts a failed login; locks the account at ra.max_failed_logins (§4.5.1). */
static void login_failed(struct call *c, const char *username, int64_t uid, const char *why)
{
	struct gc_stmt *st = NULL;
	char detail[256];
	int64_t fails = 0;
	bool row = false;

	if (gc_db_begin(c->ra->db) != GC_OK)
		return;
	if (uid > 0 && ra_prep(c, "UPDATE users SET failed_logins = failed_logins + 1,"
	                       " locked = CASE WHEN failed_logins + 1 >= ? THEN 1 ELSE locked END"
	                       " WHERE id = ? RETURNING failed_logins, locked", &st) == GC_OK &&
	    gc_stmt_bind_int64(st, 1, c->ra->cfg.max_failed_logins) == GC_OK &&
	    gc_stmt_bind_int64(st, 2, uid) == GC_OK && gc_stmt_step(st, &row) == GC_OK && row)
		fails = gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	snprintf(detail, sizeof(detail), "from %s: %s%s", c->req->client ? c->req->client : "?", why,
	         fails >= c->ra->cfg.max_failed_logins ? "; account locked" : "");
	if (gc_ra_audit(c->ra, "ra:login", GC_EV_RA_LOGIN_FAILED, username, false, detail) != GC_OK ||
	    gc_db_commit(c->ra->db) != GC_OK)
		gc_db_rollback(c->ra->db);
}

static gc_result new_session(struct call *c)
{
	struct gc_stmt *st;
	char hash[65];
	gc_result rc;

	gc_ra_random_hex(c->token);
	gc_ra_sha256_hex(c->token, 64, hash);
	GC_GUARD(ra_prep(c, "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)", &st));
	if ((rc = gc_stmt_bind_text(st, 1, hash)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->me.id)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 3, c->now)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 4, c->now + c->ra->cfg.session_seconds)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

static void set_cookie(struct call *c, const char *value, int max_age)
{
	snprintf(c->resp->cookie, sizeof(c->resp->cookie), "%s=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d%s",
	         GC_RA_COOKIE, value, max_age, c->req->https || c->ra->cfg.cookie_secure ? "; Secure" : "");
}

static gc_result api_login(struct call *c)
{
	static const char *const keys[] = {"username", "password", NULL};
	const char *username, *password;
	char pwhash[crypto_pwhash_STRBYTES] = "";
	struct gc_stmt *st;
	bool row = false, locked = false;
	json_t *me;
	gc_result rc;

	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "login", keys));
	GC_GUARD(ra_text_field(c->body, "username", GC_RA_MAX_FIELD, true, &username));
	GC_GUARD(ra_text_field(c->body, "password", GC_MAX_PASSWORD, true, &password));
	GC_GUARD(ra_prep(c, "SELECT id, org_id, username, bd_admin, duty, pw_hash, locked FROM users WHERE username = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, username)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		load_user_row(st, &c->me);
		snprintf(pwhash, sizeof(pwhash), "%s", gc_stmt_text(st, 5));
		locked = gc_stmt_int64(st, 6) != 0;
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	if (!row) {
		login_failed(c, username, 0, "unknown user");
		return gc_fail(GC_E_RA_AUTH, "login: wrong user name or password");
	}
	if (locked) {
		login_failed(c, username, 0, "account locked");
		return gc_fail(GC_E_RA_LOCKED, "login: account %s is locked after repeated failures; a B/D "
		               "administrator can unlock it", username);
	}
	if (crypto_pwhash_str_verify(pwhash, password, strlen(password)) != 0) {
		login_failed(c, username, c->me.id, "wrong password");
		return gc_fail(GC_E_RA_AUTH, "login: wrong user name or password");
	}
	snprintf(c->actor, sizeof(c->actor), "ra:%s", c->me.username);
	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, new_session(c));
	GC_GUARD_OUT(rc, ra_prep(c, "UPDATE users SET failed_logins = 0 WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.id)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	GC_GUARD_OUT(rc, rc);
	rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_LOGIN, c->me.username, true, c->req->client);
out:
	GC_GUARD(ra_finish_tx(c, rc));
	set_cookie(c, c->token, c->ra->cfg.session_seconds);
	GC_GUARD(me_json(c, &me));
	return ra_reply(c, 200, me);
}

static gc_result api_logout(struct call *c)
{
	struct gc_stmt *st;
	char hash[65];
	gc_result rc;

	gc_ra_sha256_hex(c->token, 64, hash);
	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, ra_prep(c, "DELETE FROM sessions WHERE token_hash = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, hash)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	GC_GUARD_OUT(rc, rc);
	rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_LOGOUT, c->me.username, true, "");
out:
	GC_GUARD(ra_finish_tx(c, rc));
	set_cookie(c, "", 0);
	return ra_reply(c, 200, json_pack("{s:b}", "logged_out", 1));
}

static gc_result api_me(struct call *c)
{
	json_t *me;

	GC_GUARD(me_json(c, &me));
	return ra_reply(c, 200, me);
}

/* ---- routing ---- */

static void split_path(struct call *c)
{
	char *p, *save = NULL;

	snprintf(c->segbuf, sizeof(c->segbuf), "%s", c->req->path);
	c->nseg = 0;
	for (p = strtok_r(c->segbuf, "/", &save); p != NULL && c->nseg < 6; p = strtok_r(NULL, "/", &save))
		c->seg[c->nseg++] = p;
}

static bool is(struct call *c, const char *method, int n, const char *s1, const char *s2, const char *s3)
{
	return strcmp(c->req->method, method) == 0 && c->nseg == n && (s1 == NULL || strcmp(c->seg[1], s1) == 0) &&
	       (s2 == NULL || n < 3 || (s2[0] == '*' || strcmp(c->seg[2], s2) == 0)) &&
	       (s3 == NULL || n < 4 || strcmp(c->seg[3], s3) == 0);
}

static gc_result route_users(struct call *c)
{
	int64_t id;

	if (is(c, "GET", 2, "users", NULL, NULL))
		return ra_api_users_list(c);
	if (is(c, "POST", 2, "users", NULL, NULL))
		return ra_api_users_add(c);
	if (is(c, "POST", 4, "users", "*", "roles") || is(c, "POST", 4, "users", "*", "unlock")) {
		GC_GUARD(ra_need_bd_admin(c));
		GC_GUARD(ra_same_bd_user(c, c->seg[2], &id));
		return strcmp(c->seg[3], "roles") == 0 ? ra_api_user_roles(c, id) : ra_api_user_unlock(c, id);
	}
	return gc_fail(GC_E_NOT_FOUND, "%s %s: no such API", c->req->method, c->req->path);
}

static gc_result route_apps(struct call *c)
{
	int64_t id, rb;
	json_t *app;

	if (is(c, "POST", 2, "applications", NULL, NULL))
		return ra_api_apply(c);
	if (is(c, "GET", 2, "applications", NULL, NULL))
		return ra_api_apps_list(c);
	GC_ENSURE(c->nseg >= 3, GC_E_NOT_FOUND, "%s %s: no such API", c->req->method, c->req->path);
	GC_GUARD(ra_id_segment(c->seg[2], &id));
	if (is(c, "GET", 3, "applications", "*", NULL)) {
		GC_GUARD(ra_own_app(c, id, &app, &rb));
		return ra_reply(c, 200, app);
	}
	if (is(c, "POST", 4, "applications", "*", "approve"))
		return ra_api_app_approve(c, id);
	if (is(c, "POST", 4, "applications", "*", "reject"))
		return ra_api_app_reject(c, id);
	return gc_fail(GC_E_NOT_FOUND, "%s %s: no such API", c->req->method, c->req->path);
}

static gc_result route_more(struct call *c)
{
	int64_t id, rb;
	json_t *o;

	if (is(c, "GET", 2, "certificates", NULL, NULL))
		return ra_api_certs_list(c);
	if (is(c, "GET", 3, "certificates", "*", NULL))
		return ra_api_cert_get(c, c->seg[2]);
	if (is(c, "POST", 2, "revocations", NULL, NULL))
		return ra_api_revoke_request(c);
	if (is(c, "GET", 2, "revocations", NULL, NULL))
		return ra_api_revocations_list(c);
	if (is(c, "POST", 2, "key-requests", NULL, NULL))
		return ra_api_key_request(c);
	if (is(c, "GET", 2, "key-requests", NULL, NULL))
		return ra_api_key_list(c);
	GC_ENSURE(c->nseg >= 3, GC_E_NOT_FOUND, "%s %s: no such API", c->req->method, c->req->path);
	if (is(c, "GET", 3, "revocations", "*", NULL)) {
		GC_GUARD(ra_id_segment(c->seg[2], &id));
		GC_GUARD(ra_rev_json(c, id, &o, &rb));
		return ra_reply(c, 200, o);
	}
	if (is(c, "POST", 4, "revocations", "*", "approve") || is(c, "POST", 4, "revocations", "*", "reject")) {
		GC_GUARD(ra_id_segment(c->seg[2], &id));
		return ra_api_revoke_decide(c, id, strcmp(c->seg[3], "approve") == 0);
	}
	if (is(c, "POST", 4, "key-requests", "*", "approve")) {
		GC_GUARD(ra_id_segment(c->seg[2], &id));
		return ra_api_key_approve(c, id);
	}
	if (is(c, "POST", 4, "key-requests", "*", "export")) {
		GC_GUARD(ra_id_segment(c->seg[2], &id));
		return ra_api_key_export(c, id);
	}
	return gc_fail(GC_E_NOT_FOUND, "%s %s: no such API", c->req->method, c->req->path);
}

static gc_result route(struct call *c)
{
	bool get = strcmp(c->req->method, "GET") == 0;

	split_path(c);
	GC_ENSURE(c->nseg >= 2 && strcmp(c->seg[0], "api") == 0, GC_E_NOT_FOUND, "%s: no such API", c->req->path);
	GC_ENSURE(get || strcmp(c->req->method, "POST") == 0, GC_E_REQUEST_FIELD,
	          "%s %s: only GET and POST are served", c->req->method, c->req->path);
	if (is(c, "POST", 2, "login", NULL, NULL))
		return api_login(c);
	if (c->nseg == 3 && strcmp(c->seg[1], "usable") == 0 && get)
		return ra_api_usable(c, c->seg[2]);
	if (is(c, "GET", 2, "orgs", NULL, NULL))
		return ra_api_orgs(c);
	GC_GUARD(authenticate(c));
	if (!get)
		GC_GUARD(check_csrf(c));
	if (is(c, "POST", 2, "logout", NULL, NULL))
		return api_logout(c);
	if (is(c, "GET", 2, "me", NULL, NULL))
		return api_me(c);
	if (is(c, "POST", 3, "orgs", "*", NULL))
		return ra_api_org_settings(c, c->seg[2]);
	if (strcmp(c->seg[1], "users") == 0)
		return route_users(c);
	if (strcmp(c->seg[1], "applications") == 0)
		return route_apps(c);
	return route_more(c);
}

void gc_ra_api(struct gc_ra *ra, const struct gc_ra_req *req, struct gc_ra_resp *resp)
{
	struct call c = {.ra = ra, .req = req, .resp = resp, .now = (int64_t)time(NULL)};
	gc_result rc;

	memset(resp, 0, sizeof(*resp));
	pthread_mutex_lock(&ra->mu);
	gc_err_clear();
	rc = route(&c);
	if (rc != GC_OK) {
		gc_ra_error_body(resp, rc);
		/* refusals by role, B/D, duty or CSRF are suspicious activity (§4.5.1) */
		if (resp->status == 403)
			gc_ra_audit_now(ra, c.actor[0] ? c.actor : "ra:anonymous", GC_EV_RA_REFUSED, req->path, false,
			                gc_err_detail());
	}
	pthread_mutex_unlock(&ra->mu);
	json_decref(c.body);
	sodium_memzero(c.token, sizeof(c.token));
}
