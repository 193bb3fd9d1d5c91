/*
 * api_people.c - the B/Ds of CPS App. E and their people (docs/ra-api.md
 * "Organisations and users"): a B/D administrator appoints requesters and business
 * managers within their own B/D only (§3.1.1.3), never one person both (§2.1.3 c).
 */
#include <jansson.h>
#include <sodium.h>
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

gc_result ra_api_orgs(struct call *c)
{
	struct gc_stmt *st;
	json_t *a = json_array();
	bool row;
	gc_result rc;

	GC_GUARD(ra_prep(c, "SELECT code, name_en, name_zh, revoke_days FROM orgs ORDER BY id", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I}", "code", gc_stmt_text(st, 0), "name_en",
		                                   gc_stmt_text(st, 1), "name_zh", gc_stmt_text(st, 2),
		                                   "revoke_working_days", (json_int_t)gc_stmt_int64(st, 3)));
	gc_stmt_free(st);
	if (rc != GC_OK) {
		json_decref(a);
		return rc;
	}
	return ra_reply(c, 200, a);
}

/* §4.4.2: a B/D administrator sets the working days within which the B/D's business
 * managers approve a revocation request. */
gc_result ra_api_org_settings(struct call *c, const char *code)
{
	static const char *const keys[] = {"revoke_working_days", NULL};
	struct gc_stmt *st;
	json_t *v;
	char detail[64];
	gc_result rc;

	GC_ENSURE(c->me.bd_admin, GC_E_RA_FORBIDDEN, "orgs/%s: only a B/D administrator sets this", code);
	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "org settings", keys));
	v = json_object_get(c->body, "revoke_working_days");
	GC_ENSURE(json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 30, GC_E_REQUEST_FIELD,
	          "revoke_working_days: an integer 1..30 (CPS §4.4.2)");
	GC_GUARD(gc_db_begin(c->ra->db));
	if ((rc = ra_prep(c, "UPDATE orgs SET revoke_days = ? WHERE code = ? AND id = ?", &st)) == GC_OK) {
		if ((rc = gc_stmt_bind_int64(st, 1, json_integer_value(v))) == GC_OK &&
		    (rc = gc_stmt_bind_text(st, 2, code)) == GC_OK && (rc = gc_stmt_bind_int64(st, 3, c->me.org_id)) == GC_OK)
			rc = gc_stmt_run(st);
		gc_stmt_free(st);
	}
	if (rc == GC_OK && gc_db_changes(c->ra->db) != 1)
		rc = gc_fail(GC_E_RA_FORBIDDEN, "orgs/%s: not your B/D", code);
	snprintf(detail, sizeof(detail), "revoke_working_days %lld", (long long)json_integer_value(v));
	if (rc == GC_OK)
		rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_ORG_CHANGED, code, true, detail);
	GC_GUARD(ra_finish_tx(c, rc));
	return ra_reply(c, 200, json_pack("{s:s, s:I}", "code", code, "revoke_working_days", json_integer_value(v)));
}

/* ---- users (B/D administrators, own B/D only: §3.1.1.3) ---- */

gc_result ra_need_bd_admin(struct call *c)
{
	GC_ENSURE(c->me.bd_admin, GC_E_RA_FORBIDDEN, "%s %s: only a B/D administrator may do this",
	          c->req->method, c->req->path);
	return GC_OK;
}

/* The user id of the path, who must be of the caller's B/D. */
gc_result ra_same_bd_user(struct call *c, const char *seg, int64_t *id)
{
	struct gc_stmt *st;
	bool row = false;
	int64_t org = 0;
	gc_result rc;

	GC_GUARD(ra_id_segment(seg, id));
	GC_GUARD(ra_prep(c, "SELECT org_id FROM users WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, *id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		org = gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_NOT_FOUND, "user %s: no such user", seg);
	GC_ENSURE(org == c->me.org_id, GC_E_RA_FORBIDDEN,
	          "user %s: of another B/D; a B/D administrator appoints within their own B/D only", seg);
	return GC_OK;
}

static json_t *user_list_row(struct call *c, struct gc_stmt *st)
{
	(void)c;
	return ra_user_row_json(st);
}

/* GET /api/users (bd_admin): the B/D's, searched by user name, name or email; ?role,
 * ?locked=1, ?disabled=1. */
gc_result ra_api_users_list(struct call *c)
{
	static const char *const filters[] = {"role", "locked", "disabled", NULL};
	static const char *const roles[] = {"bd_admin", "requester", "business_manager", "none", NULL};
	static const struct ra_sort_key sorts[] = {
		{"username", "username"}, {"name", "name"}, {"id", "id"}, {"created_at", "created_at"}, {NULL, NULL},
	};
	static const struct ra_list_def def = {
		.what = "users", .cols = USER_COLS, .from = " FROM users", .base = "org_id = ?",
		.filters = filters, .sorts = sorts, .default_desc = false, .tiebreak = "id",
		.search = "lower(username) LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\'"
		          " OR lower(email) LIKE ? ESCAPE '\\'",
		.search_binds = 3,
	};
	struct ra_query q;
	const char *role;
	bool locked, disabled;

	GC_GUARD(ra_need_bd_admin(c));
	GC_GUARD(ra_q_parse(c, &def, &q));
	GC_GUARD(ra_q_choice(c, "role", roles, &role));
	GC_GUARD(ra_q_flag(c, "locked", &locked));
	GC_GUARD(ra_q_flag(c, "disabled", &disabled));
	ra_q_int(&q, c->me.org_id);
	if (role != NULL && strcmp(role, "bd_admin") == 0)
		ra_q_and(&q, "bd_admin = 1");
	else if (role != NULL && strcmp(role, "none") == 0)
		ra_q_and(&q, "duty IS NULL AND bd_admin = 0");
	else if (role != NULL) {
		ra_q_and(&q, "duty = ?");
		ra_q_text(&q, role);
	}
	if (locked)
		ra_q_and(&q, "locked = 1");
	if (disabled)
		ra_q_and(&q, "disabled = 1");
	return ra_q_reply(c, &q, user_list_row);
}

gc_result ra_api_users_add(struct call *c)
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

	GC_GUARD(ra_need_bd_admin(c));
	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "user", keys));
	GC_GUARD(ra_text_field(c->body, "username", 64, true, &username));
	GC_GUARD(ra_text_field(c->body, "name", GC_RA_MAX_NAME, true, &name));
	GC_GUARD(ra_text_field(c->body, "email", GC_RA_MAX_EMAIL, true, &email));
	GC_ENSURE(gc_is_email(email, strlen(email)), GC_E_BAD_EMAIL, "email: \"%s\" is not an address", email);
	GC_GUARD(ra_text_field(c->body, "password", GC_MAX_PASSWORD, true, &password));
	GC_GUARD(ra_parse_roles(json_object_get(c->body, "roles"), &bd_admin, &duty));
	GC_GUARD(ra_prep(c, "SELECT code FROM orgs WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		snprintf(code, sizeof(code), "%s", gc_stmt_text(st, 0));
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_GUARD(ra_text_field(c->body, "org", 16, false, &org));
	GC_ENSURE(org == NULL || strcmp(org, code) == 0, GC_E_RA_FORBIDDEN,
	          "org: %s is not your B/D (%s); a B/D administrator appoints within their own B/D only", org, code);
	/* an initial password is the administrator's to know: changed at the first login */
	GC_GUARD(gc_ra_user_add(c->ra, c->actor, code, username, name, email, password, bd_admin, duty, true, &id));
	GC_GUARD(ra_user_json(c, id, &u));
	return ra_reply(c, 201, u);
}

gc_result ra_api_user_roles(struct call *c, int64_t id)
{
	static const char *const keys[] = {"roles", NULL};
	struct gc_stmt *st;
	enum gc_ra_duty duty;
	bool bd_admin;
	char detail[128];
	json_t *u;
	gc_result rc;

	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "roles", keys));
	GC_GUARD(ra_parse_roles(json_object_get(c->body, "roles"), &bd_admin, &duty));
	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, ra_prep(c, "UPDATE users SET duty = ?, bd_admin = ? WHERE id = ? AND org_id = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, ra_duty_name(duty))) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 2, bd_admin)) == GC_OK && (rc = gc_stmt_bind_int64(st, 3, id)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 4, c->me.org_id)) == GC_OK)
		rc = ra_run_one(c, st, "user");
	gc_stmt_free(st);
	GC_GUARD_OUT(rc, rc);
	snprintf(detail, sizeof(detail), "roles:%s %s", bd_admin ? " bd_admin" : "", ra_duty_name(duty) ? ra_duty_name(duty) : "");
	snprintf(c->segbuf, sizeof(c->segbuf), "user %lld", (long long)id);
	rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_ROLES_CHANGED, c->segbuf, true, detail);
out:
	GC_GUARD(ra_finish_tx(c, rc));
	GC_GUARD(ra_user_json(c, id, &u));
	return ra_reply(c, 200, u);
}

gc_result ra_api_user_unlock(struct call *c, int64_t id)
{
	struct gc_stmt *st;
	char obj[32];
	json_t *u;
	gc_result rc;

	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, ra_prep(c, "UPDATE users SET locked = 0, failed_logins = 0 WHERE id = ? AND org_id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->me.org_id)) == GC_OK)
		rc = ra_run_one(c, st, "user");
	gc_stmt_free(st);
	GC_GUARD_OUT(rc, rc);
	snprintf(obj, sizeof(obj), "user %lld", (long long)id);
	rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_USER_UNLOCKED, obj, true, "");
out:
	GC_GUARD(ra_finish_tx(c, rc));
	GC_GUARD(ra_user_json(c, id, &u));
	return ra_reply(c, 200, u);
}

/* ---- account management (§4.5.1): passwords, disabling, the language of mails ---- */

/* POST /api/users/{id}/password (bd_admin, same B/D): a temporary password the user must
 * change at the next login; the account is unlocked and its sessions end. */
gc_result ra_api_user_password(struct call *c, int64_t id)
{
	static const char *const keys[] = {"password", NULL};
	const char *password;
	json_t *u;

	if (id == c->me.id)
		return ra_field_error("password", gc_fail(GC_E_RA_FORBIDDEN, "password: your own password is changed "
		                                          "with POST /api/me/password (it needs the current one)"));
	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "password reset", keys));
	GC_GUARD(ra_text_field(c->body, "password", GC_MAX_PASSWORD, true, &password));
	if (strlen(password) < GC_RA_MIN_PASSWORD)
		return ra_field_error("password", gc_fail(GC_E_REQUEST_FIELD, "password: at least %d characters",
		                                          GC_RA_MIN_PASSWORD));
	GC_GUARD(gc_ra_user_set_password(c->ra, c->actor, id, password, true, GC_EV_RA_PASSWORD_RESET));
	GC_GUARD(ra_user_json(c, id, &u));
	return ra_reply(c, 200, u);
}

/* POST /api/users/{id}/disable | enable (bd_admin, same B/D): a disabled account cannot
 * log in and its sessions end. Nobody disables their own account, so a B/D keeps the
 * administrator who acts. */
gc_result ra_api_user_enable(struct call *c, int64_t id, bool enable)
{
	struct gc_stmt *st;
	char obj[32];
	json_t *u;
	gc_result rc;

	GC_ENSURE(enable || id != c->me.id, GC_E_RA_FORBIDDEN,
	          "user %lld: a B/D administrator never disables their own account", (long long)id);
	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, ra_prep(c, "UPDATE users SET disabled = ? WHERE id = ? AND org_id = ? AND disabled = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, enable ? 0 : 1)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, id)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 3, c->me.org_id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 4, enable ? 1 : 0)) == GC_OK)
		rc = ra_run_one(c, st, "user");
	gc_stmt_free(st);
	if (rc == GC_E_RA_STATE)
		rc = gc_fail(GC_E_RA_STATE, "user %lld: is %s already", (long long)id, enable ? "enabled" : "disabled");
	GC_GUARD_OUT(rc, rc);
	if (!enable) {
		GC_GUARD_OUT(rc, ra_prep(c, "DELETE FROM sessions WHERE user_id = ?", &st));
		if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK)
			rc = gc_stmt_run(st);
		gc_stmt_free(st);
		GC_GUARD_OUT(rc, rc);
	}
	snprintf(obj, sizeof(obj), "user %lld", (long long)id);
	rc = gc_ra_audit(c->ra, c->actor, enable ? GC_EV_RA_USER_ENABLED : GC_EV_RA_USER_DISABLED, obj, true,
	                 enable ? "" : "sessions ended");
out:
	GC_GUARD(ra_finish_tx(c, rc));
	GC_GUARD(ra_user_json(c, id, &u));
	return ra_reply(c, 200, u);
}

/* POST /api/me/password {"current_password", "new_password"}: the caller's own; a new
 * one differs from the current one. Clears a forced change. */
gc_result ra_api_me_password(struct call *c)
{
	static const char *const keys[] = {"current_password", "new_password", NULL};
	const char *cur, *pw;
	char hash[crypto_pwhash_STRBYTES] = "";
	struct gc_stmt *st;
	bool row = false;
	json_t *u;
	gc_result rc;

	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "password change", keys));
	GC_GUARD(ra_text_field(c->body, "current_password", GC_MAX_PASSWORD, true, &cur));
	GC_GUARD(ra_text_field(c->body, "new_password", GC_MAX_PASSWORD, true, &pw));
	if (strlen(pw) < GC_RA_MIN_PASSWORD)
		return ra_field_error("new_password", gc_fail(GC_E_REQUEST_FIELD, "new_password: at least %d characters",
		                                              GC_RA_MIN_PASSWORD));
	GC_GUARD(ra_prep(c, "SELECT pw_hash FROM users WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		snprintf(hash, sizeof(hash), "%s", gc_stmt_text(st, 0));
	gc_stmt_free(st);
	GC_GUARD(rc);
	if (!row || crypto_pwhash_str_verify(hash, cur, strlen(cur)) != 0)
		return ra_field_error("current_password", gc_fail(GC_E_RA_AUTH, "current_password: not your current "
		                                                  "password"));
	if (strcmp(cur, pw) == 0)
		return ra_field_error("new_password", gc_fail(GC_E_REQUEST_FIELD, "new_password: must differ from the "
		                                              "current password"));
	GC_GUARD(gc_ra_user_set_password(c->ra, c->actor, c->me.id, pw, false, GC_EV_RA_PASSWORD_CHANGED));
	c->me.must_change = false;
	GC_GUARD(ra_user_json(c, c->me.id, &u));
	json_object_del(u, "locked");
	json_object_del(u, "disabled");
	return ra_reply(c, 200, u);
}

/* POST /api/me/lang {"lang": "en" | "zh-Hant"}: the language of the caller's mails. */
gc_result ra_api_me_lang(struct call *c)
{
	static const char *const keys[] = {"lang", NULL};
	static const char *const langs[] = {"en", "zh-Hant", NULL};
	const char *lang;
	struct gc_stmt *st;
	json_t *u;
	gc_result rc;

	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "language", keys));
	GC_GUARD(ra_text_field(c->body, "lang", 8, true, &lang));
	GC_GUARD(ra_one_of("lang", lang, langs));
	GC_GUARD(ra_prep(c, "UPDATE users SET lang = ? WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, lang)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->me.id)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_GUARD(ra_user_json(c, c->me.id, &u));
	return ra_reply(c, 200, u);
}

/* ---- notifications: what the RA mailed to the caller, newest first (§3.1 step 6) ---- */

static json_t *notification_row(struct call *c, struct gc_stmt *st)
{
	(void)c;
	return json_pack("{s:I, s:o, s:s, s:s, s:s, s:o}", "id", (json_int_t)gc_stmt_int64(st, 0), "at",
	                 ra_time_json(gc_stmt_int64(st, 1)), "object", gc_stmt_text(st, 2), "subject", gc_stmt_text(st, 3),
	                 "body", gc_stmt_text(st, 4), "read_at",
	                 gc_stmt_is_null(st, 5) ? json_null() : ra_time_json(gc_stmt_int64(st, 5)));
}

/* GET /api/notifications: the caller's, searched in subject and text; ?unread=1. */
gc_result ra_api_notifications(struct call *c)
{
	static const char *const filters[] = {"unread", NULL};
	static const struct ra_sort_key sorts[] = {{"at", "at"}, {"id", "id"}, {NULL, NULL}};
	static const struct ra_list_def def = {
		.what = "notifications", .cols = "id, at, object, subject, body, read_at", .from = " FROM notifications",
		.base = "user_id = ?", .filters = filters, .sorts = sorts, .default_desc = true, .tiebreak = "id",
		.search = "lower(subject) LIKE ? ESCAPE '\\' OR lower(body) LIKE ? ESCAPE '\\' OR lower(object) LIKE ? ESCAPE '\\'",
		.search_binds = 3,
	};
	struct ra_query q;
	bool unread;

	GC_GUARD(ra_q_parse(c, &def, &q));
	GC_GUARD(ra_q_flag(c, "unread", &unread));
	ra_q_int(&q, c->me.id);
	if (unread)
		ra_q_and(&q, "read_at IS NULL");
	return ra_q_reply(c, &q, notification_row);
}

/* POST /api/notifications/read {"ids": [..]} or {} for all: marks the caller's as read. */
gc_result ra_api_notifications_read(struct call *c)
{
	static const char *const keys[] = {"ids", NULL};
	struct gc_stmt *st;
	json_t *ids = NULL, *v;
	int64_t n = 0;
	size_t i;
	gc_result rc;

	if (c->req->body_len > 0) {
		GC_GUARD(ra_body_object(c));
		GC_GUARD(ra_only_keys(c->body, "notifications", keys));
		ids = json_object_get(c->body, "ids");
		if (ids != NULL && (!json_is_array(ids) || json_array_size(ids) < 1 || json_array_size(ids) > RA_LIST_MAX_PAGE))
			return ra_field_error("ids", gc_fail(GC_E_REQUEST_FIELD, "ids: an array of 1..%d notification ids",
			                                     RA_LIST_MAX_PAGE));
		json_array_foreach(ids, i, v)
			if (!json_is_integer(v) || json_integer_value(v) < 1)
				return ra_field_error("ids", gc_fail(GC_E_REQUEST_FIELD, "ids[%zu]: not a notification id", i));
	}
	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, ra_prep(c, "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL"
	                         " AND (? = 0 OR id = ?)", &st));
	if (ids == NULL) {
		if ((rc = gc_stmt_bind_int64(st, 1, c->now)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->me.id)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 3, 0)) == GC_OK && (rc = gc_stmt_bind_int64(st, 4, 0)) == GC_OK &&
		    (rc = gc_stmt_run(st)) == GC_OK)
			n = gc_db_changes(c->ra->db);
	} else {
		json_array_foreach(ids, i, v) {
			if ((rc = gc_stmt_bind_int64(st, 1, c->now)) != GC_OK || (rc = gc_stmt_bind_int64(st, 2, c->me.id)) != GC_OK ||
			    (rc = gc_stmt_bind_int64(st, 3, 1)) != GC_OK ||
			    (rc = gc_stmt_bind_int64(st, 4, (int64_t)json_integer_value(v))) != GC_OK || (rc = gc_stmt_run(st)) != GC_OK)
				break;
			n += gc_db_changes(c->ra->db);
			gc_stmt_reset(st);
		}
	}
	gc_stmt_free(st);
out:
	GC_GUARD(ra_finish_tx(c, rc));
	return ra_reply(c, 200, json_pack("{s:I}", "marked_read", (json_int_t)n));
}
