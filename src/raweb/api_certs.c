/*
 * api_certs.c - bound certificates, revocation requests and their approval within the
 * B/D's working days (CPS §4.4), key custody (App. E II: two other officers approve, the
 * asker exports once) and the designated applications' use-time check (§2.1.3 n).
 */
#include <jansson.h>
#include <openssl/crypto.h>
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
	                      ra_time_json(gc_stmt_int64(st, 4)), "not_after", ra_time_json(gc_stmt_int64(st, 5)),
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

gc_result ra_api_certs_list(struct call *c)
{
	struct gc_stmt *st;
	json_t *a = json_array();
	bool row;
	gc_result rc;

	GC_GUARD(ra_prep(c, "SELECT " CERT_COLS " FROM certificates WHERE org_id = ? ORDER BY bound_at DESC LIMIT 1000", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK)
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
			json_array_append_new(a, cert_row_json(c, st, false));
	gc_stmt_free(st);
	if (rc != GC_OK) {
		json_decref(a);
		return rc;
	}
	return ra_reply(c, 200, a);
}

/* One certificate of the caller's B/D; *out with its PEM when asked. */
static gc_result own_cert(struct call *c, const char *serial, bool pem, json_t **out)
{
	struct gc_stmt *st;
	bool row = false;
	int64_t org = 0;
	gc_result rc;

	*out = NULL;
	GC_GUARD(ra_prep(c, "SELECT " CERT_COLS " FROM certificates WHERE serial = ?", &st));
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

gc_result ra_api_cert_get(struct call *c, const char *seg)
{
	char serial[41];
	json_t *o;

	GC_ENSURE(ra_serial_value(seg, serial) == GC_OK, GC_E_NOT_FOUND, "certificate %s: no such serial", seg);
	GC_GUARD(own_cert(c, serial, true, &o));
	return ra_reply(c, 200, o);
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
	                 "due", ra_time_json(due - 1), "overdue", open && c->now >= due, "reason",
	                 (json_int_t)gc_stmt_int64(st, 4), "note", gc_stmt_text(st, 5), "requested_by",
	                 gc_stmt_text(st, 6), "requested_at", ra_time_json(gc_stmt_int64(st, 7)), "decided_by",
	                 ra_text_or_null(st, 8), "decided_at",
	                 gc_stmt_is_null(st, 9) ? json_null() : ra_time_json(gc_stmt_int64(st, 9)), "decision_reason",
	                 ra_text_or_null(st, 10), "error", ra_text_or_null(st, 11));
}

gc_result ra_rev_json(struct call *c, int64_t id, json_t **out, int64_t *requested_by)
{
	struct gc_stmt *st;
	bool row = false;
	int64_t org = 0;
	gc_result rc;

	*out = NULL;
	GC_GUARD(ra_prep(c, "SELECT " REV_COLS REV_FROM " WHERE r.id = ?", &st));
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
	GC_GUARD(ra_prep(c, "SELECT revoke_days FROM orgs WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		*days = (int)gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	return rc;
}

static gc_result set_cert_status(struct call *c, const char *serial, const char *from, const char *to)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(ra_prep(c, "UPDATE certificates SET status = ? WHERE serial = ? AND status = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, to)) == GC_OK && (rc = gc_stmt_bind_text(st, 2, serial)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, from)) == GC_OK)
		rc = ra_run_one(c, st, "certificate");
	gc_stmt_free(st);
	return rc;
}

gc_result ra_api_revoke_request(struct call *c)
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
	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "revocation", keys));
	GC_GUARD(ra_text_field(c->body, "serial", 40, true, &serial_in));
	GC_GUARD(ra_serial_value(serial_in, serial));
	reason_v = json_object_get(c->body, "reason");
	if (reason_v != NULL && !json_is_null(reason_v)) {
		GC_ENSURE(json_is_integer(reason_v) && json_integer_value(reason_v) >= 0 && json_integer_value(reason_v) <= 6,
		          GC_E_BAD_REASON, "reason: a CPS App. C reason code 0..6");
		reason = json_integer_value(reason_v);
	}
	GC_GUARD(ra_text_field(c->body, "note", GC_RA_MAX_FIELD, false, &note));
	GC_GUARD(own_cert(c, serial, false, &cert));
	GC_ENSURE_OUT(rc, strcmp(json_string_value(json_object_get(cert, "status")), "active") == 0, GC_E_RA_STATE,
	              "certificate %s: is %s; only an active certificate can be revoked", serial,
	              json_string_value(json_object_get(cert, "status")));
	GC_GUARD_OUT(rc, org_revoke_days(c, &days));
	GC_GUARD_OUT(rc, gc_db_begin(c->ra->db));
	if ((rc = ra_prep(c, "INSERT INTO revocations (serial, org_id, reason, note, status, requested_by, requested_at,"
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
	GC_GUARD_OUT(rc, ra_finish_tx(c, rc));
	GC_GUARD_OUT(rc, ra_rev_json(c, id, &out, &rb));
	rc = ra_reply(c, 201, out);
out:
	json_decref(cert);
	return rc;
}

gc_result ra_api_revocations_list(struct call *c)
{
	struct gc_stmt *st;
	json_t *a = json_array();
	bool row;
	gc_result rc;

	GC_GUARD(ra_prep(c, "SELECT " REV_COLS REV_FROM " WHERE r.org_id = ? AND (CAST(? AS TEXT) IS NULL OR r.status = ?)"
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
	return ra_reply(c, 200, a);
}

gc_result ra_api_revoke_decide(struct call *c, int64_t id, bool approve)
{
	static const char *const keys[] = {"reason", NULL};
	const char *reason = NULL, *serial;
	struct gc_stmt *st;
	char obj[32];
	json_t *rev;
	int64_t rb;
	gc_result rc;

	GC_GUARD(ra_rev_json(c, id, &rev, &rb));
	serial = json_string_value(json_object_get(rev, "serial"));
	GC_GUARD_OUT(rc, ra_may_decide(c, approve ? "approve revocation" : "reject revocation", rb));
	if (c->req->body_len > 0 || !approve) {
		GC_GUARD_OUT(rc, ra_body_object(c));
		GC_GUARD_OUT(rc, ra_only_keys(c->body, "decision", keys));
		GC_GUARD_OUT(rc, ra_text_field(c->body, "reason", GC_RA_MAX_FIELD, !approve, &reason));
	}
	GC_GUARD_OUT(rc, gc_db_begin(c->ra->db));
	if ((rc = ra_prep(c, "UPDATE revocations SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ?"
	                  " WHERE id = ? AND status = 'pending'", &st)) == GC_OK) {
		if ((rc = gc_stmt_bind_text(st, 1, approve ? "approved" : "rejected")) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 2, c->me.id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 3, c->now)) == GC_OK &&
		    (rc = gc_stmt_bind_text(st, 4, reason)) == GC_OK && (rc = gc_stmt_bind_int64(st, 5, id)) == GC_OK)
			rc = ra_run_one(c, st, "revocation");
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
	GC_GUARD_OUT(rc, ra_finish_tx(c, rc));
	/* §4.4.2: the RA stops using the key at once, then asks the CA */
	if (approve && gc_ra_flow_revoke(c->ra, id, c->actor) != GC_OK)
		gc_err_clear();
	json_decref(rev);
	rev = NULL;
	GC_GUARD_OUT(rc, ra_rev_json(c, id, &rev, &rb));
	rc = ra_reply(c, 200, rev);
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
	GC_GUARD(ra_prep(c, "SELECT k.id, k.serial, k.status, u.username, k.reason, k.created_at, k.org_id, k.asked_by,"
	                 " (SELECT count(*) FROM key_approvals a WHERE a.request = k.id)"
	                 " FROM key_requests k JOIN users u ON u.id = k.asked_by WHERE k.id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		org = gc_stmt_int64(st, 6);
		*asked_by = gc_stmt_int64(st, 7);
		snprintf(status, 16, "%s", gc_stmt_text(st, 2));
		snprintf(serial, 41, "%s", gc_stmt_text(st, 1));
		*out = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:I}", "id", (json_int_t)id, "serial", gc_stmt_text(st, 1),
		                 "status", gc_stmt_text(st, 2), "asked_by", gc_stmt_text(st, 3), "reason",
		                 gc_stmt_text(st, 4), "created_at", ra_time_json(gc_stmt_int64(st, 5)), "approvals",
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

gc_result ra_api_key_request(struct call *c)
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
	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "key request", keys));
	GC_GUARD(ra_text_field(c->body, "serial", 40, true, &serial_in));
	GC_GUARD(ra_serial_value(serial_in, serial));
	GC_GUARD(ra_text_field(c->body, "reason", GC_RA_MAX_FIELD, true, &reason));
	GC_GUARD(own_cert(c, serial, false, &cert));
	rc = strcmp(json_string_value(json_object_get(cert, "status")), "active") == 0 ||
	             strcmp(json_string_value(json_object_get(cert, "status")), "expired") == 0
	         ? GC_OK
	         : gc_fail(GC_E_RA_STATE, "certificate %s: %s; its key is never used again once revocation "
	                   "is approved (CPS §4.4.2)", serial, json_string_value(json_object_get(cert, "status")));
	json_decref(cert);
	GC_GUARD(rc);
	GC_GUARD(gc_db_begin(c->ra->db));
	if ((rc = ra_prep(c, "INSERT INTO key_requests (serial, org_id, asked_by, reason, status, created_at)"
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
	GC_GUARD(ra_finish_tx(c, rc));
	GC_GUARD(key_req_json(c, id, &out, &ab, status, s2));
	return ra_reply(c, 201, out);
}

gc_result ra_api_key_list(struct call *c)
{
	struct gc_stmt *st;
	json_t *a = json_array(), *o;
	int64_t ab;
	char status[16], serial[41];
	bool row;
	gc_result rc;

	GC_GUARD(ra_prep(c, "SELECT id FROM key_requests WHERE org_id = ? ORDER BY id DESC LIMIT 1000", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.org_id)) == GC_OK)
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
			if (key_req_json(c, gc_stmt_int64(st, 0), &o, &ab, status, serial) == GC_OK)
				json_array_append_new(a, o);
	gc_stmt_free(st);
	if (rc != GC_OK) {
		json_decref(a);
		return rc;
	}
	return ra_reply(c, 200, a);
}

gc_result ra_api_key_approve(struct call *c, int64_t id)
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
	if ((rc = ra_prep(c, "INSERT INTO key_approvals (request, officer, asked_by, org_id, at) VALUES (?, ?, ?, ?, ?)",
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
	if (rc == GC_OK && (rc = ra_prep(c, "UPDATE key_requests SET status = 'approved' WHERE id = ? AND"
	                                 " (SELECT count(*) FROM key_approvals WHERE request = ?) >= 2", &st)) == GC_OK) {
		if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, id)) == GC_OK)
			rc = gc_stmt_run(st);
		gc_stmt_free(st);
	}
	snprintf(obj, sizeof(obj), "key request %lld", (long long)id);
	if (rc == GC_OK)
		rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_KEY_APPROVED, obj, true, serial);
	GC_GUARD(ra_finish_tx(c, rc));
	GC_GUARD(key_req_json(c, id, &kr, &asked_by, status, serial));
	return ra_reply(c, 200, kr);
}

static gc_result cert_der_label(struct call *c, const char *serial, unsigned char **der, size_t *n, char label[80])
{
	struct gc_stmt *st;
	const void *p;
	bool row = false;
	gc_result rc;

	*der = NULL;
	GC_GUARD(ra_prep(c, "SELECT der, key_label FROM certificates WHERE serial = ?", &st));
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

gc_result ra_api_key_export(struct call *c, int64_t id)
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
	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "export", keys));
	GC_GUARD(ra_text_field(c->body, "passphrase", GC_MAX_PASSPHRASE, true, &pass));
	GC_ENSURE(strlen(pass) >= 10, GC_E_REQUEST_FIELD, "passphrase: at least 10 characters");
	GC_GUARD(cert_der_label(c, serial, &der, &dern, label));
	GC_GUARD_OUT(rc, gc_ra_open_link(c->ra));
	GC_GUARD_OUT(rc, gc_db_begin(c->ra->db));
	if ((rc = ra_prep(c, "UPDATE key_requests SET status = 'exported', exported_at = ? WHERE id = ? AND status = 'approved'",
	               &st)) == GC_OK) {
		if ((rc = gc_stmt_bind_int64(st, 1, c->now)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, id)) == GC_OK)
			rc = ra_run_one(c, st, "key request");
		gc_stmt_free(st);
	}
	snprintf(obj, sizeof(obj), "key request %lld", (long long)id);
	if (rc == GC_OK)
		rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_KEY_EXPORTED, obj, true, serial);
	/* the export and its record go together: no record, no key */
	if (rc == GC_OK)
		rc = gc_ra_link_export_p12(c->ra->link, label, der, dern, pass, &p12, &p12n);
	GC_GUARD_OUT(rc, ra_finish_tx(c, rc));
	free(c->resp->body);
	c->resp->body = (char *)p12;
	p12 = NULL;
	c->resp->len = p12n;
	c->resp->status = 200;
	c->resp->type = "application/x-pkcs12";
	snprintf(c->resp->disposition, sizeof(c->resp->disposition), "attachment; filename=\"%.40s.p12\"", serial);
out:
	if (p12 != NULL) {
		/* made but not recorded (the commit failed): never handed out */
		OPENSSL_cleanse(p12, p12n);
		free(p12);
	}
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

	GC_ENSURE(a != NULL && strncmp(a, "Bearer ", 7) == 0 && ra_is_hex64(a + 7), GC_E_RA_AUTH,
	          "usable: an Authorization: Bearer application token is required (gcert ra app-token)");
	gc_ra_sha256_hex(a + 7, 64, hash);
	GC_GUARD(ra_prep(c, "SELECT name FROM app_tokens WHERE token_hash = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, hash)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		snprintf(name, 80, "%s", gc_stmt_text(st, 0));
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_RA_AUTH, "usable: unknown application token");
	return GC_OK;
}

gc_result ra_api_usable(struct call *c, const char *seg)
{
	struct gc_stmt *st;
	char app[80], serial[41], status[24] = "";
	const char *reason = "unknown";
	int64_t not_before = 0, not_after = 0, crl_number = -1;
	bool row = false, revoked = false;
	gc_result rc;

	GC_GUARD(app_bearer(c, app));
	GC_GUARD(ra_serial_value(seg, serial));
	GC_GUARD(ra_prep(c, "SELECT status, not_before, not_after FROM certificates WHERE serial = ?", &st));
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
	return ra_reply(c, 200, json_pack("{s:s, s:b, s:s, s:o, s:o, s:s}", "serial", serial, "usable",
	                               strcmp(reason, "ok") == 0, "reason", reason, "crl_number",
	                               crl_number >= 0 ? json_integer(crl_number) : json_null(), "checked_at",
	                               ra_time_json(c->now), "application", app));
}
