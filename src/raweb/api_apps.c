/*
 * api_apps.c - applications (CPS §3.1) and renewals (§3.2): a requester applies, a
 * business manager of the same B/D (never the requester) verifies identity (§3.1.8.1) and
 * approves or rejects; approval hands over to ra_flow.c (key, CSR, the CA).
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
	                 "requested_by", gc_stmt_text(st, 6), "requested_at", ra_time_json(gc_stmt_int64(st, 7)),
	                 "decided_by", ra_text_or_null(st, 8), "decided_at",
	                 gc_stmt_is_null(st, 9) ? json_null() : ra_time_json(gc_stmt_int64(st, 9)), "reason",
	                 ra_text_or_null(st, 10), "serial", ra_text_or_null(st, 11), "error", ra_text_or_null(st, 12),
	                 "renews", ra_text_or_null(st, 13), "verification", "staff_category", ra_text_or_null(st, 14),
	                 "proof_type", ra_text_or_null(st, 15), "record_checked", ra_text_or_null(st, 16),
	                 "proof_ref_last4", ra_text_or_null(st, 17));
}

static gc_result app_json(struct call *c, int64_t id, json_t **out, int64_t *org, int64_t *requested_by)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	*out = NULL;
	GC_GUARD(ra_prep(c, "SELECT " APP_COLS APP_FROM " WHERE a.id = ?", &st));
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
gc_result ra_own_app(struct call *c, int64_t id, json_t **out, int64_t *requested_by)
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
	GC_GUARD(ra_only_keys(s, "subject", keys));
	for (i = 0; required[i] != NULL; i++)
		GC_GUARD(ra_text_field(s, required[i], GC_RA_MAX_NAME, true, &v));
	GC_GUARD(ra_text_field(s, "email", GC_RA_MAX_EMAIL, false, &v));
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

	GC_GUARD(ra_prep(c, "SELECT c.org_id, c.status, c.not_after, c.cert_type, a.applicant_id FROM certificates c"
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

	GC_GUARD(ra_prep(c, "INSERT INTO applicants (number, org_id, created_at) VALUES (?, ?, ?)"
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

	GC_GUARD(ra_prep(c, "INSERT INTO applications (org_id, applicant_id, cert_type, validity_years, terms_accepted,"
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

gc_result ra_api_apply(struct call *c)
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
	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "application", keys));
	GC_GUARD(ra_text_field(c->body, "cert_type", 32, true, &cert_type));
	GC_ENSURE(ra_one_of("cert_type", cert_type, types) == GC_OK, GC_E_BAD_CERT_TYPE,
	          "cert_type: must be individual or functional_unit (App. B)");
	years = json_object_get(c->body, "validity_years");
	GC_ENSURE(json_is_integer(years) && json_integer_value(years) >= 1 && json_integer_value(years) <= 3,
	          GC_E_BAD_VALIDITY, "validity_years: must be 1, 2 or 3 (CPS §1.2.5)");
	terms = json_object_get(c->body, "terms_accepted");
	GC_ENSURE(json_is_true(terms), GC_E_REQUEST_FIELD,
	          "terms_accepted: the subscriber terms must be accepted (true) on the applicant's behalf");
	subject = json_object_get(c->body, "subject");
	GC_GUARD(check_subject(subject, cert_type));
	if (json_is_null(json_object_get(subject, "email")))
		json_object_del(subject, "email"); /* App. B note 2: omitted when none */
	renews_v = json_object_get(c->body, "renews");
	if (renews_v != NULL && !json_is_null(renews_v)) {
		GC_GUARD(ra_serial_value(json_string_value(renews_v), renews));
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
	GC_GUARD_OUT(rc, ra_finish_tx(c, rc));
	GC_GUARD_OUT(rc, app_json(c, id, &out, &org, &rb));
	rc = ra_reply(c, 201, out);
out:
	free(subject_text);
	return rc;
}

gc_result ra_api_apps_list(struct call *c)
{
	struct gc_stmt *st;
	json_t *a = json_array();
	bool row;
	gc_result rc;

	GC_GUARD(ra_prep(c, "SELECT " APP_COLS APP_FROM " WHERE a.org_id = ? AND (CAST(? AS TEXT) IS NULL OR a.status = ?)"
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
	return ra_reply(c, 200, a);
}

/* A business manager of the application's B/D, never its requester (§2.1.3 c). */
gc_result ra_may_decide(struct call *c, const char *what, int64_t requested_by)
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

gc_result ra_api_app_approve(struct call *c, int64_t id)
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

	GC_GUARD(ra_own_app(c, id, &app, &rb));
	unit = strcmp(json_string_value(json_object_get(app, "cert_type")), "functional_unit") == 0;
	json_decref(app);
	GC_GUARD(ra_may_decide(c, "approve", rb));
	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "approval", keys));
	GC_GUARD(ra_text_field(c->body, "staff_category", 32, true, &cat));
	GC_GUARD(ra_one_of("staff_category", cat, cats));
	GC_GUARD(ra_text_field(c->body, "proof_type", 32, true, &proof));
	GC_GUARD(ra_one_of("proof_type", proof, proofs));
	GC_GUARD(ra_text_field(c->body, "record_checked", 40, true, &record));
	GC_GUARD(ra_one_of("record_checked", record, records));
	GC_ENSURE(unit || strcmp(cat, "functional_unit") != 0, GC_E_REQUEST_FIELD,
	          "staff_category: functional_unit is for a g-Cert (Functional Unit) application only");
	if (strcmp(cat, "functional_unit") != 0)
		GC_GUARD(check_verification(cat, record));
	GC_GUARD(ra_text_field(c->body, "proof_ref_last4", 64, true, &last4));
	GC_ENSURE(strlen(last4) <= 4, GC_E_REQUEST_FIELD,
	          "proof_ref_last4: send only the last four characters of the proof number; a full HKID "
	          "or passport number is never kept");
	for (i = 0; last4[i]; i++)
		GC_ENSURE((last4[i] >= '0' && last4[i] <= '9') || (last4[i] >= 'A' && last4[i] <= 'Z') ||
		              (last4[i] >= 'a' && last4[i] <= 'z') || last4[i] == '(' || last4[i] == ')',
		          GC_E_REQUEST_FIELD, "proof_ref_last4: letters, digits and brackets only");
	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, ra_prep(c, "UPDATE applications SET status = 'approved', decided_by = ?, decided_at = ?,"
	                         " staff_category = ?, proof_type = ?, record_checked = ?, proof_last4 = ?"
	                         " WHERE id = ? AND status = 'pending'", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->now)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, cat)) == GC_OK && (rc = gc_stmt_bind_text(st, 4, proof)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 5, record)) == GC_OK && (rc = gc_stmt_bind_text(st, 6, last4)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 7, id)) == GC_OK)
		rc = ra_run_one(c, st, "application");
	gc_stmt_free(st);
	if (rc == GC_E_RA_STATE)
		rc = gc_fail(GC_E_RA_STATE, "application %lld: decided already; only a pending application "
		             "can be approved", (long long)id);
	GC_GUARD_OUT(rc, rc);
	snprintf(obj, sizeof(obj), "application %lld", (long long)id);
	snprintf(detail, sizeof(detail), "identity verified: %s, %s against %s", cat, proof, record);
	rc = gc_ra_audit(c->ra, c->actor, GC_EV_RA_APPROVED, obj, true, detail);
out:
	GC_GUARD(ra_finish_tx(c, rc));
	/* §3.1 steps 3-6; a CA that cannot be reached leaves it submitted, retried later */
	if (gc_ra_flow_issue(c->ra, id, c->actor) != GC_OK)
		gc_err_clear();
	GC_GUARD(app_json(c, id, &app, &org, &rb));
	return ra_reply(c, 200, app);
}

static gc_result app_notify_reject(struct call *c, int64_t id, const char *reason)
{
	struct gc_stmt *st;
	char subject[128], body[1024];
	bool row = false;
	gc_result rc;

	GC_GUARD(ra_prep(c, "SELECT u.email, p.number FROM applications a JOIN users u ON u.id = a.requested_by"
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

gc_result ra_api_app_reject(struct call *c, int64_t id)
{
	static const char *const keys[] = {"reason", NULL};
	const char *reason;
	struct gc_stmt *st;
	char obj[32];
	json_t *app;
	int64_t rb, org;
	gc_result rc;

	GC_GUARD(ra_own_app(c, id, &app, &rb));
	json_decref(app);
	GC_GUARD(ra_may_decide(c, "reject", rb));
	GC_GUARD(ra_body_object(c));
	GC_GUARD(ra_only_keys(c->body, "rejection", keys));
	GC_GUARD(ra_text_field(c->body, "reason", GC_RA_MAX_FIELD, true, &reason));
	GC_GUARD(gc_db_begin(c->ra->db));
	GC_GUARD_OUT(rc, ra_prep(c, "UPDATE applications SET status = 'rejected', decided_by = ?, decided_at = ?,"
	                         " reason = ? WHERE id = ? AND status = 'pending'", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, c->me.id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, c->now)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, reason)) == GC_OK && (rc = gc_stmt_bind_int64(st, 4, id)) == GC_OK)
		rc = ra_run_one(c, st, "application");
	gc_stmt_free(st);
	GC_GUARD_OUT(rc, rc);
	snprintf(obj, sizeof(obj), "application %lld", (long long)id);
	GC_GUARD_OUT(rc, gc_ra_audit(c->ra, c->actor, GC_EV_RA_REJECTED, obj, true, reason));
	rc = app_notify_reject(c, id, reason);
out:
	GC_GUARD(ra_finish_tx(c, rc));
	GC_GUARD(app_json(c, id, &app, &org, &rb));
	return ra_reply(c, 200, app);
}
