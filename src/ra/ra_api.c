/*
 * ra_api.c - the RA service's JSON API (docs/ra-api.md): sessions and CSRF, B/D
 * administration, applications (CPS §3.1, §3.2), certificates, revocations (§4.4),
 * key custody (App. E II) and the use-time check (§2.1.3 n).
 *
 * Every input is checked here, at the edge, before anything changes; a refusal changes
 * nothing. Every state change commits with its audit record. Segregation of duties is
 * checked here for a precise answer and held by the database (ra_db.c) regardless.
 * No secret (password, session token, CSRF token, application token) is ever written to
 * the audit trail: sessions and tokens are stored only as SHA-256 hashes.
 */
#include "ra/ra_api.h"

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
#include "ra/ra_flow.h"
#include "store/db.h"

#define T_JSON "application/json; charset=utf-8"

struct user {
	int64_t id, org_id;
	char username[GC_RA_MAX_FIELD + 1];
	bool bd_admin;
	enum gc_ra_duty duty;
};

struct call {
	struct gc_ra *ra;
	const struct gc_ra_req *req;
	struct gc_ra_resp *resp;
	struct user me;
	char token[65]; /* the session token of the cookie (never logged) */
	char actor[GC_RA_MAX_FIELD + 32];
	json_t *body;
	const char *seg[6];
	char segbuf[512];
	int nseg;
	int64_t now;
};

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
static gc_result reply(struct call *c, unsigned status, json_t *v)
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

static json_t *time_json(int64_t t)
{
	char s[21];

	if (t <= 0)
		return json_null();
	gc_time_format(t, s);
	return json_string(s);
}

static json_t *text_or_null(struct gc_stmt *st, int col)
{
	return gc_stmt_is_null(st, col) ? json_null() : json_string(gc_stmt_text(st, col));
}

/* ---- small database helpers ---- */

static gc_result prep(struct call *c, const char *sql, struct gc_stmt **st)
{
	return gc_db_prepare(c->ra->db, sql, st);
}

/* Runs st (bound) and requires that it changed exactly one row: else the object moved on. */
static gc_result run_one(struct call *c, struct gc_stmt *st, const char *what)
{
	GC_GUARD(gc_stmt_run(st));
	GC_ENSURE(gc_db_changes(c->ra->db) == 1, GC_E_RA_STATE, "%s: no longer in that state", what);
	return GC_OK;
}

/* Commits, or rolls back and returns the first failure. */
static gc_result finish_tx(struct call *c, gc_result rc)
{
	if (rc == GC_OK)
		return gc_db_commit(c->ra->db);
	gc_db_rollback(c->ra->db);
	return rc;
}

/* ---- input ---- */

static gc_result body_object(struct call *c)
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
static gc_result only_keys(json_t *obj, const char *where, const char *const *keys)
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
static gc_result text_field(json_t *obj, const char *key, size_t max, bool required, const char **out)
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

static gc_result one_of(const char *key, const char *v, const char *const *allowed)
{
	int i;

	for (i = 0; allowed[i] != NULL; i++)
		if (v != NULL && strcmp(v, allowed[i]) == 0)
			return GC_OK;
	return gc_fail(GC_E_REQUEST_FIELD, "%s: must be one of %s%s%s%s%s", key, allowed[0],
	               allowed[1] ? ", " : "", allowed[1] ? allowed[1] : "", allowed[2] ? ", ..." : "", "");
}

static gc_result id_segment(const char *s, int64_t *id)
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
static gc_result serial_value(const char *s, char out[41])
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

static const char *duty_name(enum gc_ra_duty d)
{
	return d == GC_RA_DUTY_REQUESTER ? "requester" : d == GC_RA_DUTY_BM ? "business_manager" : NULL;
}

/* CPS §2.1.3 c: never both requester and business manager. */
static gc_result parse_roles(json_t *v, bool *bd_admin, enum gc_ra_duty *duty)
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

static bool is_hex64(const char *s)
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

	GC_ENSURE(is_hex64(c->req->session), GC_E_RA_AUTH, "not logged in: POST /api/login first");
	snprintf(c->token, sizeof(c->token), "%s", c->req->session);
	gc_ra_sha256_hex(c->token, 64, hash);
	GC_GUARD(prep(c, "SELECT u.id, u.org_id, u.username, u.bd_admin, u.duty FROM sessions s"
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

	if (prep(c, "SELECT code, name_en, name_zh FROM orgs WHERE id = ?", &st) != GC_OK)
		return NULL;
	if (gc_stmt_bind_int64(st, 1, org_id) == GC_OK && gc_stmt_step(st, &row) == GC_OK && row)
		o = json_pack("{s:s, s:s, s:s}", "code", gc_stmt_text(st, 0), "name_en", gc_stmt_text(st, 1),
		              "name_zh", gc_stmt_text(st, 2));
	gc_stmt_free(st);
	return o;
}

#define USER_COLS "id, username, name, email, bd_admin, duty, locked, org_id"

static json_t *user_row_json(struct gc_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:b}", "id", (json_int_t)gc_stmt_int64(st, 0), "username",
	                 gc_stmt_text(st, 1), "name", gc_stmt_text(st, 2), "email", gc_stmt_text(st, 3),
	                 "roles",
	                 roles_json(gc_stmt_int64(st, 4) != 0,
	                            gc_stmt_is_null(st, 5) ? GC_RA_DUTY_NONE : duty_of(gc_stmt_text(st, 5))),
	                 "locked", gc_stmt_int64(st, 6) != 0);
}

static gc_result user_json(struct call *c, int64_t id, json_t **out)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	GC_GUARD(prep(c, "SELECT " USER_COLS " FROM users WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		*out = user_row_json(st);
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row && *out != NULL, GC_E_NOT_FOUND, "user %lld: no such user", (long long)id);
	return GC_OK;
}

static gc_result me_json(struct call *c, json_t **out)
{
	char csrf[65];
	json_t *u;

	GC_GUARD(user_json(c, c->me.id, &u));
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
	if (uid > 0 && prep(c, "UPDATE users SET failed_logins = failed_logins + 1,"
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
	GC_GUARD(prep(c, "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)", &st));
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

	GC_GUARD(body_object(c));
	GC_GUARD(only_keys(c->body, "login", keys));
	GC_GUARD(text_field(c->body, "username", GC_RA_MAX_FIELD, true, &username));
	GC_GUARD(text_field(c->body, "password", GC_MAX_PASSWORD, true, &password));
	GC_GUARD(prep(c, "SELECT id, org_id, username, bd_admin, duty, pw_hash, locked FROM users WHERE username = ?", &st));
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
	GC_GUARD_OUT(rc, prep(c, "UPDATE users SET failed_logins = 0 WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.id)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	GC_GUARD_OUT(rc, rc);
	rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_LOGIN, c->me.username, true, c->req->client);
out:
	GC_GUARD(finish_tx(c, rc));
	set_cookie(c, c->token, c->ra->cfg.session_seconds);
	GC_GUARD(me_json(c, &me));
	return reply(c, 200, me);
}

static gc_result api_logout(struct call *c)
{
	struct gc_stmt *st;
	char hash[65];
	gc_result rc;

	gc_ra_sha256_hex(c->token, 64, hash);
	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, prep(c, "DELETE FROM sessions WHERE token_hash = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, hash)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	GC_GUARD_OUT(rc, rc);
	rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_LOGOUT, c->me.username, true, "");
out:
	GC_GUARD(finish_tx(c, rc));
	set_cookie(c, "", 0);
	return reply(c, 200, json_pack("{s:b}", "logged_out", 1));
}

static gc_result api_me(struct call *c)
{
	json_t *me;

	GC_GUARD(me_json(c, &me));
	return reply(c, 200, me);
}

static gc_result api_orgs(struct call *c)
{
	struct gc_stmt *st;
	json_t *a = json_array();
	bool row;
	gc_result rc;

	GC_GUARD(prep(c, "SELECT code, name_en, name_zh, revoke_days FROM orgs ORDER BY id", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I}", "code", gc_stmt_text(st, 0), "name_en",
		                                   gc_stmt_text(st, 1), "name_zh", gc_stmt_text(st, 2),
		                                   "revoke_working_days", (json_int_t)gc_stmt_int64(st, 3)));
	gc_stmt_free(st);
	if (rc != GC_OK) {
		json_decref(a);
		return rc;
	}
	return reply(c, 200, a);
}

/* ---- users (B/D administrators, own B/D only: §3.1.1.3) ---- */

static gc_result need_bd_admin(struct call *c)
{
	GC_ENSURE(c->me.bd_admin, GC_E_RA_FORBIDDEN, "%s %s: only a B/D administrator may do this",
	          c->req->method, c->req->path);
	return GC_OK;
}

/* The user id of the path, who must be of the caller's B/D. */
static gc_result same_bd_user(struct call *c, const char *seg, int64_t *id)
{
	struct gc_stmt *st;
	bool row = false;
	int64_t org = 0;
	gc_result rc;

	GC_GUARD(id_segment(seg, id));
	GC_GUARD(prep(c, "SELECT org_id FROM users WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, *id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		org = gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_NOT_FOUND, "user %s: no such user", seg);
	GC_ENSURE(org == c->me.org_id, GC_E_RA_FORBIDDEN,
	          "user %s: of another B/D; a B/D administrator appoints within their own B/D only", seg);
	return GC_OK;
}

static gc_result api_users_list(struct call *c)
{
	struct gc_stmt *st;
	json_t *a = json_array();
	bool row;
	gc_result rc;

	GC_GUARD(need_bd_admin(c));
	GC_GUARD(prep(c, "SELECT " USER_COLS " FROM users WHERE org_id = ? ORDER BY id", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK)
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
			json_array_append_new(a, user_row_json(st));
	gc_stmt_free(st);
	if (rc != GC_OK) {
		json_decref(a);
		return rc;
	}
	return reply(c, 200, a);
}

static gc_result api_users_add(struct call *c)
{
	static const char *const keys[] = {"username", "name", "email", "password", "roles", "org", NULL};
	const char *username, *name, *email, *password, *org;
	struct gc_stmt *st;
	enum gc_ra_duty duty;
	bool bd_admin, row = false;
	char code[32] = "";
	int64_t id;
	json_t *u;
	gc_result rc;

	GC_GUARD(need_bd_admin(c));
	GC_GUARD(body_object(c));
	GC_GUARD(only_keys(c->body, "user", keys));
	GC_GUARD(text_field(c->body, "username", 64, true, &username));
	GC_GUARD(text_field(c->body, "name", GC_RA_MAX_NAME, true, &name));
	GC_GUARD(text_field(c->body, "email", GC_RA_MAX_EMAIL, true, &email));
	GC_ENSURE(gc_is_email(email, strlen(email)), GC_E_BAD_EMAIL, "email: \"%s\" is not an address", email);
	GC_GUARD(text_field(c->body, "password", GC_MAX_PASSWORD, true, &password));
	GC_GUARD(parse_roles(json_object_get(c->body, "roles"), &bd_admin, &duty));
	GC_GUARD(prep(c, "SELECT code FROM orgs WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		snprintf(code, sizeof(code), "%s", gc_stmt_text(st, 0));
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_GUARD(text_field(c->body, "org", 16, false, &org));
	GC_ENSURE(org == NULL || strcmp(org, code) == 0, GC_E_RA_FORBIDDEN,
	          "org: %s is not your B/D (%s); a B/D administrator appoints within their own B/D only", org, code);
	GC_GUARD(gc_ra_user_add(c->ra, c->actor, code, username, name, email, password, bd_admin, duty, &id));
	GC_GUARD(user_json(c, id, &u));
	return reply(c, 201, u);
}

static gc_result api_user_roles(struct call *c, int64_t id)
{
	static const char *const keys[] = {"roles", NULL};
	struct gc_stmt *st;
	enum gc_ra_duty duty;
	bool bd_admin;
	char detail[128];
	json_t *u;
	gc_result rc;

	GC_GUARD(body_object(c));
	GC_GUARD(only_keys(c->body, "roles", keys));
	GC_GUARD(parse_roles(json_object_get(c->body, "roles"), &bd_admin, &duty));
	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, prep(c, "UPDATE users SET duty = ?, bd_admin = ? WHERE id = ? AND org_id = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, duty_name(duty))) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 2, bd_admin)) == GC_OK && (rc = gc_stmt_bind_int64(st, 3, id)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 4, c->me.org_id)) == GC_OK)
		rc = run_one(c, st, "user");
	gc_stmt_free(st);
	GC_GUARD_OUT(rc, rc);
	snprintf(detail, sizeof(detail), "roles:%s %s", bd_admin ? " bd_admin" : "", duty_name(duty) ? duty_name(duty) : "");
	snprintf(c->segbuf, sizeof(c->segbuf), "user %lld", (long long)id);
	rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_ROLES_CHANGED, c->segbuf, true, detail);
out:
	GC_GUARD(finish_tx(c, rc));
	GC_GUARD(user_json(c, id, &u));
	return reply(c, 200, u);
}

static gc_result api_user_unlock(struct call *c, int64_t id)
{
	struct gc_stmt *st;
	char obj[32];
	json_t *u;
	gc_result rc;

	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, prep(c, "UPDATE users SET locked = 0, failed_logins = 0 WHERE id = ? AND org_id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->me.org_id)) == GC_OK)
		rc = run_one(c, st, "user");
	gc_stmt_free(st);
	GC_GUARD_OUT(rc, rc);
	snprintf(obj, sizeof(obj), "user %lld", (long long)id);
	rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_USER_UNLOCKED, obj, true, "");
out:
	GC_GUARD(finish_tx(c, rc));
	GC_GUARD(user_json(c, id, &u));
	return reply(c, 200, u);
}

/* ---- applications (§3.1, §3.2) ---- */

#define APP_COLS                                                                                   \
	"a.id, p.number, a.status, a.cert_type, a.validity_years, a.subject, ru.username,"          \
	" a.requested_at, du.username, a.decided_at, a.reason, a.serial, a.error, a.renews,"        \
	" a.staff_category, a.proof_type, a.record_checked, a.proof_last4, a.org_id, a.requested_by"
#define APP_FROM                                                                                   \
	" FROM applications a JOIN applicants p ON p.id = a.applicant_id"                          \
	" JOIN users ru ON ru.id = a.requested_by LEFT JOIN users du ON du.id = a.decided_by"

static json_t *app_row_json(struct gc_stmt *st)
{
	json_t *subject = json_loads(gc_stmt_text(st, 5), 0, NULL);

	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
	                 " s:{s:o, s:o, s:o, s:o}}",
	                 "id", (json_int_t)gc_stmt_int64(st, 0), "applicant_id", gc_stmt_text(st, 1), "status",
	                 gc_stmt_text(st, 2), "cert_type", gc_stmt_text(st, 3), "validity_years",
	                 (json_int_t)gc_stmt_int64(st, 4), "subject", subject ? subject : json_null(),
	                 "requested_by", gc_stmt_text(st, 6), "requested_at", time_json(gc_stmt_int64(st, 7)),
	                 "decided_by", text_or_null(st, 8), "decided_at",
	                 gc_stmt_is_null(st, 9) ? json_null() : time_json(gc_stmt_int64(st, 9)), "reason",
	                 text_or_null(st, 10), "serial", text_or_null(st, 11), "error", text_or_null(st, 12),
	                 "renews", text_or_null(st, 13), "verification", "staff_category", text_or_null(st, 14),
	                 "proof_type", text_or_null(st, 15), "record_checked", text_or_null(st, 16),
	                 "proof_ref_last4", text_or_null(st, 17));
}

static gc_result app_json(struct call *c, int64_t id, json_t **out, int64_t *org, int64_t *requested_by)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	*out = NULL;
	GC_GUARD(prep(c, "SELECT " APP_COLS APP_FROM " WHERE a.id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		*out = app_row_json(st);
		*org = gc_stmt_int64(st, 18);
		*requested_by = gc_stmt_int64(st, 19);
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_NOT_FOUND, "application %lld: no such application", (long long)id);
	return GC_OK;
}

/* An application of the caller's B/D (other B/Ds' are not theirs to see or decide). */
static gc_result own_app(struct call *c, int64_t id, json_t **out, int64_t *requested_by)
{
	int64_t org;

	GC_GUARD(app_json(c, id, out, &org, requested_by));
	if (org != c->me.org_id) {
		json_decref(*out);
		*out = NULL;
		return gc_fail(GC_E_RA_FORBIDDEN, "application %lld: of another B/D", (long long)id);
	}
	return GC_OK;
}

static gc_result check_subject(json_t *s, const char *cert_type)
{
	static const char *const keys[] = {"name", "email", "branch", "branch_abbr", "branch_zh", "category", NULL};
	static const char *const required[] = {"name", "branch", "branch_abbr", "branch_zh", "category", NULL};
	const char *v;
	int i;

	GC_ENSURE(json_is_object(s), GC_E_REQUEST_FIELD, "subject: must be an object");
	GC_GUARD(only_keys(s, "subject", keys));
	for (i = 0; required[i] != NULL; i++)
		GC_GUARD(text_field(s, required[i], GC_RA_MAX_NAME, true, &v));
	GC_GUARD(text_field(s, "email", GC_RA_MAX_EMAIL, false, &v));
	GC_ENSURE(v == NULL || gc_is_email(v, strlen(v)), GC_E_BAD_EMAIL,
	          "subject.email: \"%s\" is not an address (App. B note 2)", v);
	(void)cert_type;
	return GC_OK;
}

/* The renewed certificate (§3.2): of this B/D and type, active and unexpired. */
static gc_result renewal_applicant(struct call *c, const char *serial, const char *cert_type, int64_t *applicant)
{
	struct gc_stmt *st;
	bool row = false;
	int64_t org = 0, not_after = 0;
	char status[24] = "", type[24] = "";
	gc_result rc;

	GC_GUARD(prep(c, "SELECT c.org_id, c.status, c.not_after, c.cert_type, a.applicant_id FROM certificates c"
	                 " JOIN applications a ON a.id = c.application_id WHERE c.serial = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, serial)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		org = gc_stmt_int64(st, 0);
		snprintf(status, sizeof(status), "%s", gc_stmt_text(st, 1));
		not_after = gc_stmt_int64(st, 2);
		snprintf(type, sizeof(type), "%s", gc_stmt_text(st, 3));
		*applicant = gc_stmt_int64(st, 4);
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row && org == c->me.org_id, GC_E_NOT_FOUND, "renews: %s is no certificate of your B/D", serial);
	GC_ENSURE(strcmp(type, cert_type) == 0, GC_E_REQUEST_FIELD, "renews: %s is a %s certificate, not %s",
	          serial, type, cert_type);
	GC_ENSURE(strcmp(status, "active") == 0, GC_E_RA_STATE, "renews: %s is %s; revoked certificates are "
	          "never renewed (CPS §3.2)", serial, status);
	GC_ENSURE(not_after > c->now, GC_E_RENEW_EXPIRED, "renews: %s has expired; expired certificates are "
	          "never renewed (CPS §3.2)", serial);
	return GC_OK;
}

/* §2.1.3 m: a unique identity number per applicant, "A" and nine random digits. */
static gc_result new_applicant(struct call *c, int64_t *id)
{
	struct gc_stmt *st;
	char number[16];
	bool row = false;
	gc_result rc = GC_OK;
	int tries;

	GC_GUARD(prep(c, "INSERT INTO applicants (number, org_id, created_at) VALUES (?, ?, ?)"
	                 " ON CONFLICT DO NOTHING RETURNING id", &st));
	for (tries = 0; tries < 8 && rc == GC_OK && !row; tries++) {
		snprintf(number, sizeof(number), "A%09u", randombytes_uniform(1000000000u));
		if ((rc = gc_stmt_bind_text(st, 1, number)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 2, c->me.org_id)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 3, c->now)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
			*id = gc_stmt_int64(st, 0);
		gc_stmt_reset(st);
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_INTERNAL, "applicant: no free identity number after 8 tries");
	return GC_OK;
}

static gc_result insert_app(struct call *c, int64_t applicant, const char *cert_type, int years,
                            const char *subject, const char *renews, int64_t *id)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	GC_GUARD(prep(c, "INSERT INTO applications (org_id, applicant_id, cert_type, validity_years, terms_accepted,"
	                 " subject, renews, status, requested_by, requested_at) VALUES (?, ?, ?, ?, 1, ?, ?,"
	                 " 'pending', ?, ?) RETURNING id", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, applicant)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, cert_type)) == GC_OK && (rc = gc_stmt_bind_int64(st, 4, years)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 5, subject)) == GC_OK && (rc = gc_stmt_bind_text(st, 6, renews)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 7, c->me.id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 8, c->now)) == GC_OK &&
	    (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		*id = gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_DB, "application: not stored");
	return GC_OK;
}

static gc_result api_apply(struct call *c)
{
	static const char *const keys[] = {"cert_type", "validity_years", "terms_accepted", "subject", "renews", NULL};
	static const char *const types[] = {"individual", "functional_unit", NULL};
	const char *cert_type;
	json_t *years, *terms, *renews_v, *subject, *out;
	char renews[41] = "", *subject_text = NULL, obj[32];
	int64_t applicant = 0, id = 0, org, rb;
	gc_result rc;

	GC_ENSURE(c->me.duty == GC_RA_DUTY_REQUESTER, GC_E_RA_FORBIDDEN,
	          "applications: only a requester submits applications (CPS §3.1)");
	GC_GUARD(body_object(c));
	GC_GUARD(only_keys(c->body, "application", keys));
	GC_GUARD(text_field(c->body, "cert_type", 32, true, &cert_type));
	GC_ENSURE(one_of("cert_type", cert_type, types) == GC_OK, GC_E_BAD_CERT_TYPE,
	          "cert_type: must be individual or functional_unit (App. B)");
	years = json_object_get(c->body, "validity_years");
	GC_ENSURE(json_is_integer(years) && json_integer_value(years) >= 1 && json_integer_value(years) <= 3,
	          GC_E_BAD_VALIDITY, "validity_years: must be 1, 2 or 3 (CPS §1.2.5)");
	terms = json_object_get(c->body, "terms_accepted");
	GC_ENSURE(json_is_true(terms), GC_E_REQUEST_FIELD,
	          "terms_accepted: the subscriber terms must be accepted (true) on the applicant's behalf");
	subject = json_object_get(c->body, "subject");
	GC_GUARD(check_subject(subject, cert_type));
	renews_v = json_object_get(c->body, "renews");
	if (renews_v != NULL && !json_is_null(renews_v)) {
		GC_GUARD(serial_value(json_string_value(renews_v), renews));
		GC_GUARD(renewal_applicant(c, renews, cert_type, &applicant));
	}
	subject_text = json_dumps(subject, JSON_COMPACT | JSON_SORT_KEYS);
	GC_ENSURE(subject_text != NULL, GC_E_NOMEM, "application: out of memory");
	GC_GUARD_OUT(rc, gc_db_begin(c->ra->db));
	if (applicant == 0 && (rc = new_applicant(c, &applicant)) != GC_OK)
		goto tx;
	if ((rc = insert_app(c, applicant, cert_type, (int)json_integer_value(years), subject_text,
	                     renews[0] ? renews : NULL, &id)) != GC_OK)
		goto tx;
	snprintf(obj, sizeof(obj), "application %lld", (long long)id);
	rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_APPLIED, obj, true, renews[0] ? "renewal" : cert_type);
tx:
	GC_GUARD_OUT(rc, finish_tx(c, rc));
	GC_GUARD_OUT(rc, app_json(c, id, &out, &org, &rb));
	rc = reply(c, 201, out);
out:
	free(subject_text);
	return rc;
}

static gc_result api_apps_list(struct call *c)
{
	struct gc_stmt *st;
	json_t *a = json_array();
	bool row;
	gc_result rc;

	GC_GUARD(prep(c, "SELECT " APP_COLS APP_FROM " WHERE a.org_id = ? AND (? IS NULL OR a.status = ?)"
	                 " AND (? = 0 OR a.requested_by = ?) ORDER BY a.id DESC LIMIT 1000", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK && (rc = gc_stmt_bind_text(st, 2, c->req->q_status)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, c->req->q_status)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 4, c->req->q_mine && strcmp(c->req->q_mine, "1") == 0)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 5, c->me.id)) == GC_OK)
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
			json_array_append_new(a, app_row_json(st));
	gc_stmt_free(st);
	if (rc != GC_OK) {
		json_decref(a);
		return rc;
	}
	return reply(c, 200, a);
}

/* A business manager of the application's B/D, never its requester (§2.1.3 c). */
static gc_result may_decide(struct call *c, const char *what, int64_t requested_by)
{
	GC_ENSURE(c->me.duty == GC_RA_DUTY_BM, GC_E_RA_FORBIDDEN, "%s: only a business manager of the B/D decides",
	          what);
	GC_ENSURE(requested_by != c->me.id, GC_E_RA_SOD, "%s: nobody decides a request they submitted "
	          "(CPS §2.1.3 c)", what);
	return GC_OK;
}

/* §3.1.8.1: which record proves which staff category. */
static gc_result check_verification(const char *cat, const char *record)
{
	const char *want = strcmp(cat, "civil_servant") == 0 || strcmp(cat, "direct_contract") == 0
		? "government_personnel_records"
		: strcmp(cat, "agency_contract") == 0 ? "employment_records" : "contractor_agreement";

	GC_ENSURE(strcmp(record, want) == 0, GC_E_REQUEST_FIELD,
	          "record_checked: staff category %s is verified against %s (CPS §3.1.8.1), not %s", cat, want,
	          record);
	return GC_OK;
}

static gc_result api_app_approve(struct call *c, int64_t id)
{
	static const char *const keys[] = {"staff_category", "proof_type", "record_checked", "proof_ref_last4", NULL};
	static const char *const cats[] = {"civil_servant", "direct_contract", "agency_contract", "resident_contractor",
	                                   "functional_unit", NULL};
	static const char *const proofs[] = {"hkid", "passport", "bd_document", NULL};
	static const char *const records[] = {"government_personnel_records", "employment_records", "contractor_agreement", NULL};
	const char *cat, *proof, *record, *last4;
	struct gc_stmt *st;
	char obj[32], detail[160];
	json_t *app;
	int64_t rb, org;
	size_t i;
	bool unit;
	gc_result rc;

	GC_GUARD(own_app(c, id, &app, &rb));
	unit = strcmp(json_string_value(json_object_get(app, "cert_type")), "functional_unit") == 0;
	json_decref(app);
	GC_GUARD(may_decide(c, "approve", rb));
	GC_GUARD(body_object(c));
	GC_GUARD(only_keys(c->body, "approval", keys));
	GC_GUARD(text_field(c->body, "staff_category", 32, true, &cat));
	GC_GUARD(one_of("staff_category", cat, cats));
	GC_GUARD(text_field(c->body, "proof_type", 32, true, &proof));
	GC_GUARD(one_of("proof_type", proof, proofs));
	GC_GUARD(text_field(c->body, "record_checked", 40, true, &record));
	GC_GUARD(one_of("record_checked", record, records));
	GC_ENSURE(unit || strcmp(cat, "functional_unit") != 0, GC_E_REQUEST_FIELD,
	          "staff_category: functional_unit is for a g-Cert (Functional Unit) application only");
	if (strcmp(cat, "functional_unit") != 0)
		GC_GUARD(check_verification(cat, record));
	GC_GUARD(text_field(c->body, "proof_ref_last4", 64, true, &last4));
	GC_ENSURE(strlen(last4) <= 4, GC_E_REQUEST_FIELD,
	          "proof_ref_last4: send only the last four characters of the proof number; a full HKID "
	          "or passport number is never kept");
	for (i = 0; last4[i]; i++)
		GC_ENSURE((last4[i] >= '0' && last4[i] <= '9') || (last4[i] >= 'A' && last4[i] <= 'Z') ||
		              (last4[i] >= 'a' && last4[i] <= 'z') || last4[i] == '(' || last4[i] == ')',
		          GC_E_REQUEST_FIELD, "proof_ref_last4: letters, digits and brackets only");
	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, prep(c, "UPDATE applications SET status = 'approved', decided_by = ?, decided_at = ?,"
	                         " staff_category = ?, proof_type = ?, record_checked = ?, proof_last4 = ?"
	                         " WHERE id = ? AND status = 'pending'", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->now)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, cat)) == GC_OK && (rc = gc_stmt_bind_text(st, 4, proof)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 5, record)) == GC_OK && (rc = gc_stmt_bind_text(st, 6, last4)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 7, id)) == GC_OK)
		rc = run_one(c, st, "application");
	gc_stmt_free(st);
	if (rc == GC_E_RA_STATE)
		rc = gc_fail(GC_E_RA_STATE, "application %lld: decided already; only a pending application "
		             "can be approved", (long long)id);
	GC_GUARD_OUT(rc, rc);
	snprintf(obj, sizeof(obj), "application %lld", (long long)id);
	snprintf(detail, sizeof(detail), "identity verified: %s, %s against %s", cat, proof, record);
	rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_APPROVED, obj, true, detail);
out:
	GC_GUARD(finish_tx(c, rc));
	/* §3.1 steps 3-6; a CA that cannot be reached leaves it submitted, retried later */
	if (gc_ra_flow_issue(c->ra, id, c->actor) != GC_OK)
		gc_err_clear();
	GC_GUARD(app_json(c, id, &app, &org, &rb));
	return reply(c, 200, app);
}

static gc_result app_notify_reject(struct call *c, int64_t id, const char *reason)
{
	struct gc_stmt *st;
	char subject[128], body[1024];
	bool row = false;
	gc_result rc;

	GC_GUARD(prep(c, "SELECT u.email, p.number FROM applications a JOIN users u ON u.id = a.requested_by"
	                 " JOIN applicants p ON p.id = a.applicant_id WHERE a.id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		snprintf(subject, sizeof(subject), "[g-Cert] application %lld rejected", (long long)id);
		snprintf(body, sizeof(body), "Application %lld (applicant %s) was rejected by %s.\r\nReason: %s\r\n",
		         (long long)id, gc_stmt_text(st, 1), c->me.username, reason);
		rc = gc_ra_mail_queue(c->ra, gc_stmt_text(st, 0), subject, body);
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result api_app_reject(struct call *c, int64_t id)
{
	static const char *const keys[] = {"reason", NULL};
	const char *reason;
	struct gc_stmt *st;
	char obj[32];
	json_t *app;
	int64_t rb, org;
	gc_result rc;

	GC_GUARD(own_app(c, id, &app, &rb));
	json_decref(app);
	GC_GUARD(may_decide(c, "reject", rb));
	GC_GUARD(body_object(c));
	GC_GUARD(only_keys(c->body, "rejection", keys));
	GC_GUARD(text_field(c->body, "reason", GC_RA_MAX_FIELD, true, &reason));
	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, prep(c, "UPDATE applications SET status = 'rejected', decided_by = ?, decided_at = ?,"
	                         " reason = ? WHERE id = ? AND status = 'pending'", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->now)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, reason)) == GC_OK && (rc = gc_stmt_bind_int64(st, 4, id)) == GC_OK)
		rc = run_one(c, st, "application");
	gc_stmt_free(st);
	GC_GUARD_OUT(rc, rc);
	snprintf(obj, sizeof(obj), "application %lld", (long long)id);
	GC_GUARD_OUT(rc, gc_ra_audit(c->ra, c->actor, GC_EV_RA_REJECTED, obj, true, reason));
	rc = app_notify_reject(c, id, reason);
out:
	GC_GUARD(finish_tx(c, rc));
	GC_GUARD(app_json(c, id, &app, &org, &rb));
	return reply(c, 200, app);
}

/* ---- certificates ---- */

static const char *cert_status(struct call *c, const char *status, int64_t not_after)
{
	return strcmp(status, "active") == 0 && not_after <= c->now ? "expired" : status;
}

#define CERT_COLS "serial, subject_cn, cert_type, status, not_before, not_after, application_id, der, org_id"

static json_t *cert_row_json(struct call *c, struct gc_stmt *st, bool pem)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:{s:I}}", "serial", gc_stmt_text(st, 0), "subject_cn",
	                      gc_stmt_text(st, 1), "cert_type", gc_stmt_text(st, 2), "status",
	                      cert_status(c, gc_stmt_text(st, 3), gc_stmt_int64(st, 5)), "not_before",
	                      time_json(gc_stmt_int64(st, 4)), "not_after", time_json(gc_stmt_int64(st, 5)),
	                      "bound_to", "application", (json_int_t)gc_stmt_int64(st, 6));
	size_t n;
	const unsigned char *der;
	char *b64;

	if (o == NULL || !pem)
		return o;
	der = gc_stmt_blob(st, 7, &n);
	b64 = malloc(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL) + 128 + n / 32);
	if (b64 != NULL) {
		char *enc = malloc(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL));
		size_t k = 0, i, len;
		if (enc != NULL) {
			sodium_bin2base64(enc, sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), der, n,
			                  sodium_base64_VARIANT_ORIGINAL);
			len = strlen(enc);
			k += (size_t)sprintf(b64, "-----BEGIN CERTIFICATE-----\n");
			for (i = 0; i < len; i += 64)
				k += (size_t)sprintf(b64 + k, "%.64s\n", enc + i);
			sprintf(b64 + k, "-----END CERTIFICATE-----\n");
			json_object_set_new(o, "pem", json_string(b64));
			free(enc);
		}
		free(b64);
	}
	return o;
}

static gc_result api_certs_list(struct call *c)
{
	struct gc_stmt *st;
	json_t *a = json_array();
	bool row;
	gc_result rc;

	GC_GUARD(prep(c, "SELECT " CERT_COLS " FROM certificates WHERE org_id = ? ORDER BY bound_at DESC LIMIT 1000", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK)
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
			json_array_append_new(a, cert_row_json(c, st, false));
	gc_stmt_free(st);
	if (rc != GC_OK) {
		json_decref(a);
		return rc;
	}
	return reply(c, 200, a);
}

/* One certificate of the caller's B/D; *out with its PEM when asked. */
static gc_result own_cert(struct call *c, const char *serial, bool pem, json_t **out)
{
	struct gc_stmt *st;
	bool row = false;
	int64_t org = 0;
	gc_result rc;

	*out = NULL;
	GC_GUARD(prep(c, "SELECT " CERT_COLS " FROM certificates WHERE serial = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, serial)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		org = gc_stmt_int64(st, 8);
		*out = org == c->me.org_id ? cert_row_json(c, st, pem) : NULL;
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_NOT_FOUND, "certificate %s: not bound in this RA", serial);
	GC_ENSURE(org == c->me.org_id, GC_E_RA_FORBIDDEN, "certificate %s: of another B/D", serial);
	GC_ENSURE(*out != NULL, GC_E_NOMEM, "certificate: out of memory");
	return GC_OK;
}

static gc_result api_cert_get(struct call *c, const char *seg)
{
	char serial[41];
	json_t *o;

	GC_ENSURE(serial_value(seg, serial) == GC_OK, GC_E_NOT_FOUND, "certificate %s: no such serial", seg);
	GC_GUARD(own_cert(c, serial, true, &o));
	return reply(c, 200, o);
}

/* ---- revocations (§4.4) ---- */

#define REV_COLS                                                                                   \
	"r.id, r.serial, r.status, r.due, r.reason, r.note, ru.username, r.requested_at, du.username," \
	" r.decided_at, r.decision_reason, r.error, r.org_id, r.requested_by"
#define REV_FROM                                                                                   \
	" FROM revocations r JOIN users ru ON ru.id = r.requested_by LEFT JOIN users du ON du.id = r.decided_by"

static json_t *rev_row_json(struct call *c, struct gc_stmt *st)
{
	int64_t due = gc_stmt_int64(st, 3);
	bool open = strcmp(gc_stmt_text(st, 2), "pending") == 0;

	return json_pack("{s:I, s:s, s:s, s:o, s:b, s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id",
	                 (json_int_t)gc_stmt_int64(st, 0), "serial", gc_stmt_text(st, 1), "status", gc_stmt_text(st, 2),
	                 "due", time_json(due - 1), "overdue", open && c->now >= due, "reason",
	                 (json_int_t)gc_stmt_int64(st, 4), "note", gc_stmt_text(st, 5), "requested_by",
	                 gc_stmt_text(st, 6), "requested_at", time_json(gc_stmt_int64(st, 7)), "decided_by",
	                 text_or_null(st, 8), "decided_at",
	                 gc_stmt_is_null(st, 9) ? json_null() : time_json(gc_stmt_int64(st, 9)), "decision_reason",
	                 text_or_null(st, 10), "error", text_or_null(st, 11));
}

static gc_result rev_json(struct call *c, int64_t id, json_t **out, int64_t *requested_by)
{
	struct gc_stmt *st;
	bool row = false;
	int64_t org = 0;
	gc_result rc;

	*out = NULL;
	GC_GUARD(prep(c, "SELECT " REV_COLS REV_FROM " WHERE r.id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		org = gc_stmt_int64(st, 12);
		*requested_by = gc_stmt_int64(st, 13);
		if (org == c->me.org_id)
			*out = rev_row_json(c, st);
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_NOT_FOUND, "revocation %lld: no such request", (long long)id);
	GC_ENSURE(org == c->me.org_id, GC_E_RA_FORBIDDEN, "revocation %lld: of another B/D", (long long)id);
	return GC_OK;
}

static gc_result org_revoke_days(struct call *c, int *days)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	*days = c->ra->cfg.revoke_working_days;
	GC_GUARD(prep(c, "SELECT revoke_days FROM orgs WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		*days = (int)gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	return rc;
}

static gc_result set_cert_status(struct call *c, const char *serial, const char *from, const char *to)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(prep(c, "UPDATE certificates SET status = ? WHERE serial = ? AND status = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, to)) == GC_OK && (rc = gc_stmt_bind_text(st, 2, serial)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, from)) == GC_OK)
		rc = run_one(c, st, "certificate");
	gc_stmt_free(st);
	return rc;
}

static gc_result api_revoke_request(struct call *c)
{
	static const char *const keys[] = {"serial", "reason", "note", NULL};
	const char *serial_in, *note;
	char serial[41], obj[32], detail[64];
	struct gc_stmt *st;
	json_t *reason_v, *cert, *out;
	int64_t reason = 0, id = 0, rb;
	bool row = false;
	int days;
	gc_result rc;

	GC_ENSURE(c->me.duty == GC_RA_DUTY_REQUESTER, GC_E_RA_FORBIDDEN,
	          "revocations: only a requester submits revocation requests (CPS §4.4.2)");
	GC_GUARD(body_object(c));
	GC_GUARD(only_keys(c->body, "revocation", keys));
	GC_GUARD(text_field(c->body, "serial", 40, true, &serial_in));
	GC_GUARD(serial_value(serial_in, serial));
	reason_v = json_object_get(c->body, "reason");
	if (reason_v != NULL && !json_is_null(reason_v)) {
		GC_ENSURE(json_is_integer(reason_v) && json_integer_value(reason_v) >= 0 && json_integer_value(reason_v) <= 6,
		          GC_E_BAD_REASON, "reason: a CPS App. C reason code 0..6");
		reason = json_integer_value(reason_v);
	}
	GC_GUARD(text_field(c->body, "note", GC_RA_MAX_FIELD, false, &note));
	GC_GUARD(own_cert(c, serial, false, &cert));
	GC_ENSURE_OUT(rc, strcmp(json_string_value(json_object_get(cert, "status")), "active") == 0, GC_E_RA_STATE,
	              "certificate %s: is %s; only an active certificate can be revoked", serial,
	              json_string_value(json_object_get(cert, "status")));
	GC_GUARD_OUT(rc, org_revoke_days(c, &days));
	GC_GUARD_OUT(rc, gc_db_begin(c->ra->db));
	if ((rc = prep(c, "INSERT INTO revocations (serial, org_id, reason, note, status, requested_by, requested_at,"
	                  " due) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING id", &st)) == GC_OK) {
		if ((rc = gc_stmt_bind_text(st, 1, serial)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->me.org_id)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 3, reason)) == GC_OK && (rc = gc_stmt_bind_text(st, 4, note ? note : "")) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 5, c->me.id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 6, c->now)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 7, gc_calendar_deadline(&c->ra->cal, c->now, days))) == GC_OK &&
		    (rc = gc_stmt_step(st, &row)) == GC_OK && row)
			id = gc_stmt_int64(st, 0);
		gc_stmt_free(st);
	}
	if (rc == GC_OK)
		rc = set_cert_status(c, serial, "active", "revocation_pending");
	if (rc == GC_OK) {
		snprintf(obj, sizeof(obj), "revocation %lld", (long long)id);
		snprintf(detail, sizeof(detail), "certificate %.40s reason %lld", serial, (long long)reason);
		rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_REVOKE_REQUESTED, obj, true, detail);
	}
	GC_GUARD_OUT(rc, finish_tx(c, rc));
	GC_GUARD_OUT(rc, rev_json(c, id, &out, &rb));
	rc = reply(c, 201, out);
out:
	json_decref(cert);
	return rc;
}

static gc_result api_revocations_list(struct call *c)
{
	struct gc_stmt *st;
	json_t *a = json_array();
	bool row;
	gc_result rc;

	GC_GUARD(prep(c, "SELECT " REV_COLS REV_FROM " WHERE r.org_id = ? AND (? IS NULL OR r.status = ?)"
	                 " ORDER BY r.id DESC LIMIT 1000", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK && (rc = gc_stmt_bind_text(st, 2, c->req->q_status)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, c->req->q_status)) == GC_OK)
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
			json_array_append_new(a, rev_row_json(c, st));
	gc_stmt_free(st);
	if (rc != GC_OK) {
		json_decref(a);
		return rc;
	}
	return reply(c, 200, a);
}

static gc_result api_revoke_decide(struct call *c, int64_t id, bool approve)
{
	static const char *const keys[] = {"reason", NULL};
	const char *reason = NULL, *serial;
	struct gc_stmt *st;
	char obj[32];
	json_t *rev;
	int64_t rb;
	gc_result rc;

	GC_GUARD(rev_json(c, id, &rev, &rb));
	serial = json_string_value(json_object_get(rev, "serial"));
	GC_GUARD_OUT(rc, may_decide(c, approve ? "approve revocation" : "reject revocation", rb));
	if (c->req->body_len > 0 || !approve) {
		GC_GUARD_OUT(rc, body_object(c));
		GC_GUARD_OUT(rc, only_keys(c->body, "decision", keys));
		GC_GUARD_OUT(rc, text_field(c->body, "reason", GC_RA_MAX_FIELD, !approve, &reason));
	}
	GC_GUARD_OUT(rc, gc_db_begin(c->ra->db));
	if ((rc = prep(c, "UPDATE revocations SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ?"
	                  " WHERE id = ? AND status = 'pending'", &st)) == GC_OK) {
		if ((rc = gc_stmt_bind_text(st, 1, approve ? "approved" : "rejected")) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 2, c->me.id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 3, c->now)) == GC_OK &&
		    (rc = gc_stmt_bind_text(st, 4, reason)) == GC_OK && (rc = gc_stmt_bind_int64(st, 5, id)) == GC_OK)
			rc = run_one(c, st, "revocation");
		gc_stmt_free(st);
	}
	if (rc == GC_E_RA_STATE)
		rc = gc_fail(GC_E_RA_STATE, "revocation %lld: decided already", (long long)id);
	if (rc == GC_OK && !approve)
		rc = set_cert_status(c, serial, "revocation_pending", "active");
	snprintf(obj, sizeof(obj), "revocation %lld", (long long)id);
	if (rc == GC_OK)
		rc = gc_ra_audit(c->ra, c->actor, approve ? GC_EV_RA_REVOKE_APPROVED : GC_EV_RA_REVOKE_REJECTED, obj,
		                 true, serial);
	GC_GUARD_OUT(rc, finish_tx(c, rc));
	/* §4.4.2: the RA stops using the key at once, then asks the CA */
	if (approve && gc_ra_flow_revoke(c->ra, id, c->actor) != GC_OK)
		gc_err_clear();
	json_decref(rev);
	rev = NULL;
	GC_GUARD_OUT(rc, rev_json(c, id, &rev, &rb));
	rc = reply(c, 200, rev);
	rev = NULL;
out:
	json_decref(rev);
	return rc;
}

/* ---- key custody (App. E II) ---- */

static bool is_officer(const struct user *u)
{
	return u->bd_admin || u->duty == GC_RA_DUTY_BM;
}

static gc_result key_req_json(struct call *c, int64_t id, json_t **out, int64_t *asked_by, char status[16],
                              char serial[41])
{
	struct gc_stmt *st;
	bool row = false;
	int64_t org = 0;
	gc_result rc;

	*out = NULL;
	GC_GUARD(prep(c, "SELECT k.id, k.serial, k.status, u.username, k.reason, k.created_at, k.org_id, k.asked_by,"
	                 " (SELECT count(*) FROM key_approvals a WHERE a.request = k.id)"
	                 " FROM key_requests k JOIN users u ON u.id = k.asked_by WHERE k.id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		org = gc_stmt_int64(st, 6);
		*asked_by = gc_stmt_int64(st, 7);
		snprintf(status, 16, "%s", gc_stmt_text(st, 2));
		snprintf(serial, 41, "%s", gc_stmt_text(st, 1));
		*out = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:I}", "id", (json_int_t)id, "serial", gc_stmt_text(st, 1),
		                 "status", gc_stmt_text(st, 2), "asked_by", gc_stmt_text(st, 3), "reason",
		                 gc_stmt_text(st, 4), "created_at", time_json(gc_stmt_int64(st, 5)), "approvals",
		                 (json_int_t)gc_stmt_int64(st, 8));
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_NOT_FOUND, "key request %lld: no such request", (long long)id);
	if (org != c->me.org_id) {
		json_decref(*out);
		*out = NULL;
		return gc_fail(GC_E_RA_FORBIDDEN, "key request %lld: of another B/D", (long long)id);
	}
	return GC_OK;
}

static gc_result api_key_request(struct call *c)
{
	static const char *const keys[] = {"serial", "reason", NULL};
	const char *serial_in, *reason;
	char serial[41], obj[32], status[16], s2[41];
	struct gc_stmt *st;
	json_t *cert, *out;
	int64_t id = 0, ab;
	bool row = false;
	gc_result rc;

	GC_ENSURE(is_officer(&c->me), GC_E_RA_FORBIDDEN,
	          "key-requests: only a B/D administrator or business manager asks for a key (App. E II)");
	GC_GUARD(body_object(c));
	GC_GUARD(only_keys(c->body, "key request", keys));
	GC_GUARD(text_field(c->body, "serial", 40, true, &serial_in));
	GC_GUARD(serial_value(serial_in, serial));
	GC_GUARD(text_field(c->body, "reason", GC_RA_MAX_FIELD, true, &reason));
	GC_GUARD(own_cert(c, serial, false, &cert));
	rc = strcmp(json_string_value(json_object_get(cert, "status")), "active") == 0 ||
	             strcmp(json_string_value(json_object_get(cert, "status")), "expired") == 0
	         ? GC_OK
	         : gc_fail(GC_E_RA_STATE, "certificate %s: %s; its key is never used again once revocation "
	                   "is approved (CPS §4.4.2)", serial, json_string_value(json_object_get(cert, "status")));
	json_decref(cert);
	GC_GUARD(rc);
	GC_GUARD(gc_db_begin(c->ra->db));
	if ((rc = prep(c, "INSERT INTO key_requests (serial, org_id, asked_by, reason, status, created_at)"
	                  " VALUES (?, ?, ?, ?, 'pending', ?) RETURNING id", &st)) == GC_OK) {
		if ((rc = gc_stmt_bind_text(st, 1, serial)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->me.org_id)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 3, c->me.id)) == GC_OK && (rc = gc_stmt_bind_text(st, 4, reason)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 5, c->now)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
			id = gc_stmt_int64(st, 0);
		gc_stmt_free(st);
	}
	snprintf(obj, sizeof(obj), "key request %lld", (long long)id);
	if (rc == GC_OK)
		rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_KEY_REQUESTED, obj, true, serial);
	GC_GUARD(finish_tx(c, rc));
	GC_GUARD(key_req_json(c, id, &out, &ab, status, s2));
	return reply(c, 201, out);
}

static gc_result api_key_list(struct call *c)
{
	struct gc_stmt *st;
	json_t *a = json_array(), *o;
	int64_t ab;
	char status[16], serial[41];
	bool row;
	gc_result rc;

	GC_GUARD(prep(c, "SELECT id FROM key_requests WHERE org_id = ? ORDER BY id DESC LIMIT 1000", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK)
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
			if (key_req_json(c, gc_stmt_int64(st, 0), &o, &ab, status, serial) == GC_OK)
				json_array_append_new(a, o);
	gc_stmt_free(st);
	if (rc != GC_OK) {
		json_decref(a);
		return rc;
	}
	return reply(c, 200, a);
}

static gc_result api_key_approve(struct call *c, int64_t id)
{
	struct gc_stmt *st;
	char obj[32], status[16], serial[41];
	json_t *kr;
	int64_t asked_by;
	gc_result rc;

	GC_GUARD(key_req_json(c, id, &kr, &asked_by, status, serial));
	json_decref(kr);
	GC_ENSURE(is_officer(&c->me), GC_E_RA_FORBIDDEN,
	          "key request %lld: only a B/D administrator or business manager approves", (long long)id);
	GC_ENSURE(asked_by != c->me.id, GC_E_RA_SOD, "key request %lld: the one who asked never approves "
	          "(App. E II)", (long long)id);
	GC_ENSURE(strcmp(status, "pending") == 0, GC_E_RA_STATE, "key request %lld: is %s, not pending",
	          (long long)id, status);
	GC_GUARD(gc_db_begin(c->ra->db));
	if ((rc = prep(c, "INSERT INTO key_approvals (request, officer, asked_by, org_id, at) VALUES (?, ?, ?, ?, ?)",
	               &st)) == GC_OK) {
		if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->me.id)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 3, asked_by)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 4, c->me.org_id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 5, c->now)) == GC_OK)
			rc = gc_stmt_run(st);
		gc_stmt_free(st);
	}
	if (rc == GC_E_DB_CONSTRAINT)
		rc = gc_fail(GC_E_RA_STATE, "key request %lld: you approved it already; a second officer must",
		             (long long)id);
	if (rc == GC_OK && (rc = prep(c, "UPDATE key_requests SET status = 'approved' WHERE id = ? AND"
	                                 " (SELECT count(*) FROM key_approvals WHERE request = ?) >= 2", &st)) == GC_OK) {
		if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, id)) == GC_OK)
			rc = gc_stmt_run(st);
		gc_stmt_free(st);
	}
	snprintf(obj, sizeof(obj), "key request %lld", (long long)id);
	if (rc == GC_OK)
		rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_KEY_APPROVED, obj, true, serial);
	GC_GUARD(finish_tx(c, rc));
	GC_GUARD(key_req_json(c, id, &kr, &asked_by, status, serial));
	return reply(c, 200, kr);
}

static gc_result cert_der_label(struct call *c, const char *serial, unsigned char **der, size_t *n, char label[80])
{
	struct gc_stmt *st;
	const void *p;
	bool row = false;
	gc_result rc;

	*der = NULL;
	GC_GUARD(prep(c, "SELECT der, key_label FROM certificates WHERE serial = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, serial)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		p = gc_stmt_blob(st, 0, n);
		snprintf(label, 80, "%s", gc_stmt_text(st, 1));
		if ((*der = malloc(*n ? *n : 1)) != NULL)
			memcpy(*der, p, *n);
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_NOT_FOUND, "certificate %s: not bound", serial);
	GC_ENSURE(*der != NULL, GC_E_NOMEM, "certificate: out of memory");
	return GC_OK;
}

static gc_result api_key_export(struct call *c, int64_t id)
{
	static const char *const keys[] = {"passphrase", NULL};
	const char *pass;
	struct gc_stmt *st;
	char obj[32], status[16], serial[41], label[80];
	unsigned char *der = NULL, *p12 = NULL;
	size_t dern = 0, p12n = 0;
	json_t *kr;
	int64_t asked_by;
	gc_result rc;

	GC_GUARD(key_req_json(c, id, &kr, &asked_by, status, serial));
	json_decref(kr);
	GC_ENSURE(asked_by == c->me.id, GC_E_RA_FORBIDDEN, "key request %lld: only the officer who asked "
	          "exports the key", (long long)id);
	GC_ENSURE(strcmp(status, "approved") == 0, GC_E_RA_STATE, "key request %lld: is %s; it needs two "
	          "approvals and is exported once", (long long)id, status);
	GC_GUARD(body_object(c));
	GC_GUARD(only_keys(c->body, "export", keys));
	GC_GUARD(text_field(c->body, "passphrase", GC_MAX_PASSPHRASE, true, &pass));
	GC_ENSURE(strlen(pass) >= 10, GC_E_REQUEST_FIELD, "passphrase: at least 10 characters");
	GC_GUARD(cert_der_label(c, serial, &der, &dern, label));
	GC_GUARD_OUT(rc, gc_ra_open_link(c->ra));
	GC_GUARD_OUT(rc, gc_db_begin(c->ra->db));
	if ((rc = prep(c, "UPDATE key_requests SET status = 'exported', exported_at = ? WHERE id = ? AND status = 'approved'",
	               &st)) == GC_OK) {
		if ((rc = gc_stmt_bind_int64(st, 1, c->now)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, id)) == GC_OK)
			rc = run_one(c, st, "key request");
		gc_stmt_free(st);
	}
	snprintf(obj, sizeof(obj), "key request %lld", (long long)id);
	if (rc == GC_OK)
		rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_KEY_EXPORTED, obj, true, serial);
	/* the export and its record go together: no record, no key */
	if (rc == GC_OK)
		rc = gc_ra_link_export_p12(c->ra->link, label, der, dern, pass, &p12, &p12n);
	GC_GUARD_OUT(rc, finish_tx(c, rc));
	free(c->resp->body);
	c->resp->body = (char *)p12;
	c->resp->len = p12n;
	c->resp->status = 200;
	c->resp->type = "application/x-pkcs12";
	snprintf(c->resp->disposition, sizeof(c->resp->disposition), "attachment; filename=\"%.40s.p12\"", serial);
out:
	free(der);
	return rc;
}

/* ---- use-time check (§2.1.3 n) ---- */

static gc_result app_bearer(struct call *c, char name[80])
{
	struct gc_stmt *st;
	char hash[65];
	const char *a = c->req->auth;
	bool row = false;
	gc_result rc;

	GC_ENSURE(a != NULL && strncmp(a, "Bearer ", 7) == 0 && is_hex64(a + 7), GC_E_RA_AUTH,
	          "usable: an Authorization: Bearer application token is required (gcert ra app-token)");
	gc_ra_sha256_hex(a + 7, 64, hash);
	GC_GUARD(prep(c, "SELECT name FROM app_tokens WHERE token_hash = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, hash)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		snprintf(name, 80, "%s", gc_stmt_text(st, 0));
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_RA_AUTH, "usable: unknown application token");
	return GC_OK;
}

static gc_result api_usable(struct call *c, const char *seg)
{
	struct gc_stmt *st;
	char app[80], serial[41], status[24] = "";
	const char *reason = "unknown";
	int64_t not_before = 0, not_after = 0, crl_number = -1;
	bool row = false, revoked = false;
	gc_result rc;

	GC_GUARD(app_bearer(c, app));
	GC_GUARD(serial_value(seg, serial));
	GC_GUARD(prep(c, "SELECT status, not_before, not_after FROM certificates WHERE serial = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, serial)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		snprintf(status, sizeof(status), "%s", gc_stmt_text(st, 0));
		not_before = gc_stmt_int64(st, 1);
		not_after = gc_stmt_int64(st, 2);
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	if (row) {
		GC_GUARD(gc_ra_open_link(c->ra));
		GC_GUARD(gc_ra_link_crl_check(c->ra->link, serial, &revoked, &crl_number));
		if (revoked || strcmp(status, "revoked") == 0)
			reason = "revoked";
		else if (c->now < not_before || c->now >= not_after)
			reason = "expired";
		else if (strcmp(status, "revocation_pending") == 0)
			reason = "revocation_pending";
		else
			reason = "ok";
	}
	return reply(c, 200, json_pack("{s:s, s:b, s:s, s:o, s:o, s:s}", "serial", serial, "usable",
	                               strcmp(reason, "ok") == 0, "reason", reason, "crl_number",
	                               crl_number >= 0 ? json_integer(crl_number) : json_null(), "checked_at",
	                               time_json(c->now), "application", app));
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
		return api_users_list(c);
	if (is(c, "POST", 2, "users", NULL, NULL))
		return api_users_add(c);
	if (is(c, "POST", 4, "users", "*", "roles") || is(c, "POST", 4, "users", "*", "unlock")) {
		GC_GUARD(need_bd_admin(c));
		GC_GUARD(same_bd_user(c, c->seg[2], &id));
		return strcmp(c->seg[3], "roles") == 0 ? api_user_roles(c, id) : api_user_unlock(c, id);
	}
	return gc_fail(GC_E_NOT_FOUND, "%s %s: no such API", c->req->method, c->req->path);
}

static gc_result route_apps(struct call *c)
{
	int64_t id, rb;
	json_t *app;

	if (is(c, "POST", 2, "applications", NULL, NULL))
		return api_apply(c);
	if (is(c, "GET", 2, "applications", NULL, NULL))
		return api_apps_list(c);
	GC_ENSURE(c->nseg >= 3, GC_E_NOT_FOUND, "%s %s: no such API", c->req->method, c->req->path);
	GC_GUARD(id_segment(c->seg[2], &id));
	if (is(c, "GET", 3, "applications", "*", NULL)) {
		GC_GUARD(own_app(c, id, &app, &rb));
		return reply(c, 200, app);
	}
	if (is(c, "POST", 4, "applications", "*", "approve"))
		return api_app_approve(c, id);
	if (is(c, "POST", 4, "applications", "*", "reject"))
		return api_app_reject(c, id);
	return gc_fail(GC_E_NOT_FOUND, "%s %s: no such API", c->req->method, c->req->path);
}

static gc_result route_more(struct call *c)
{
	int64_t id, rb;
	json_t *o;

	if (is(c, "GET", 2, "certificates", NULL, NULL))
		return api_certs_list(c);
	if (is(c, "GET", 3, "certificates", "*", NULL))
		return api_cert_get(c, c->seg[2]);
	if (is(c, "POST", 2, "revocations", NULL, NULL))
		return api_revoke_request(c);
	if (is(c, "GET", 2, "revocations", NULL, NULL))
		return api_revocations_list(c);
	if (is(c, "POST", 2, "key-requests", NULL, NULL))
		return api_key_request(c);
	if (is(c, "GET", 2, "key-requests", NULL, NULL))
		return api_key_list(c);
	GC_ENSURE(c->nseg >= 3, GC_E_NOT_FOUND, "%s %s: no such API", c->req->method, c->req->path);
	if (is(c, "GET", 3, "revocations", "*", NULL)) {
		GC_GUARD(id_segment(c->seg[2], &id));
		GC_GUARD(rev_json(c, id, &o, &rb));
		return reply(c, 200, o);
	}
	if (is(c, "POST", 4, "revocations", "*", "approve") || is(c, "POST", 4, "revocations", "*", "reject")) {
		GC_GUARD(id_segment(c->seg[2], &id));
		return api_revoke_decide(c, id, strcmp(c->seg[3], "approve") == 0);
	}
	if (is(c, "POST", 4, "key-requests", "*", "approve")) {
		GC_GUARD(id_segment(c->seg[2], &id));
		return api_key_approve(c, id);
	}
	if (is(c, "POST", 4, "key-requests", "*", "export")) {
		GC_GUARD(id_segment(c->seg[2], &id));
		return api_key_export(c, id);
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
		return api_usable(c, c->seg[2]);
	if (is(c, "GET", 2, "orgs", NULL, NULL))
		return api_orgs(c);
	GC_GUARD(authenticate(c));
	if (!get)
		GC_GUARD(check_csrf(c));
	if (is(c, "POST", 2, "logout", NULL, NULL))
		return api_logout(c);
	if (is(c, "GET", 2, "me", NULL, NULL))
		return api_me(c);
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
