/*
 * api_int.h - what the files of the RA's JSON API share (api.c: responses, input,
 * sessions, routing; api_people.c: B/Ds and users; api_apps.c: applications;
 * api_certs.c: certificates, revocations, key custody, the use-time check).
 * Nothing outside src/raweb/api*.c includes this.
 */
#ifndef GCERT_RA_RA_API_INT_H
#define GCERT_RA_RA_API_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "raweb/raweb.h"

struct gc_stmt;

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

#define USER_COLS "id, username, name, email, bd_admin, duty, locked, org_id"

/* responses, input, roles and sessions (api.c) */
gc_result ra_reply(struct call *c, unsigned status, json_t *v) GC_MUST_CHECK;
json_t *ra_time_json(int64_t t);
json_t *ra_text_or_null(struct gc_stmt *st, int col);
gc_result ra_prep(struct call *c, const char *sql, struct gc_stmt **st) GC_MUST_CHECK;
gc_result ra_run_one(struct call *c, struct gc_stmt *st, const char *what) GC_MUST_CHECK;
gc_result ra_finish_tx(struct call *c, gc_result rc) GC_MUST_CHECK;
gc_result ra_body_object(struct call *c) GC_MUST_CHECK;
gc_result ra_only_keys(json_t *obj, const char *where, const char *const *keys) GC_MUST_CHECK;
gc_result ra_text_field(json_t *obj, const char *key, size_t max, bool required, const char **out) GC_MUST_CHECK;
gc_result ra_one_of(const char *key, const char *v, const char *const *allowed) GC_MUST_CHECK;
gc_result ra_id_segment(const char *s, int64_t *id) GC_MUST_CHECK;
gc_result ra_serial_value(const char *s, char out[41]) GC_MUST_CHECK;
const char *ra_duty_name(enum gc_ra_duty d);
gc_result ra_parse_roles(json_t *v, bool *bd_admin, enum gc_ra_duty *duty) GC_MUST_CHECK;
bool ra_is_hex64(const char *s);
json_t *ra_user_row_json(struct gc_stmt *st);
gc_result ra_user_json(struct call *c, int64_t id, json_t **out) GC_MUST_CHECK;

/* B/Ds and users (api_people.c) */
gc_result ra_api_orgs(struct call *c) GC_MUST_CHECK;
gc_result ra_api_org_settings(struct call *c, const char *code) GC_MUST_CHECK;
gc_result ra_need_bd_admin(struct call *c) GC_MUST_CHECK;
gc_result ra_same_bd_user(struct call *c, const char *seg, int64_t *id) GC_MUST_CHECK;
gc_result ra_api_users_list(struct call *c) GC_MUST_CHECK;
gc_result ra_api_users_add(struct call *c) GC_MUST_CHECK;
gc_result ra_api_user_roles(struct call *c, int64_t id) GC_MUST_CHECK;
gc_result ra_api_user_unlock(struct call *c, int64_t id) GC_MUST_CHECK;

/* applications (api_apps.c) */
gc_result ra_own_app(struct call *c, int64_t id, json_t **out, int64_t *requested_by) GC_MUST_CHECK;
gc_result ra_api_apply(struct call *c) GC_MUST_CHECK;
gc_result ra_api_apps_list(struct call *c) GC_MUST_CHECK;
gc_result ra_may_decide(struct call *c, const char *what, int64_t requested_by) GC_MUST_CHECK;
gc_result ra_api_app_approve(struct call *c, int64_t id) GC_MUST_CHECK;
gc_result ra_api_app_reject(struct call *c, int64_t id) GC_MUST_CHECK;

/* certificates, revocations, key custody, use-time check (api_certs.c) */
gc_result ra_api_certs_list(struct call *c) GC_MUST_CHECK;
gc_result ra_api_cert_get(struct call *c, const char *seg) GC_MUST_CHECK;
gc_result ra_rev_json(struct call *c, int64_t id, json_t **out, int64_t *requested_by) GC_MUST_CHECK;
gc_result ra_api_revoke_request(struct call *c) GC_MUST_CHECK;
gc_result ra_api_revocations_list(struct call *c) GC_MUST_CHECK;
gc_result ra_api_revoke_decide(struct call *c, int64_t id, bool approve) GC_MUST_CHECK;
gc_result ra_api_key_request(struct call *c) GC_MUST_CHECK;
gc_result ra_api_key_list(struct call *c) GC_MUST_CHECK;
gc_result ra_api_key_approve(struct call *c, int64_t id) GC_MUST_CHECK;
gc_result ra_api_key_export(struct call *c, int64_t id) GC_MUST_CHECK;
gc_result ra_api_usable(struct call *c, const char *seg) GC_MUST_CHECK;

#endif
