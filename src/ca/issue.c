/*
 * issue.c - issuing g-Certs (CPS §4.2, App. B), crash-safe in the order Boulder uses:
 *
 *   1. every check; the TBS is built and linted against App. B (a finding blocks the
 *      signature and is audited as cert.lint_failed);
 *   2. serial, request and TBS committed ('reserved') before the token signs, so no
 *      signed certificate can exist without a record and no serial is used twice;
 *   3. the token signs; the certificate is parsed back, verified with the issuing CA's
 *      key and its TBS compared byte for byte with the recorded one;
 *   4. the verified DER is kept ('signed', a relaxed commit) so that recovery can
 *      complete it after a crash (recover.c);
 *   5. 'issued' and the audit record commit together (durably), and only then is the
 *      certificate handed out.
 *
 * A crash before 4 leaves 'reserved' rows: recovery retires them ('abandoned'). The
 * fault points after_reserve, after_sign and before_commit (sys/fault.h) let the crash
 * tests kill the process at each step.
 */
#include "ca/issue.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cps.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "lint/lint.h"
#include "sys/fault.h"
#include "x509/csr.h"

/* Per-request working state between the phases of a batch. */
struct item {
	const struct gc_issue_request *req;
	struct gc_issue_result *res;
	struct gc_csr *csr;
	unsigned char serial[CPS_SERIAL_OCTETS];
	unsigned char *tbs;
	size_t tbssz;
	bool reserved; /* its row is 'reserved' and it awaits the token */
	bool signed_ok; /* signed, verified and its TBS equal to the recorded one */
};

struct stmts {
	struct gc_stmt *by_request, *by_key, *ref_exists, *add_ref, *reserve, *keep, *finish,
		*abandon;
};

static void stmts_free(struct stmts *s)
{
	gc_stmt_free(s->by_request);
	gc_stmt_free(s->by_key);
	gc_stmt_free(s->ref_exists);
	gc_stmt_free(s->add_ref);
	gc_stmt_free(s->reserve);
	gc_stmt_free(s->keep);
	gc_stmt_free(s->finish);
	gc_stmt_free(s->abandon);
}

static gc_result stmts_prepare(struct gc_db *db, struct stmts *s)
{
	/* an abandoned row frees its request id and key: the RA may send the request again */
	GC_GUARD(gc_db_prepare(db, "SELECT serial FROM certificates WHERE request_id = ?"
	                           " AND status <> 'abandoned'", &s->by_request));
	GC_GUARD(gc_db_prepare(db, "SELECT serial, subscriber_ref FROM certificates WHERE spki_sha256 = ?"
	                           " AND status <> 'abandoned' LIMIT 1", &s->by_key));
	GC_GUARD(gc_db_prepare(db, "SELECT 1 FROM subscribers WHERE ref = ?", &s->ref_exists));
	GC_GUARD(gc_db_prepare(db, "INSERT INTO subscribers (ref, created_at) VALUES (?, ?)", &s->add_ref));
	GC_GUARD(gc_db_prepare(db, "INSERT INTO certificates (serial, ca_id, request_id, subscriber_ref,"
	                           " cert_type, subject_cn, email, organisation, validity_years,"
	                           " spki_sha256, not_before, not_after, status, tbs, created_at)"
	                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'reserved', ?, ?)",
	                       &s->reserve));
	GC_GUARD(gc_db_prepare(db, "UPDATE certificates SET status = 'signed', der = ?"
	                           " WHERE serial = ? AND status = 'reserved'", &s->keep));
	GC_GUARD(gc_db_prepare(db, "UPDATE certificates SET status = 'issued', issued_at = ?"
	                           " WHERE serial = ? AND status = 'signed'", &s->finish));
	GC_GUARD(gc_db_prepare(db, "UPDATE certificates SET status = 'abandoned', resolved_at = ?"
	                           " WHERE serial = ? AND status = 'reserved'", &s->abandon));
	return GC_OK;
}

static void refuse(struct item *it, enum gc_code code)
{
	it->res->code = code;
	snprintf(it->res->detail, sizeof(it->res->detail), "%s", gc_err_detail());
}

/* A one-row lookup: *found, and the first column copied when out is given. */
static gc_result lookup(struct gc_stmt *st, const char *key, bool *found, char *out, size_t outsz,
                        char *out2, size_t out2sz)
{
	gc_result rc;

	if ((rc = gc_stmt_bind_text(st, 1, key)) == GC_OK && (rc = gc_stmt_step(st, found)) == GC_OK &&
	    *found) {
		if (out)
			snprintf(out, outsz, "%s", gc_stmt_text(st, 0));
		if (out2)
			snprintf(out2, out2sz, "%s", gc_stmt_text(st, 1));
	}
	gc_stmt_reset(st);
	return rc;
}

/* App. D: a 10-digit subscriber reference number nobody holds yet. */
static gc_result new_subscriber_ref(struct stmts *s, char ref[11])
{
	unsigned char raw[8];
	uint64_t v;
	bool taken = true;
	int tries, i;

	for (tries = 0; tries < 32 && taken; tries++) {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return gc_fail_ssl(GC_E_INTERNAL, "subscriber reference: CSPRNG failed");
		for (v = 0, i = 0; i < 8; i++)
			v = v << 8 | raw[i];
		/* 1000000000..9999999999: always 10 digits, never a leading zero */
		snprintf(ref, 11, "%010llu", (unsigned long long)(1000000000ull + v % 9000000000ull));
		GC_GUARD(lookup(s->ref_exists, ref, &taken, NULL, 0, NULL, 0));
	}
	GC_ENSURE(!taken, GC_E_INTERNAL, "subscriber reference: no free number after 32 draws");
	return GC_OK;
}

/* Checks that need the database: replay of a request id, reuse of a key. */
static gc_result check_state(struct stmts *s, struct item *it, bool *ok)
{
	char serial[41], ref[11];
	bool found;

	*ok = false;
	GC_GUARD(lookup(s->by_request, it->req->id, &found, serial, sizeof(serial), NULL, 0));
	if (found) {
		gc_fail(GC_E_DUPLICATE_REQUEST, "request %s: already processed (certificate %s); "
		        "nothing issued again", it->req->id, serial);
		refuse(it, GC_E_DUPLICATE_REQUEST);
		return GC_OK;
	}
	GC_GUARD(lookup(s->by_key, it->csr->spki_sha256_hex, &found, serial, sizeof(serial), ref,
	                sizeof(ref)));
	if (found) {
		gc_fail(GC_E_KEY_REUSED, "request %s: csr: public key already certified to subscriber %s "
		        "(certificate %s); CPS §3.2: a new key pair is required", it->req->id, ref, serial);
		refuse(it, GC_E_KEY_REUSED);
		return GC_OK;
	}
	*ok = true;
	return GC_OK;
}

static gc_result build_tbs(struct gc_ca *ca, struct item *it)
{
	const char *fields[GC_F_COUNT];
	struct gc_ee_input in;
	size_t i;

	for (i = 0; i < GC_F_COUNT; i++)
		fields[i] = it->req->fields[i];
	fields[GC_F_SUBSCRIBER_REF] = it->res->subscriber_ref;
	GC_GUARD(gc_serial_random(it->serial));
	gc_hex_encode(it->serial, sizeof(it->serial), it->res->serial);
	in = (struct gc_ee_input){
		.profile = it->req->profile, .fields = fields, .serial = it->serial,
		.not_before = it->res->not_before, .not_after = it->res->not_after,
		.pkey = it->csr->pkey, .key_id = it->csr->key_id,
		.cps_uri = ca->cfg.cps_uri, .crl_dp = ca->cfg.crl_dp,
	};
	GC_GUARD(gc_cert_build_ee_tbs(&ca->issuer, &in, &it->tbs, &it->tbssz));
	/* crash-test builds only: a builder bug that the lint must stop (flips the last
	 * bit of the subjectKeyIdentifier, the TBS's last octet) */
	if (GC_FAULT_ACTIVE("builder_bug"))
		it->tbs[it->tbssz - 1] ^= 0x01;
	return GC_OK;
}

/*
 * The lint before the key touches anything (issue 10): the TBS against App. B and the
 * approved request, by the independent linter. A finding refuses this request only.
 */
static gc_result lint_tbs(struct gc_ca *ca, const struct item *it)
{
	struct gc_lint_cert_expect lx;
	struct gc_lint_report rep;
	const char *fields[GC_F_COUNT];
	char obj[96];
	size_t i;

	for (i = 0; i < GC_F_COUNT; i++)
		fields[i] = it->req->fields[i];
	fields[GC_F_SUBSCRIBER_REF] = it->res->subscriber_ref;
	gc_ca_lint_expect(ca, &lx);
	lx.profile = it->req->profile;
	lx.fields = fields;
	lx.not_before = it->res->not_before;
	lx.not_after = it->res->not_after;
	lx.serial = it->serial;
	gc_lint_report_init(&rep);
	gc_lint_tbs(it->tbs, it->tbssz, &lx, &rep);
	snprintf(obj, sizeof(obj), "request %s: certificate %s", it->req->id, it->res->serial);
	return gc_lint_result(&rep, obj);
}

static gc_result bind_reserve(struct gc_ca *ca, struct stmts *s, struct item *it, int64_t now)
{
	const struct gc_issue_request *r = it->req;
	struct gc_stmt *st = s->reserve;

	GC_GUARD(gc_stmt_bind_text(st, 1, it->res->serial));
	GC_GUARD(gc_stmt_bind_int64(st, 2, ca->issuing_id));
	GC_GUARD(gc_stmt_bind_text(st, 3, r->id));
	GC_GUARD(gc_stmt_bind_text(st, 4, it->res->subscriber_ref));
	GC_GUARD(gc_stmt_bind_text(st, 5, r->profile->name));
	GC_GUARD(gc_stmt_bind_text(st, 6, r->fields[GC_F_NAME]));
	GC_GUARD(gc_stmt_bind_text(st, 7, r->fields[GC_F_EMAIL]));
	GC_GUARD(gc_stmt_bind_text(st, 8, r->fields[GC_F_ORGANISATION]));
	GC_GUARD(gc_stmt_bind_int64(st, 9, r->validity_years));
	GC_GUARD(gc_stmt_bind_text(st, 10, it->csr->spki_sha256_hex));
	GC_GUARD(gc_stmt_bind_int64(st, 11, it->res->not_before));
	GC_GUARD(gc_stmt_bind_int64(st, 12, it->res->not_after));
	GC_GUARD(gc_stmt_bind_blob(st, 13, it->tbs, it->tbssz));
	GC_GUARD(gc_stmt_bind_int64(st, 14, now));
	return GC_OK;
}

/* Reserves serial, subscriber number and TBS for one checked request. */
static gc_result reserve_one(struct gc_ca *ca, struct stmts *s, struct item *it, int64_t now)
{
	bool ok;
	gc_result rc;

	GC_GUARD(check_state(s, it, &ok));
	if (!ok)
		return GC_OK;
	GC_GUARD(new_subscriber_ref(s, it->res->subscriber_ref));
	if ((rc = build_tbs(ca, it)) != GC_OK || (rc = lint_tbs(ca, it)) != GC_OK) {
		refuse(it, rc);
		return GC_OK;
	}
	GC_GUARD(gc_stmt_bind_text(s->add_ref, 1, it->res->subscriber_ref));
	GC_GUARD(gc_stmt_bind_int64(s->add_ref, 2, now));
	GC_GUARD(gc_stmt_run(s->add_ref));
	if ((rc = bind_reserve(ca, s, it, now)) != GC_OK) {
		gc_stmt_reset(s->reserve);
		return rc;
	}
	GC_GUARD(gc_stmt_run(s->reserve));
	it->reserved = true;
	return GC_OK;
}

static gc_result audit_refusal(struct gc_ca *ca, const struct item *it)
{
	char detail[600];

	snprintf(detail, sizeof(detail), "%s: %s", gc_code_name(it->res->code), it->res->detail);
	return gc_audit_append(ca->audit, ca->actor,
	                       it->res->code == GC_E_LINT ? GC_EV_CERT_LINT_FAILED : GC_EV_CERT_REJECTED,
	                       it->req->id, false, detail);
}

/* Phase 1: every check, then serial and TBS committed before any signature. */
static gc_result reserve_batch(struct gc_ca *ca, struct stmts *s, struct item *items, size_t n)
{
	int64_t now = (int64_t)time(NULL);
	gc_result rc;
	size_t i;

	GC_GUARD(gc_db_begin(ca->db));
	for (i = 0; i < n; i++) {
		if (items[i].res->code == GC_OK)
			GC_GUARD_OUT(rc, reserve_one(ca, s, &items[i], now));
		if (items[i].res->code != GC_OK)
			GC_GUARD_OUT(rc, audit_refusal(ca, &items[i]));
	}
	return gc_db_commit(ca->db);
out:
	gc_db_rollback(ca->db);
	for (i = 0; i < n; i++)
		items[i].reserved = false;
	return rc;
}

/* The certificate carries exactly the TBS that was recorded before signing. */
static gc_result check_signed_tbs(const struct item *it)
{
	const uint8_t *tbs;
	size_t tbssz;

	if (!gc_lint_signed_tbs(it->res->der, it->res->dersz, &tbs, &tbssz) || tbssz != it->tbssz ||
	    memcmp(tbs, it->tbs, tbssz) != 0)
		return gc_fail(GC_E_VERIFY, "certificate %s: its TBS differs from the TBS recorded "
		               "before signing", it->res->serial);
	return GC_OK;
}

/* Phase 2: the token signs; each certificate is parsed back, verified, compared. */
static void sign_batch(struct gc_ca *ca, struct item *items, size_t n)
{
	EVP_PKEY *pub = X509_get0_pubkey(ca->issuing_cert);
	struct item *it;
	gc_result rc;
	size_t i;

	for (i = 0; i < n; i++) {
		it = &items[i];
		if (!it->reserved)
			continue;
		rc = gc_ca_sign_tbs(ca->issuing_key, it->tbs, it->tbssz, &it->res->der, &it->res->dersz);
		/* with the certificate's key, not the token's: what relying parties will use */
		if (rc == GC_OK)
			rc = gc_ca_verify_cert(it->res->der, it->res->dersz, pub, NULL);
		if (rc == GC_OK)
			rc = check_signed_tbs(it);
		if (rc != GC_OK) {
			/* The row is retired in phase 3 (never reused); nothing is handed out. */
			refuse(it, rc);
			free(it->res->der);
			it->res->der = NULL;
			continue;
		}
		it->signed_ok = true;
	}
}

/*
 * Phase 2b: the verified certificates are kept ('signed') before the final commit, so
 * that after a crash recovery knows their signatures. Relaxed durability is enough:
 * if a power cut loses this commit, the rows are still 'reserved' and are retired.
 */
static gc_result keep_batch(struct gc_ca *ca, struct stmts *s, struct item *items, size_t n)
{
	gc_result rc;
	size_t i;

	GC_GUARD(gc_db_begin_relaxed(ca->db));
	for (i = 0; i < n; i++) {
		struct item *it = &items[i];
		if (!it->signed_ok)
			continue;
		GC_GUARD_OUT(rc, gc_stmt_bind_blob(s->keep, 1, it->res->der, it->res->dersz));
		GC_GUARD_OUT(rc, gc_stmt_bind_text(s->keep, 2, it->res->serial));
		GC_GUARD_OUT(rc, gc_stmt_run(s->keep));
		GC_ENSURE_OUT(rc, gc_db_changes(ca->db) == 1, GC_E_DB,
		              "certificate %s: reservation missing before commit", it->res->serial);
	}
	return gc_db_commit(ca->db);
out:
	gc_db_rollback(ca->db);
	return rc;
}

/* A reservation whose signing failed: retired for ever, with the refusal audited. */
static gc_result retire(struct gc_ca *ca, struct stmts *s, const struct item *it, int64_t now)
{
	GC_GUARD(gc_stmt_bind_int64(s->abandon, 1, now));
	GC_GUARD(gc_stmt_bind_text(s->abandon, 2, it->res->serial));
	GC_GUARD(gc_stmt_run(s->abandon));
	return audit_refusal(ca, it);
}

/* Phase 3: 'issued' and the audit record in one durable transaction. */
static gc_result commit_batch(struct gc_ca *ca, struct stmts *s, struct item *items, size_t n)
{
	int64_t now = (int64_t)time(NULL);
	char detail[512];
	gc_result rc;
	size_t i;

	GC_GUARD(gc_db_begin(ca->db));
	for (i = 0; i < n; i++) {
		struct item *it = &items[i];
		if (it->reserved && !it->signed_ok) {
			GC_GUARD_OUT(rc, retire(ca, s, it, now));
			continue;
		}
		if (!it->signed_ok)
			continue;
		GC_GUARD_OUT(rc, gc_stmt_bind_int64(s->finish, 1, now));
		GC_GUARD_OUT(rc, gc_stmt_bind_text(s->finish, 2, it->res->serial));
		GC_GUARD_OUT(rc, gc_stmt_run(s->finish));
		GC_ENSURE_OUT(rc, gc_db_changes(ca->db) == 1, GC_E_DB,
		              "certificate %s: kept certificate missing at commit", it->res->serial);
		snprintf(detail, sizeof(detail), "%s CN=%s subscriber %s request %s valid %d year(s)",
		         it->req->profile->label, it->req->fields[GC_F_NAME], it->res->subscriber_ref,
		         it->req->id, it->req->validity_years);
		GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_CERT_ISSUED, it->res->serial,
		                                 true, detail));
	}
	return gc_db_commit(ca->db);
out:
	gc_db_rollback(ca->db);
	return rc;
}

/* Checks that need no database: the CSR, and the validity against the issuing CA. */
static void check_request(struct gc_ca *ca, struct item *it, int64_t now)
{
	const struct gc_issue_request *r = it->req;
	int64_t ca_not_after;
	const ASN1_TIME *t = X509_get0_notAfter(ca->issuing_cert);
	struct tm tm;
	gc_result rc;

	if ((rc = gc_csr_parse(r->id, r->csr_pem, r->csr_pem_len, &it->csr)) != GC_OK) {
		refuse(it, rc);
		return;
	}
	/* CPS §1.2.5: effective from generation, for the years chosen. */
	it->res->not_before = now;
	it->res->not_after = gc_time_add_years(now, r->validity_years);
	ASN1_TIME_to_tm(t, &tm);
	ca_not_after = (int64_t)timegm(&tm);
	if (it->res->not_after > ca_not_after) {
		char when[21];
		gc_time_format(ca_not_after, when);
		gc_fail(GC_E_OUTLIVES_CA, "request %s: validity_years: %d years would outlive the issuing "
		        "CA certificate (valid until %s); CPS §4.7: a key changeover is due", r->id,
		        r->validity_years, when);
		refuse(it, GC_E_OUTLIVES_CA);
	}
}

gc_result gc_ca_issue(struct gc_ca *ca, struct gc_issue_request *const *reqs, size_t n,
                      struct gc_issue_result *results)
{
	struct stmts s = {0};
	struct item *items;
	int64_t now = (int64_t)time(NULL);
	gc_result rc;
	size_t i;

	GC_ENSURE(ca->issuing_key != NULL, GC_E_HSM, "issue: the token is not open");
	if ((items = calloc(n ? n : 1, sizeof(*items))) == NULL)
		return gc_fail(GC_E_NOMEM, "issue: out of memory");
	for (i = 0; i < n; i++) {
		memset(&results[i], 0, sizeof(results[i]));
		items[i].req = reqs[i];
		items[i].res = &results[i];
		check_request(ca, &items[i], now);
	}
	GC_GUARD_OUT(rc, stmts_prepare(ca->db, &s));
	GC_GUARD_OUT(rc, reserve_batch(ca, &s, items, n));
	GC_FAULT_POINT("after_reserve");
	sign_batch(ca, items, n);
	GC_FAULT_POINT("after_sign");
	GC_GUARD_OUT(rc, keep_batch(ca, &s, items, n));
	GC_FAULT_POINT("before_commit");
	rc = commit_batch(ca, &s, items, n);
out:
	for (i = 0; i < n; i++) {
		if (rc != GC_OK) {
			free(results[i].der);
			results[i].der = NULL;
			if (results[i].code == GC_OK) {
				results[i].code = rc;
				snprintf(results[i].detail, sizeof(results[i].detail), "%s", gc_err_detail());
			}
		}
		gc_csr_free(items[i].csr);
		OPENSSL_free(items[i].tbs);
	}
	stmts_free(&s);
	free(items);
	return rc;
}

void gc_issue_results_clear(struct gc_issue_result *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].der);
		r[i].der = NULL;
	}
}
