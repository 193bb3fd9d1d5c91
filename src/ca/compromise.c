/*
 * compromise.c - CPS §4.8.2-§4.8.3: when the issuing CA's key is compromised, every
 * certificate it issued is revoked at once (reason cACompromise, App. C I), the CA
 * certificate is revoked on the root's ARL (App. C II), CRLs and ARL are issued at
 * once, an announcement lists the revoked certificates and says how the new CA public
 * key is distributed; then `gcert ca reissue` makes the new issuing CA and certifies
 * the subscribers' public keys again under it, so that service resumes.
 */
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ca/revoke.h"
#include "lint/lint.h"
#include "core/cps.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "sys/fileio.h"
#include "x509/certbuild.h"
#include "x509/crlbuild.h"

#define REISSUE_BATCH 1000

/* reason cACompromise; requested_at = revoked_at = now: the CA decides (§4.4.3). */
static gc_result insert_compromise(struct gc_db *db, const char *serial, const char *scope,
                                   int64_t ca_id, const char *dp, int64_t not_after, int64_t now,
                                   const char *actor, struct gc_stmt *st)
{
	GC_GUARD(gc_stmt_bind_text(st, 1, serial));
	GC_GUARD(gc_stmt_bind_text(st, 2, scope));
	GC_GUARD(gc_stmt_bind_int64(st, 3, ca_id));
	GC_GUARD(gc_stmt_bind_text(st, 4, dp && dp[0] ? dp : NULL));
	GC_GUARD(gc_stmt_bind_int64(st, 5, CPS_REASON_CA_COMPROMISE));
	GC_GUARD(gc_stmt_bind_int64(st, 6, now));
	GC_GUARD(gc_stmt_bind_int64(st, 7, now));
	GC_GUARD(gc_stmt_bind_int64(st, 8, not_after));
	GC_GUARD(gc_stmt_bind_text(st, 9, actor));
	(void)db;
	return gc_stmt_run(st);
}

static gc_result revoke_all(struct gc_ca *ca, int64_t now, int64_t *count)
{
	struct gc_stmt *sel = NULL, *ins = NULL;
	const void *der;
	char dp[256], serial[41];
	size_t n;
	bool row;
	gc_result rc;

	*count = 0;
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "SELECT serial, der, not_after FROM certificates"
	                                       " WHERE ca_id = ? AND status = 'issued' AND serial NOT IN"
	                                       " (SELECT serial FROM revocations) ORDER BY serial", &sel));
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "INSERT INTO revocations (serial, scope, ca_id, dp, reason,"
	                                       " requested_at, revoked_at, not_after, actor)"
	                                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &ins));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(sel, 1, ca->issuing_id));
	while ((rc = gc_stmt_step(sel, &row)) == GC_OK && row) {
		snprintf(serial, sizeof(serial), "%s", gc_stmt_text(sel, 0));
		der = gc_stmt_blob(sel, 1, &n);
		gc_cert_dp_url(der, n, dp, sizeof(dp));
		GC_GUARD_OUT(rc, insert_compromise(ca->db, serial, "ee", ca->issuing_id, dp,
		                                   gc_stmt_int64(sel, 2), now, ca->actor, ins));
		(*count)++;
	}
out:
	gc_stmt_free(sel);
	gc_stmt_free(ins);
	return rc;
}

static gc_result ca_serial(struct gc_db *db, int64_t id, char out[41], int64_t *not_after)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT serial, not_after FROM ca_certs WHERE id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK) {
		if (row) {
			snprintf(out, 41, "%s", gc_stmt_text(st, 0));
			*not_after = gc_stmt_int64(st, 1);
		} else {
			rc = gc_fail(GC_E_NOT_A_CA_DIR, "CA certificate %lld missing", (long long)id);
		}
	}
	gc_stmt_free(st);
	return rc;
}

/* Step 1, one transaction: every revocation and the audit records. */
static gc_result record_compromise(struct gc_ca *ca, int64_t now, struct gc_compromise_result *res)
{
	struct gc_stmt *ins = NULL, *chk = NULL;
	char detail[600];
	int64_t ca_not_after = 0;
	bool row;
	gc_result rc;

	GC_GUARD(ca_serial(ca->db, ca->issuing_id, res->ca_serial, &ca_not_after));
	GC_GUARD(gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "SELECT 1 FROM revocations WHERE serial = ?", &chk));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(chk, 1, res->ca_serial));
	GC_GUARD_OUT(rc, gc_stmt_step(chk, &row));
	GC_ENSURE_OUT(rc, !row, GC_E_ALREADY_REVOKED, "issuing CA CN=%s (serial %s): already revoked; "
	              "run `gcert ca reissue` after naming the new issuing CA in gcert.json",
	              res->ca_cn, res->ca_serial);
	GC_GUARD_OUT(rc, revoke_all(ca, now, &res->revoked));
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "INSERT INTO revocations (serial, scope, ca_id, dp, reason,"
	                                       " requested_at, revoked_at, not_after, actor)"
	                                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &ins));
	GC_GUARD_OUT(rc, insert_compromise(ca->db, res->ca_serial, "ca", ca->root_id, NULL, ca_not_after,
	                                   now, ca->actor, ins));
	snprintf(detail, sizeof(detail), "CN=%s: %lld certificate(s) revoked with reason cACompromise",
	         res->ca_cn, (long long)res->revoked);
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_CA_COMPROMISE, res->ca_serial, true,
	                                 detail));
	snprintf(detail, sizeof(detail), "CN=%s revoked on the ARL of CN=%s (cACompromise)", res->ca_cn,
	         ca->cfg.root.cn);
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_CA_CERT_REVOKED, res->ca_serial, true,
	                                 detail));
	gc_stmt_free(ins);
	gc_stmt_free(chk);
	return gc_db_commit(ca->db);
out:
	gc_stmt_free(ins);
	gc_stmt_free(chk);
	gc_db_rollback(ca->db);
	return rc;
}

static void stamp(int64_t t, char out[17])
{
	char iso[21];

	gc_time_format(t, iso); /* 2026-11-24T10:00:00Z -> 20261124T100000Z */
	snprintf(out, 17, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", iso, iso + 5, iso + 8, iso + 11, iso + 14, iso + 17);
}

/* An output file written whole under a temporary name, then renamed into place. */
struct outfile {
	char path[GC_MAX_PATH], tmp[GC_MAX_PATH + 32];
	FILE *f;
};

static gc_result outfile_open(struct gc_ca *ca, const char *name, struct outfile *o)
{
	char dir[GC_MAX_PATH];

	GC_GUARD(gc_path_join(dir, sizeof(dir), ca->dir, "announcements"));
	GC_GUARD(gc_mkdir(dir, 0755, 0));
	GC_GUARD(gc_path_join(o->path, sizeof(o->path), dir, name));
	GC_ENSURE(!gc_path_exists(o->path), GC_E_IO, "%s: already exists; refusing to overwrite", o->path);
	snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.%ld", o->path, (long)getpid());
	GC_ENSURE((o->f = fopen(o->tmp, "w")) != NULL, GC_E_IO, "%s: cannot create", o->tmp);
	return GC_OK;
}

static gc_result outfile_commit(struct outfile *o)
{
	bool ok = fflush(o->f) == 0 && fsync(fileno(o->f)) == 0;

	ok = fclose(o->f) == 0 && ok;
	o->f = NULL;
	if (!ok || chmod(o->tmp, 0644) != 0 || rename(o->tmp, o->path) != 0) {
		unlink(o->tmp);
		return gc_fail(GC_E_IO, "%s: write failed", o->path);
	}
	return gc_file_sync_dir(o->path);
}

static void outfile_abort(struct outfile *o)
{
	if (o->f != NULL) {
		fclose(o->f);
		unlink(o->tmp);
		o->f = NULL;
	}
}

/* §4.8.2: the announcement: what happened, every revoked serial, where the new key is. */
static gc_result write_announcement(struct gc_ca *ca, int64_t now, struct gc_compromise_result *res)
{
	struct outfile o = {0};
	struct gc_stmt *st = NULL;
	char name[64], when[21], st_[17];
	bool row;
	gc_result rc;

	stamp(now, st_);
	gc_time_format(now, when);
	snprintf(name, sizeof(name), "ca-compromise-%s.txt", st_);
	GC_GUARD(outfile_open(ca, name, &o));
	fprintf(o.f, "Hongkong Post g-Cert: announcement of a CA key compromise (CPS §4.4.1, §4.8.2, "
	        "§4.8.3)\n\nIssuing CA:   CN=%s, certificate serial %s\nRecorded at:  %s\n\n"
	        "The issuing CA certificate is revoked (reason cACompromise) on the ARL of CN=%s,\n"
	        "and every certificate the CA issued is revoked and listed below. Relying parties\n"
	        "must not rely on any of them. Replacement certificates are issued under a new\n"
	        "issuing CA certified by CN=%s; its certificate (public key) is published in the\n"
	        "repository at %s and delivered to CMMP over the system interface.\n\n"
	        "Revoked certificates of CN=%s (serial, revocation date, reason):\n",
	        res->ca_cn, res->ca_serial, when, ca->cfg.root.cn, ca->cfg.root.cn, ca->cfg.cps_uri,
	        res->ca_cn);
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "SELECT serial, revoked_at, reason FROM revocations"
	                                       " WHERE ca_id = ? AND scope = 'ee' ORDER BY serial", &st));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 1, ca->issuing_id));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		gc_time_format(gc_stmt_int64(st, 1), when);
		fprintf(o.f, "%s  %s  %s\n", gc_stmt_text(st, 0), when,
		        gc_reason_name((int)gc_stmt_int64(st, 2)));
	}
	GC_GUARD_OUT(rc, rc);
	rc = outfile_commit(&o);
	snprintf(res->announcement, sizeof(res->announcement), "%s", o.path);
out:
	gc_stmt_free(st);
	outfile_abort(&o);
	return rc;
}

gc_result gc_ca_compromise(struct gc_ca *ca, int64_t now, struct gc_compromise_result *res)
{
	memset(res, 0, sizeof(*res));
	GC_ENSURE(ca->hsm != NULL && ca->root_key != NULL, GC_E_HSM, "compromise: the token is not open");
	X509_NAME_get_text_by_NID(X509_get_subject_name(ca->issuing_cert), NID_commonName, res->ca_cn,
	                          sizeof(res->ca_cn));
	GC_GUARD(record_compromise(ca, now, res));
	/* §4.8.2: at once. The compromised key still signs its last CRLs: relying parties
	 * find them at the distribution points the certificates name. */
	GC_GUARD(gc_crl_issue(ca, GC_CRL_COMPROMISE, now, res->crls, GC_CRL_MAX_RESULTS, &res->ncrls));
	GC_GUARD(gc_arl_issue(ca, GC_CRL_COMPROMISE, now, &res->arl));
	return write_announcement(ca, now, res);
}

/* ---- §4.8.3 re-certification under the new issuing CA ---- */

struct reissue_item {
	char old_serial[41], new_serial[41];
	unsigned char serial[CPS_SERIAL_OCTETS];
	X509 *old;
	unsigned char *tbs, *der;
	size_t tbssz, dersz;
	int64_t not_after;
	char request_id[72], subscriber_ref[11], cert_type[24], cn[260], email[260], org[260], spki[65];
	int64_t years;
};

static void items_clear(struct reissue_item *it, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		X509_free(it[i].old);
		OPENSSL_free(it[i].tbs);
		free(it[i].der);
	}
	memset(it, 0, n * sizeof(*it));
}

/* The compromised CA whose subscribers the current issuing CA replaces. */
static gc_result find_old_ca(struct gc_ca *ca, int64_t *old_id)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "SELECT c.id FROM ca_certs c JOIN revocations r ON r.serial = c.serial"
	                               " WHERE c.role = 'issuing' AND r.scope = 'ca' AND r.reason = 2"
	                               " ORDER BY c.id DESC LIMIT 1", &st));
	rc = gc_stmt_step(st, &row);
	if (rc == GC_OK && !row)
		rc = gc_fail(GC_E_CA_STATE, "ca reissue: no issuing CA has been revoked for a key compromise; "
		             "CPS §4.8.3 re-certification follows `gcert ca compromise`");
	if (rc == GC_OK)
		*old_id = gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	return rc;
}

static gc_result check_new_urls(struct gc_ca *ca, int64_t old_id)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "SELECT url FROM crl_scopes WHERE ca_id = ? AND url IN (?, ?)", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, old_id)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 2, ca->cfg.crl_dp)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, ca->cfg.full_crl)) == GC_OK &&
	    (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		rc = gc_fail(GC_E_CA_STATE, "config: %s is a CRL of the compromised CA; give the new issuing "
		             "CA its own profile.crl_dp and profile.full_crl_url in gcert.json", gc_stmt_text(st, 0));
	gc_stmt_free(st);
	return rc;
}

static gc_result load_batch(struct gc_ca *ca, int64_t old_id, int64_t now, struct reissue_item *it,
                            size_t *n)
{
	struct gc_stmt *st;
	const unsigned char *p;
	size_t len;
	bool row;
	gc_result rc;

	*n = 0;
	GC_GUARD(gc_db_prepare(ca->db,
	        "SELECT c.serial, c.der, c.not_after, c.subscriber_ref, c.cert_type, c.subject_cn,"
	        " coalesce(c.email, ''), c.organisation, c.validity_years, c.spki_sha256"
	        " FROM certificates c JOIN revocations r ON r.serial = c.serial"
	        " WHERE c.ca_id = ? AND c.status = 'issued' AND r.reason = 2 AND c.not_after > ?"
	        " AND NOT EXISTS (SELECT 1 FROM certificates n WHERE n.status = 'issued'"
	        "   AND substr(n.request_id, 1, length(c.serial) + 9) = 'reissue:' || c.serial || ':')"
	        " ORDER BY c.serial LIMIT ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, old_id)) != GC_OK || (rc = gc_stmt_bind_int64(st, 2, now)) != GC_OK ||
	    (rc = gc_stmt_bind_int64(st, 3, REISSUE_BATCH)) != GC_OK)
		goto out;
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		struct reissue_item *i = &it[*n];
		snprintf(i->old_serial, sizeof(i->old_serial), "%s", gc_stmt_text(st, 0));
		p = gc_stmt_blob(st, 1, &len);
		GC_ENSURE_OUT(rc, (i->old = d2i_X509(NULL, &p, (long)len)) != NULL, GC_E_DB,
		              "certificate %s in the database does not parse", i->old_serial);
		i->not_after = gc_stmt_int64(st, 2);
		snprintf(i->subscriber_ref, sizeof(i->subscriber_ref), "%s", gc_stmt_text(st, 3));
		snprintf(i->cert_type, sizeof(i->cert_type), "%s", gc_stmt_text(st, 4));
		snprintf(i->cn, sizeof(i->cn), "%s", gc_stmt_text(st, 5));
		snprintf(i->email, sizeof(i->email), "%s", gc_stmt_text(st, 6));
		snprintf(i->org, sizeof(i->org), "%s", gc_stmt_text(st, 7));
		i->years = gc_stmt_int64(st, 8);
		snprintf(i->spki, sizeof(i->spki), "%s", gc_stmt_text(st, 9));
		(*n)++;
	}
out:
	gc_stmt_free(st);
	return rc;
}

/* issue 10: a re-certified TBS is linted before the token signs it, like any other. */
static gc_result lint_item(struct gc_ca *ca, const struct reissue_item *i, int64_t now)
{
	struct gc_lint_cert_expect lx;
	struct gc_lint_report rep;
	char obj[128];

	gc_ca_lint_expect(ca, &lx);
	lx.not_before = now;
	lx.not_after = i->not_after;
	lx.serial = i->serial;
	lx.recertification = true;
	gc_lint_report_init(&rep);
	gc_lint_tbs(i->tbs, i->tbssz, &lx, &rep);
	snprintf(obj, sizeof(obj), "re-certification of %s: certificate %s", i->old_serial, i->new_serial);
	return gc_lint_result(&rep, obj);
}

/* A finding blocks the signature and is audited on its own (nothing else is written). */
static void audit_lint_failure(struct gc_ca *ca, const struct reissue_item *i, gc_result rc)
{
	char detail[1100], saved[1024];

	snprintf(saved, sizeof(saved), "%s", gc_err_detail());
	snprintf(detail, sizeof(detail), "%s: %s", gc_code_name(rc), saved);
	if (gc_db_begin(ca->db) == GC_OK &&
	    (gc_audit_append(ca->audit, ca->actor, GC_EV_CERT_LINT_FAILED, i->new_serial, false, detail) != GC_OK ||
	     gc_db_commit(ca->db) != GC_OK))
		gc_db_rollback(ca->db);
	gc_fail(rc, "%s", saved);
}

static gc_result reserve_item(struct gc_ca *ca, struct gc_stmt *st, struct reissue_item *i, int64_t now)
{
	GC_GUARD(gc_stmt_bind_text(st, 1, i->new_serial));
	GC_GUARD(gc_stmt_bind_int64(st, 2, ca->issuing_id));
	GC_GUARD(gc_stmt_bind_text(st, 3, i->request_id));
	GC_GUARD(gc_stmt_bind_text(st, 4, i->subscriber_ref));
	GC_GUARD(gc_stmt_bind_text(st, 5, i->cert_type));
	GC_GUARD(gc_stmt_bind_text(st, 6, i->cn));
	GC_GUARD(gc_stmt_bind_text(st, 7, i->email[0] ? i->email : NULL));
	GC_GUARD(gc_stmt_bind_text(st, 8, i->org));
	GC_GUARD(gc_stmt_bind_int64(st, 9, i->years));
	GC_GUARD(gc_stmt_bind_text(st, 10, i->spki));
	GC_GUARD(gc_stmt_bind_int64(st, 11, now));
	GC_GUARD(gc_stmt_bind_int64(st, 12, i->not_after));
	GC_GUARD(gc_stmt_bind_blob(st, 13, i->tbs, i->tbssz));
	GC_GUARD(gc_stmt_bind_int64(st, 14, now));
	return gc_stmt_run(st);
}

/* Build every TBS, then reserve serials and TBS in one transaction before signing. */
static gc_result reserve_batch(struct gc_ca *ca, struct reissue_item *it, size_t n, int64_t now,
                               int64_t ca_not_after)
{
	struct gc_stmt *st = NULL;
	gc_result rc;
	size_t k;

	for (k = 0; k < n; k++) {
		struct reissue_item *i = &it[k];
		GC_GUARD(gc_serial_random(i->serial));
		gc_hex_encode(i->serial, CPS_SERIAL_OCTETS, i->new_serial);
		if (i->not_after > ca_not_after)
			i->not_after = ca_not_after; /* never outlive the issuing CA */
		snprintf(i->request_id, sizeof(i->request_id), "reissue:%s:%.8s", i->old_serial, i->new_serial);
		GC_GUARD(gc_cert_build_reissue_tbs(&ca->issuer, i->old, i->serial, now, i->not_after,
		                                   ca->cfg.crl_dp, &i->tbs, &i->tbssz));
		if ((rc = lint_item(ca, i, now)) != GC_OK) {
			audit_lint_failure(ca, i, rc);
			return rc;
		}
	}
	GC_GUARD(gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "INSERT INTO certificates (serial, ca_id, request_id,"
	                                       " subscriber_ref, cert_type, subject_cn, email, organisation,"
	                                       " validity_years, spki_sha256, not_before, not_after, status,"
	                                       " tbs, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	                                       " 'reserved', ?, ?)", &st));
	for (k = 0; k < n; k++)
		GC_GUARD_OUT(rc, reserve_item(ca, st, &it[k], now));
	gc_stmt_free(st);
	return gc_db_commit(ca->db);
out:
	gc_stmt_free(st);
	gc_db_rollback(ca->db);
	return rc;
}

static gc_result sign_batch(struct gc_ca *ca, struct reissue_item *it, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		GC_GUARD(gc_ca_sign_tbs(ca->issuing_key, it[k].tbs, it[k].tbssz, &it[k].der, &it[k].dersz));
		GC_GUARD(gc_ca_verify_cert(it[k].der, it[k].dersz, gc_hsm_key_public(ca->issuing_key), NULL));
	}
	return GC_OK;
}

static gc_result commit_batch(struct gc_ca *ca, struct reissue_item *it, size_t n, int64_t now)
{
	struct gc_stmt *st = NULL, *signed_st = NULL;
	char detail[400];
	gc_result rc;
	size_t k;

	GC_GUARD(gc_db_begin(ca->db));
	/* reserved -> signed -> issued, the only moves the certificates table allows
	 * (migration 7); in one transaction here, as nothing is handed out before it commits */
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "UPDATE certificates SET status = 'signed', der = ?"
	                                       " WHERE serial = ? AND status = 'reserved'", &signed_st));
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "UPDATE certificates SET status = 'issued', issued_at = ?"
	                                       " WHERE serial = ? AND status = 'signed'", &st));
	for (k = 0; k < n; k++) {
		GC_GUARD_OUT(rc, gc_stmt_bind_blob(signed_st, 1, it[k].der, it[k].dersz));
		GC_GUARD_OUT(rc, gc_stmt_bind_text(signed_st, 2, it[k].new_serial));
		GC_GUARD_OUT(rc, gc_stmt_run(signed_st));
		GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 1, now));
		GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 2, it[k].new_serial));
		GC_GUARD_OUT(rc, gc_stmt_run(st));
		GC_ENSURE_OUT(rc, gc_db_changes(ca->db) == 1, GC_E_DB, "certificate %s: reservation missing",
		              it[k].new_serial);
		snprintf(detail, sizeof(detail), "replaces %s (CPS §4.8.3), CN=%s subscriber %s, same public key",
		         it[k].old_serial, it[k].cn, it[k].subscriber_ref);
		GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_CERT_REISSUED, it[k].new_serial,
		                                 true, detail));
	}
	gc_stmt_free(st);
	gc_stmt_free(signed_st);
	return gc_db_commit(ca->db);
out:
	gc_stmt_free(st);
	gc_stmt_free(signed_st);
	gc_db_rollback(ca->db);
	return rc;
}

static void write_batch(struct outfile *map, struct outfile *pem, const struct reissue_item *it, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		X509 *x;
		const unsigned char *p = it[k].der;
		fprintf(map->f, "%s  %s\n", it[k].old_serial, it[k].new_serial);
		if ((x = d2i_X509(NULL, &p, (long)it[k].dersz)) != NULL)
			PEM_write_X509(pem->f, x);
		X509_free(x);
	}
}

/* Makes the new CA unless the current one already is the replacement. */
static gc_result ensure_new_ca(struct gc_ca *ca, int64_t now, int64_t *old_id)
{
	GC_GUARD(find_old_ca(ca, old_id));
	if (*old_id == ca->issuing_id) {
		GC_GUARD(check_new_urls(ca, *old_id));
		GC_GUARD(gc_ca_new_issuing(ca, now));
		return GC_OK;
	}
	/* a rerun: the new CA exists; its key is the configured one */
	GC_GUARD(gc_hsm_find_key(ca->hsm, ca->cfg.issuing.key_label, &ca->issuing_key));
	GC_ENSURE(EVP_PKEY_eq(gc_hsm_key_public(ca->issuing_key), X509_get0_pubkey(ca->issuing_cert)) == 1,
	          GC_E_HSM, "token key \"%s\" does not match the issuing CA certificate",
	          ca->cfg.issuing.key_label);
	return GC_OK;
}

gc_result gc_ca_reissue(struct gc_ca *ca, int64_t now, struct gc_reissue_result *res)
{
	struct reissue_item *it = NULL;
	struct outfile map = {0}, pem = {0};
	char name[64], st_[17];
	int64_t old_id = 0, ca_not_after = 0;
	size_t n = 0;
	gc_result rc;

	memset(res, 0, sizeof(*res));
	GC_ENSURE(ca->root_key != NULL, GC_E_HSM, "ca reissue: the root key is not open");
	GC_GUARD(ensure_new_ca(ca, now, &old_id));
	/* the new CA is verifiable from its first certificate: its (empty) CRLs and the ARL */
	GC_GUARD(gc_crl_publish_all(ca, now, &res->crls));
	GC_GUARD(ca_serial(ca->db, ca->issuing_id, res->ca_serial, &ca_not_after));
	X509_NAME_get_text_by_NID(X509_get_subject_name(ca->issuing_cert), NID_commonName, res->ca_cn,
	                          sizeof(res->ca_cn));
	if ((it = calloc(REISSUE_BATCH, sizeof(*it))) == NULL)
		return gc_fail(GC_E_NOMEM, "ca reissue: out of memory");
	GC_GUARD_OUT(rc, load_batch(ca, old_id, now, it, &n));
	if (n == 0)
		goto out; /* a rerun with nothing left to do writes nothing */
	stamp(now, st_);
	snprintf(name, sizeof(name), "reissue-%s.txt", st_);
	GC_GUARD_OUT(rc, outfile_open(ca, name, &map));
	snprintf(name, sizeof(name), "reissue-%s.pem", st_);
	GC_GUARD_OUT(rc, outfile_open(ca, name, &pem));
	fprintf(map.f, "# CPS §4.8.3: certificates of the compromised CA certified again under CN=%s\n"
	        "# old serial  new serial\n", res->ca_cn);
	while (n > 0) {
		GC_GUARD_OUT(rc, reserve_batch(ca, it, n, now, ca_not_after));
		GC_GUARD_OUT(rc, sign_batch(ca, it, n));
		GC_GUARD_OUT(rc, commit_batch(ca, it, n, now));
		write_batch(&map, &pem, it, n);
		res->reissued += (int64_t)n;
		items_clear(it, n);
		GC_GUARD_OUT(rc, load_batch(ca, old_id, now, it, &n));
	}
	GC_GUARD_OUT(rc, outfile_commit(&map));
	snprintf(res->mapping, sizeof(res->mapping), "%s", map.path);
	GC_GUARD_OUT(rc, outfile_commit(&pem));
	snprintf(res->bundle, sizeof(res->bundle), "%s", pem.path);
out:
	outfile_abort(&map);
	outfile_abort(&pem);
	if (it != NULL)
		items_clear(it, REISSUE_BATCH);
	free(it);
	return rc;
}
