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

gc_result ra_api_users_list(struct call *c)
{
	struct gc_stmt *st;
	json_t *a = json_array();
	bool row;
	gc_result rc;

	GC_GUARD(ra_need_bd_admin(c));
	GC_GUARD(ra_prep(c, "SELECT " USER_COLS " FROM users WHERE org_id = ? ORDER BY id", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK)
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
			json_array_append_new(a, ra_user_row_json(st));
	gc_stmt_free(st);
	if (rc != GC_OK) {
		json_decref(a);
		return rc;
	}
	return ra_reply(c, 200, a);
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
	GC_GUARD(gc_ra_user_add(c->ra, c->actor, code, username, name, email, password, bd_admin, duty, &id));
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
