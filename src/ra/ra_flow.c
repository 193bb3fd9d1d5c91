/*
 * ra_flow.c - after a business manager's decision, the RA acts (CPS §3.1 steps 3-8,
 * §4.4.2): the subscriber's key pair in the RA's token, the CSR, the request document of
 * docs/interface.md, the CA's result, binding and notification of everyone who took part.
 *
 * The request document is stored before it is sent, so the same bytes go again after a
 * failure (the CA answers a repeated request with its first result: nothing is issued
 * twice). A result is applied in one transaction with its audit record and its mails.
 */
#include "ra/ra_flow.h"

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/timeutil.h"
#include "ra/link.h"
#include "store/db.h"

/* A sending mark lapses this long after the link's longest send (connect + request). */
#define SEND_MARK_MARGIN_S 60

/* ---- reading a few columns ---- */

struct app_row {
	int64_t id, org_id;
	char status[16], cert_type[24], renews[41], key_label[80];
	int years;
	json_t *subject;
	char *request_json;
	char org_en[256], org_zh[256];
};

static void app_row_free(struct app_row *a)
{
	json_decref(a->subject);
	free(a->request_json);
}

static gc_result load_app(struct gc_ra *ra, int64_t id, struct app_row *a)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	memset(a, 0, sizeof(*a));
	GC_GUARD(gc_db_prepare(ra->db, "SELECT a.status, a.cert_type, a.validity_years, a.subject, a.renews,"
	                               " a.key_label, a.request_json, o.name_en, o.name_zh, a.org_id FROM applications a"
	                               " JOIN orgs o ON o.id = a.org_id WHERE a.id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		a->id = id;
		snprintf(a->status, sizeof(a->status), "%s", gc_stmt_text(st, 0));
		snprintf(a->cert_type, sizeof(a->cert_type), "%s", gc_stmt_text(st, 1));
		a->years = (int)gc_stmt_int64(st, 2);
		a->subject = json_loads(gc_stmt_text(st, 3), 0, NULL);
		if (!gc_stmt_is_null(st, 4))
			snprintf(a->renews, sizeof(a->renews), "%s", gc_stmt_text(st, 4));
		if (!gc_stmt_is_null(st, 5))
			snprintf(a->key_label, sizeof(a->key_label), "%s", gc_stmt_text(st, 5));
		if (!gc_stmt_is_null(st, 6))
			a->request_json = strdup(gc_stmt_text(st, 6));
		snprintf(a->org_en, sizeof(a->org_en), "%s", gc_stmt_text(st, 7));
		snprintf(a->org_zh, sizeof(a->org_zh), "%s", gc_stmt_text(st, 8));
		a->org_id = gc_stmt_int64(st, 9);
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row && a->subject != NULL, GC_E_NOT_FOUND, "application %lld: no such application", (long long)id);
	return GC_OK;
}

static gc_result commit_or_rollback(struct gc_ra *ra, gc_result rc)
{
	if (rc == GC_OK)
		return gc_db_commit(ra->db);
	gc_db_rollback(ra->db);
	return rc;
}

/* ---- the request document ---- */

static char *wrap_request(struct gc_ra *ra, const char *batch_id, json_t *request)
{
	char now[21];
	json_t *doc;
	char *text;

	gc_time_format((int64_t)time(NULL), now);
	doc = json_pack("{s:s, s:s, s:s, s:[o]}", "format", "gcert-interface/1", "batch_id", batch_id, "created", now,
	                "requests", request);
	text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	return text;
}

/* docs/interface.md: the subject as the CA needs it, the organisation from the B/D. */
static json_t *interface_subject(const struct app_row *a)
{
	json_t *s = json_deep_copy(a->subject);

	json_object_set_new(s, "organisation", json_string(a->org_en));
	json_object_set_new(s, "organisation_zh", json_string(a->org_zh));
	return s;
}

/* Key pair in the token and the request document, stored together (status submitted). */
static gc_result prepare_issue(struct gc_ra *ra, struct app_row *a, const char *actor)
{
	char label[80], rid[32], batch[80], rnd[65], obj[32];
	char *csr = NULL, *doc = NULL;
	json_t *req;
	gc_result rc;

	gc_ra_random_hex(rnd);
	snprintf(label, sizeof(label), "app-%lld-%.8s", (long long)a->id, rnd);
	snprintf(rid, sizeof(rid), "app-%lld", (long long)a->id);
	snprintf(batch, sizeof(batch), "%s-app-%lld", ra->cfg.name, (long long)a->id);
	/* CPS §3.1.7, §6.1.1: generated in the token with no human step (the database is
	 * free meanwhile: this thread holds the application's sending mark) */
	pthread_mutex_unlock(&ra->mu);
	rc = gc_ra_link_new_key(ra->link, label, &csr);
	pthread_mutex_lock(&ra->mu);
	GC_GUARD(rc);
	req = json_pack("{s:s, s:s, s:s, s:i, s:o, s:s}", "id", rid, "type", a->renews[0] ? "renew" : "issue",
	                "cert_type", a->cert_type, "validity_years", a->years, "subject", interface_subject(a), "csr",
	                csr);
	if (req != NULL && a->renews[0])
		json_object_set_new(req, "renews", json_string(a->renews));
	doc = req ? wrap_request(ra, batch, req) : NULL;
	free(csr);
	GC_ENSURE(doc != NULL, GC_E_NOMEM, "application %lld: out of memory", (long long)a->id);
	snprintf(obj, sizeof(obj), "application %lld", (long long)a->id);
	GC_GUARD_OUT(rc, gc_db_begin(ra->db));
	rc = gc_ra_exec(ra, "UPDATE applications SET status = 'submitted', key_label = ?, request_json = ?, error = NULL"
	              " WHERE id = ? AND status = 'approved'", NULL, "ssi", label, doc, a->id);
	if (rc == GC_OK && gc_db_changes(ra->db) != 1)
		rc = gc_fail(GC_E_RA_STATE, "application %lld: no longer approved", (long long)a->id);
	if (rc == GC_OK)
		rc = gc_ra_audit(ra, actor, GC_EV_RA_SUBMITTED, obj, true, "key pair made in the RA token; request built");
	GC_GUARD_OUT(rc, commit_or_rollback(ra, rc));
	snprintf(a->key_label, sizeof(a->key_label), "%s", label);
	a->request_json = doc;
	doc = NULL;
out:
	free(doc);
	return rc;
}

/* ---- applying results ---- */

static gc_result pem_to_der(const char *pem, unsigned char **der, int *n)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	*der = NULL;
	*n = x ? i2d_X509(x, der) : -1;
	X509_free(x);
	GC_ENSURE(*n > 0, GC_E_BAD_ENCODING, "result: certificate is not PEM");
	return GC_OK;
}

/* Everyone who took part (§3.1 step 6): requester, business manager, the subscriber. */
static gc_result notify_app(struct gc_ra *ra, int64_t id, const char *subject, const char *text,
                            const char *subject_zh, const char *text_zh)
{
	char obj[32];

	struct gc_stmt *st;
	bool row = false;
	json_t *subj;
	const char *email;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ra->db, "SELECT ru.email, du.email, a.subject FROM applications a JOIN users ru ON"
	                               " ru.id = a.requested_by LEFT JOIN users du ON du.id = a.decided_by WHERE a.id = ?",
	                       &st));
	snprintf(obj, sizeof(obj), "application %lld", (long long)id);
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		rc = gc_ra_notify(ra, gc_stmt_text(st, 0), obj, subject, subject_zh, text, text_zh);
		if (rc == GC_OK && !gc_stmt_is_null(st, 1))
			rc = gc_ra_notify(ra, gc_stmt_text(st, 1), obj, subject, subject_zh, text, text_zh);
		subj = json_loads(gc_stmt_text(st, 2), 0, NULL);
		email = json_string_value(json_object_get(subj, "email"));
		if (rc == GC_OK && email != NULL)
			rc = gc_ra_notify(ra, email, obj, subject, subject_zh, text, text_zh);
		json_decref(subj);
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result bind_cert(struct gc_ra *ra, const struct app_row *a, json_t *res, const char *actor)
{
	const char *serial = json_string_value(json_object_get(res, "serial"));
	const char *pem = json_string_value(json_object_get(res, "certificate"));
	const char *nb = json_string_value(json_object_get(res, "not_before"));
	const char *na = json_string_value(json_object_get(res, "not_after"));
	const char *name = json_string_value(json_object_get(a->subject, "name"));
	const char *email = json_string_value(json_object_get(a->subject, "email"));
	unsigned char *der = NULL;
	int64_t t0, t1;
	int n;
	char obj[32], subject[160], body[1024], subject_zh[160], body_zh[1024], hk0[24], hk1[24];
	struct gc_stmt *st;
	gc_result rc;

	GC_ENSURE(serial && strlen(serial) == 40 && pem && nb && na && gc_time_parse(nb, &t0) && gc_time_parse(na, &t1),
	          GC_E_IFACE_FORMAT, "application %lld: the CA's result lacks serial, certificate or validity",
	          (long long)a->id);
	GC_GUARD(pem_to_der(pem, &der, &n));
	snprintf(obj, sizeof(obj), "application %lld", (long long)a->id);
	GC_GUARD_OUT(rc, gc_db_begin(ra->db));
	if ((rc = gc_db_prepare(ra->db, "INSERT INTO certificates (serial, application_id, org_id, key_label, subject_cn,"
	                                " email, cert_type, not_before, not_after, der, status, bound_at) VALUES"
	                                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)", &st)) == GC_OK) {
		if ((rc = gc_stmt_bind_text(st, 1, serial)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, a->id)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 3, a->org_id)) == GC_OK && (rc = gc_stmt_bind_text(st, 4, a->key_label)) == GC_OK &&
		    (rc = gc_stmt_bind_text(st, 5, name)) == GC_OK && (rc = gc_stmt_bind_text(st, 6, email)) == GC_OK &&
		    (rc = gc_stmt_bind_text(st, 7, a->cert_type)) == GC_OK && (rc = gc_stmt_bind_int64(st, 8, t0)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 9, t1)) == GC_OK && (rc = gc_stmt_bind_blob(st, 10, der, (size_t)n)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 11, (int64_t)time(NULL))) == GC_OK)
			rc = gc_stmt_run(st);
		gc_stmt_free(st);
	}
	if (rc == GC_OK)
		rc = gc_ra_exec(ra, "UPDATE applications SET status = 'issued', serial = ?, error = NULL WHERE id = ?", NULL, "si",
		          serial, a->id);
	if (rc == GC_OK)
		rc = gc_ra_audit(ra, actor, GC_EV_RA_BOUND, obj, true, serial);
	gc_ra_hk_time(t0, hk0);
	gc_ra_hk_time(t1, hk1);
	snprintf(subject, sizeof(subject), "[g-Cert] certificate issued: %s", name);
	snprintf(body, sizeof(body), "Application %lld has been approved and the g-Cert issued by Hongkong Post.\r\n"
	         "Subject: %s\r\nSerial: %s\r\nValid: %s to %s\r\n", (long long)a->id, name, serial, hk0, hk1);
	snprintf(subject_zh, sizeof(subject_zh), "[政府電子證書] 已簽發證書：%s", name);
	snprintf(body_zh, sizeof(body_zh), "申請 %lld 已獲批准，香港郵政已簽發政府電子證書。\r\n"
	         "名稱：%s\r\n序號：%s\r\n有效期：%s 至 %s\r\n", (long long)a->id, name, serial, hk0, hk1);
	if (rc == GC_OK)
		rc = notify_app(ra, a->id, subject, body, subject_zh, body_zh);
	rc = commit_or_rollback(ra, rc);
out:
	OPENSSL_free(der);
	return rc;
}

static gc_result app_failed(struct gc_ra *ra, const struct app_row *a, const char *code, const char *reason,
                            const char *actor)
{
	char obj[32], err[600], subject[128], body[900], subject_zh[128], body_zh[900];
	gc_result rc;

	snprintf(obj, sizeof(obj), "application %lld", (long long)a->id);
	snprintf(err, sizeof(err), "%s: %s", code ? code : "GC_E_INTERNAL", reason ? reason : "no reason given");
	GC_GUARD(gc_db_begin(ra->db));
	rc = gc_ra_exec(ra, "UPDATE applications SET status = 'failed', error = ? WHERE id = ? AND status = 'submitted'", NULL, "si",
	          err, a->id);
	if (rc == GC_OK)
		rc = gc_ra_audit(ra, actor, GC_EV_RA_CA_REFUSED, obj, false, err);
	snprintf(subject, sizeof(subject), "[g-Cert] application %lld refused by the CA", (long long)a->id);
	/* the mail says why in words; the code and the request id stay in the application and
	 * the audit trail */
	if (reason != NULL && strncmp(reason, "request ", 8) == 0 && strstr(reason, ": ") != NULL)
		reason = strstr(reason, ": ") + 2;
	snprintf(body, sizeof(body), "The CA refused application %lld.\r\n%s\r\nThe requester can correct it and "
	         "send it again in CMMP (My requests).\r\n", (long long)a->id, reason ? reason : "no reason given");
	snprintf(subject_zh, sizeof(subject_zh), "[政府電子證書] 核證機關拒絕申請 %lld", (long long)a->id);
	snprintf(body_zh, sizeof(body_zh), "核證機關拒絕了申請 %lld。\r\n%s\r\n提出要求者可在中央管理通訊系統"
	         "（我的要求）更正後重新提交。\r\n", (long long)a->id, reason ? reason : "no reason given");
	if (rc == GC_OK)
		rc = notify_app(ra, a->id, subject, body, subject_zh, body_zh);
	return commit_or_rollback(ra, rc);
}

/* Notes why sending failed; the worker sends the same request again. */
static void note_error(struct gc_ra *ra, const char *table, int64_t id, gc_result code)
{
	char sql[128], err[600];

	snprintf(sql, sizeof(sql), "UPDATE %s SET error = ? WHERE id = ?", table);
	snprintf(err, sizeof(err), "%s: %s (will be sent again)", gc_code_name(code), gc_err_detail());
	if (gc_ra_exec(ra, sql, NULL, "si", err, id) != GC_OK)
		gc_err_clear();
}

static gc_result apply_app_result(struct gc_ra *ra, int64_t id, json_t *res, const char *actor)
{
	struct app_row a;
	const char *status = json_string_value(json_object_get(res, "status"));
	gc_result rc;

	GC_GUARD(load_app(ra, id, &a));
	if (strcmp(a.status, "submitted") != 0)
		rc = GC_OK; /* applied before (a replayed result) */
	else if (status && (strcmp(status, "issued") == 0 || strcmp(status, "renewed") == 0))
		rc = bind_cert(ra, &a, res, actor);
	else
		rc = app_failed(ra, &a, json_string_value(json_object_get(res, "code")),
		                json_string_value(json_object_get(res, "reason")), actor);
	app_row_free(&a);
	return rc;
}

static gc_result notify_rev(struct gc_ra *ra, int64_t id, const char *subject, const char *text,
                            const char *subject_zh, const char *text_zh)
{
	struct gc_stmt *st;
	bool row = false;
	char obj[32];
	gc_result rc;

	snprintf(obj, sizeof(obj), "revocation %lld", (long long)id);
	GC_GUARD(gc_db_prepare(ra->db, "SELECT ru.email, du.email, c.email FROM revocations r JOIN users ru ON"
	                               " ru.id = r.requested_by LEFT JOIN users du ON du.id = r.decided_by"
	                               " JOIN certificates c ON c.serial = r.serial WHERE r.id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		rc = gc_ra_notify(ra, gc_stmt_text(st, 0), obj, subject, subject_zh, text, text_zh);
		if (rc == GC_OK && !gc_stmt_is_null(st, 1))
			rc = gc_ra_notify(ra, gc_stmt_text(st, 1), obj, subject, subject_zh, text, text_zh);
		if (rc == GC_OK && !gc_stmt_is_null(st, 2))
			rc = gc_ra_notify(ra, gc_stmt_text(st, 2), obj, subject, subject_zh, text, text_zh);
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result apply_rev_result(struct gc_ra *ra, int64_t id, json_t *res, const char *actor)
{
	const char *status = json_string_value(json_object_get(res, "status"));
	const char *code = json_string_value(json_object_get(res, "code"));
	const char *reason = json_string_value(json_object_get(res, "reason"));
	const char *serial = json_string_value(json_object_get(res, "serial"));
	bool revoked = (status && strcmp(status, "revoked") == 0) || (code && strcmp(code, "GC_E_ALREADY_REVOKED") == 0);
	char obj[32], err[600], subject[128], body[900], subject_zh[128], body_zh[900];
	gc_result rc;

	snprintf(obj, sizeof(obj), "revocation %lld", (long long)id);
	GC_GUARD(gc_db_begin(ra->db));
	if (revoked) {
		rc = gc_ra_exec(ra, "UPDATE revocations SET status = 'revoked', error = NULL WHERE id = ? AND status = 'approved'",
		          NULL, "i", id);
		if (rc == GC_OK && gc_db_changes(ra->db) == 0) {
			gc_db_rollback(ra->db);
			return GC_OK; /* applied before */
		}
		if (rc == GC_OK)
			rc = gc_ra_exec(ra, "UPDATE certificates SET status = 'revoked' WHERE serial = (SELECT serial FROM"
			                    " revocations WHERE id = ?)", NULL, "i", id);
		if (rc == GC_OK)
			rc = gc_ra_audit(ra, actor, GC_EV_RA_REVOKED, obj, true, serial ? serial : "");
		snprintf(subject, sizeof(subject), "[g-Cert] certificate revoked");
		snprintf(body, sizeof(body), "The g-Cert %s has been revoked by Hongkong Post (revocation request %lld).\r\n"
		         "It takes effect when published in the next CRL (CPS §4.4.4).\r\n", serial ? serial : "",
		         (long long)id);
		snprintf(subject_zh, sizeof(subject_zh), "[政府電子證書] 證書已撤銷");
		snprintf(body_zh, sizeof(body_zh), "香港郵政已撤銷政府電子證書 %s（撤銷要求 %lld）。\r\n"
		         "撤銷於下一份證書撤銷清單公布時生效（核證作業準則第 4.4.4 節）。\r\n", serial ? serial : "",
		         (long long)id);
	} else {
		snprintf(err, sizeof(err), "%s: %s", code ? code : "GC_E_INTERNAL", reason ? reason : "no reason given");
		rc = gc_ra_exec(ra, "UPDATE revocations SET status = 'failed', error = ? WHERE id = ? AND status = 'approved'", NULL, "si",
		          err, id);
		if (rc == GC_OK)
			rc = gc_ra_audit(ra, actor, GC_EV_RA_CA_REFUSED, obj, false, err);
		snprintf(subject, sizeof(subject), "[g-Cert] revocation request %lld refused by the CA", (long long)id);
		snprintf(body, sizeof(body), "The CA refused revocation request %lld.\r\n%s\r\n", (long long)id,
		         reason ? reason : "no reason given");
		snprintf(subject_zh, sizeof(subject_zh), "[政府電子證書] 核證機關拒絕撤銷要求 %lld", (long long)id);
		snprintf(body_zh, sizeof(body_zh), "核證機關拒絕了撤銷要求 %lld。\r\n%s\r\n", (long long)id,
		         reason ? reason : "no reason given");
	}
	if (rc == GC_OK)
		rc = notify_rev(ra, id, subject, body, subject_zh, body_zh);
	return commit_or_rollback(ra, rc);
}

/* Applies every result of a result document to the application or revocation it names. */
static gc_result apply_results(struct gc_ra *ra, const char *result_json, const char *actor, const char *table,
                               int64_t id)
{
	json_t *doc = json_loads(result_json, 0, NULL), *results, *res, *err;
	size_t i;
	long long n;
	gc_result rc = GC_OK;

	GC_ENSURE(doc != NULL, GC_E_IFACE_FORMAT, "result document: not JSON");
	results = json_object_get(doc, "results");
	err = json_object_get(doc, "error");
	if (err != NULL && table != NULL && strcmp(table, "applications") == 0) {
		struct app_row a;
		if ((rc = load_app(ra, id, &a)) == GC_OK) {
			rc = app_failed(ra, &a, json_string_value(json_object_get(err, "code")),
			                json_string_value(json_object_get(err, "reason")), actor);
			app_row_free(&a);
		}
	}
	json_array_foreach(results, i, res) {
		const char *rid = json_string_value(json_object_get(res, "id"));
		if (rid && sscanf(rid, "app-%lld", &n) == 1)
			rc = apply_app_result(ra, (int64_t)n, res, actor);
		else if (rid && sscanf(rid, "rev-%lld", &n) == 1)
			rc = apply_rev_result(ra, (int64_t)n, res, actor);
		if (rc != GC_OK)
			break;
	}
	json_decref(doc);
	return rc;
}

/* Sends a stored request; online: applies the result, batch: waits for collect. */
static gc_result send_stored(struct gc_ra *ra, const char *table, int64_t id, const char *doc, const char *actor)
{
	char *result = NULL;
	gc_result rc;

	/* the wait on the CA holds no lock: the sending mark keeps the request this thread's */
	pthread_mutex_unlock(&ra->mu);
	rc = gc_ra_link_send(ra->link, doc, &result);
	pthread_mutex_lock(&ra->mu);

	if (rc == GC_E_RA_PENDING) {
		gc_err_clear();
		return GC_OK;
	}
	if (rc != GC_OK) {
		note_error(ra, table, id, rc);
		return rc;
	}
	rc = apply_results(ra, result, actor, table, id);
	free(result);
	return rc;
}

/* ---- the sending mark ---- */

/* A mark older than this was left by a process that stopped mid-send. */
static int64_t mark_lease(const struct gc_ra *ra)
{
	return (int64_t)gc_ra_link_send_seconds(ra->link) + SEND_MARK_MARGIN_S;
}

/*
 * Marks an application (approved or submitted) or a revocation (approved) as this
 * thread's to prepare and send. *mine false: another thread or node has it, or it no
 * longer waits for the CA; either way there is nothing for this one to do.
 */
static gc_result mark_sending(struct gc_ra *ra, const char *table, int64_t id, bool *mine)
{
	char sql[256];
	int64_t now = (int64_t)time(NULL);

	snprintf(sql, sizeof(sql), "UPDATE %s SET sending_at = ? WHERE id = ? AND status IN ('approved'%s) AND"
	         " (sending_at IS NULL OR sending_at < ?)", table,
	         strcmp(table, "applications") == 0 ? ", 'submitted'" : "");
	GC_GUARD(gc_ra_exec(ra, sql, NULL, "iii", now, id, now - mark_lease(ra)));
	*mine = gc_db_changes(ra->db) == 1;
	return GC_OK;
}

static void unmark_sending(struct gc_ra *ra, const char *table, int64_t id)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "UPDATE %s SET sending_at = NULL WHERE id = ?", table);
	if (gc_ra_exec(ra, sql, NULL, "i", id) != GC_OK)
		gc_err_clear(); /* the mark then lapses after mark_lease */
}

gc_result gc_ra_flow_issue(struct gc_ra *ra, int64_t id, const char *actor)
{
	struct app_row a;
	bool mine;
	gc_result rc;

	if ((rc = gc_ra_open_link(ra)) != GC_OK) {
		note_error(ra, "applications", id, rc);
		return rc;
	}
	GC_GUARD(mark_sending(ra, "applications", id, &mine));
	if (!mine)
		return GC_OK;
	if ((rc = load_app(ra, id, &a)) != GC_OK) {
		unmark_sending(ra, "applications", id);
		return rc;
	}
	if (strcmp(a.status, "approved") == 0 && (rc = prepare_issue(ra, &a, actor)) != GC_OK) {
		note_error(ra, "applications", id, rc);
		goto out;
	}
	rc = a.request_json ? send_stored(ra, "applications", id, a.request_json, actor) : GC_OK;
out:
	unmark_sending(ra, "applications", id);
	app_row_free(&a);
	return rc;
}

static gc_result revoke_marked(struct gc_ra *ra, int64_t id, const char *actor);

gc_result gc_ra_flow_revoke(struct gc_ra *ra, int64_t id, const char *actor)
{
	bool row = false;
	gc_result rc;

	if ((rc = gc_ra_open_link(ra)) != GC_OK) {
		note_error(ra, "revocations", id, rc);
		return rc;
	}
	GC_GUARD(mark_sending(ra, "revocations", id, &row));
	if (!row)
		return GC_OK;
	rc = revoke_marked(ra, id, actor);
	unmark_sending(ra, "revocations", id);
	return rc;
}

/* The revocation's key disabled, its request stored and sent (this thread's mark). */
static gc_result revoke_marked(struct gc_ra *ra, int64_t id, const char *actor)
{
	struct gc_stmt *st;
	char label[80] = "", serial[41] = "", rid[32], batch[80], at[21], *doc = NULL;
	int64_t reason = 0, requested_at = 0;
	bool row = false, have_doc = false;
	json_t *req;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ra->db, "SELECT c.key_label, r.serial, r.reason, r.requested_at, r.request_json FROM"
	                               " revocations r JOIN certificates c ON c.serial = r.serial WHERE r.id = ? AND"
	                               " r.status = 'approved'", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		snprintf(label, sizeof(label), "%s", gc_stmt_text(st, 0));
		snprintf(serial, sizeof(serial), "%s", gc_stmt_text(st, 1));
		reason = gc_stmt_int64(st, 2);
		requested_at = gc_stmt_int64(st, 3);
		if ((have_doc = !gc_stmt_is_null(st, 4)))
			doc = strdup(gc_stmt_text(st, 4));
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(row, GC_E_RA_STATE, "revocation %lld: not approved", (long long)id);
	/* §4.4.2: the RA stops using the certificate's key at once */
	pthread_mutex_unlock(&ra->mu);
	rc = gc_ra_link_disable_key(ra->link, label);
	pthread_mutex_lock(&ra->mu);
	if (rc != GC_OK) {
		note_error(ra, "revocations", id, rc);
		free(doc);
		return rc;
	}
	if (!have_doc) {
		snprintf(rid, sizeof(rid), "rev-%lld", (long long)id);
		snprintf(batch, sizeof(batch), "%s-rev-%lld", ra->cfg.name, (long long)id);
		gc_time_format(requested_at, at);
		req = json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", rid, "type", "revoke", "serial", serial, "reason",
		                (json_int_t)reason, "requested_at", at);
		doc = req ? wrap_request(ra, batch, req) : NULL;
		GC_ENSURE(doc != NULL, GC_E_NOMEM, "revocation %lld: out of memory", (long long)id);
		if ((rc = gc_ra_exec(ra, "UPDATE revocations SET request_json = ? WHERE id = ?", NULL, "si", doc, id)) != GC_OK) {
			free(doc);
			return rc;
		}
	}
	rc = send_stored(ra, "revocations", id, doc, actor);
	free(doc);
	return rc;
}

/* ---- the worker's step ---- */

static void retry_table(struct gc_ra *ra, const char *sql, bool revocation)
{
	struct gc_stmt *st;
	int64_t ids[32];
	int n = 0, i;
	bool row;

	if (gc_db_prepare(ra->db, sql, &st) != GC_OK) {
		gc_err_clear();
		return;
	}
	while (n < 32 && gc_stmt_step(st, &row) == GC_OK && row)
		ids[n++] = gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	for (i = 0; i < n; i++)
		if ((revocation ? gc_ra_flow_revoke(ra, ids[i], "ra:worker") : gc_ra_flow_issue(ra, ids[i], "ra:worker")) !=
		    GC_OK)
			gc_err_clear();
}

void gc_ra_flow_retry(struct gc_ra *ra)
{
	char *result = NULL, sql[512];
	int64_t stale;
	int guard;
	gc_result rc;

	if (gc_ra_open_link(ra) != GC_OK) {
		gc_err_clear();
		return;
	}
	stale = (int64_t)time(NULL) - mark_lease(ra);
	/* what failed to reach the CA (an error noted), stopped between steps, or was being
	 * sent by a process that stopped (its mark lapsed): mark_sending skips what another
	 * thread is sending now */
	snprintf(sql, sizeof(sql), "SELECT id FROM applications WHERE ((status = 'submitted' AND (error IS NOT NULL OR"
	         " sending_at < %lld)) OR status = 'approved') AND (sending_at IS NULL OR sending_at < %lld) ORDER BY id",
	         (long long)stale, (long long)stale);
	retry_table(ra, sql, false);
	snprintf(sql, sizeof(sql), "SELECT id FROM revocations WHERE status = 'approved' AND (error IS NOT NULL OR"
	         " request_json IS NULL OR sending_at < %lld) AND (sending_at IS NULL OR sending_at < %lld) ORDER BY id",
	         (long long)stale, (long long)stale);
	retry_table(ra, sql, true);
	/* batch mode: results the CA dropped into the inbox */
	for (guard = 0; guard < 100; guard++) {
		pthread_mutex_unlock(&ra->mu); /* the link's lock without the database's */
		rc = gc_ra_link_collect(ra->link, &result);
		pthread_mutex_lock(&ra->mu);
		if (rc != GC_OK) {
			gc_err_clear();
			break;
		}
		if (result == NULL)
			break;
		if (apply_results(ra, result, "ra:worker", NULL, 0) != GC_OK)
			gc_err_clear();
		free(result);
		result = NULL;
	}
}
