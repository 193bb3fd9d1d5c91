/*
 * key.c - registering and checking the audit key (CPS §4.5.4: protection of audit
 * records; §6.1.6: the CA keys are not used for this). Shared by the CA and the RA.
 */
#include "audit/key.h"

#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "audit/audit.h"
#include "core/cps.h"
#include "core/text.h"
#include "hsm/hsm.h"
#include "store/db.h"
#include "x509/selfsigned.h"

/* Long enough to verify old checkpoints for the retention period (§4.5.3, §4.6.2). */
#define AUDIT_CERT_YEARS 25

/* Self-signed: the certificate only carries the public key into archives and to
 * auditors, who compare its fingerprint; it is never chained to the CA. */
static gc_result cert_make(struct gc_hsm_key *key, X509 **out)
{
	return gc_self_signed_make(&(struct gc_self_signed){
		.pub = gc_hsm_key_public(key), .signer = gc_hsm_key_handle(key), .cn = "gcert audit key",
		.years = AUDIT_CERT_YEARS, .key_usage = "critical,digitalSignature,nonRepudiation"}, out);
}

gc_result gc_audit_key_in_token(struct gc_hsm *hsm, X509 *registered, struct gc_hsm_key **key, X509 **made)
{
	gc_result rc;

	*made = NULL;
	GC_ENSURE(hsm != NULL, GC_E_HSM, "the audit key needs the token");
	if ((rc = gc_hsm_find_key(hsm, GC_AUDIT_KEY_LABEL, key)) == GC_E_HSM_KEY_NOT_FOUND) {
		gc_err_clear();
		GC_GUARD(gc_hsm_generate_rsa(hsm, GC_AUDIT_KEY_LABEL, CPS_RSA_BITS));
		rc = gc_hsm_find_key(hsm, GC_AUDIT_KEY_LABEL, key);
	}
	GC_GUARD(rc);
	if (registered == NULL)
		return cert_make(*key, made);
	GC_ENSURE(EVP_PKEY_eq(gc_hsm_key_public(*key), X509_get0_pubkey(registered)) == 1, GC_E_HSM,
	          "token key \"%s\" does not match the audit key certificate", GC_AUDIT_KEY_LABEL);
	return GC_OK;
}

gc_result gc_audit_key_load(struct gc_db *db, X509 **cert, int64_t *id)
{
	struct gc_stmt *st;
	const unsigned char *p;
	size_t n;
	bool row;
	gc_result rc;

	*cert = NULL;
	*id = 0;
	GC_GUARD(gc_db_prepare(db, "SELECT id, der FROM audit_keys ORDER BY id DESC LIMIT 1", &st));
	if ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		*id = gc_stmt_int64(st, 0);
		p = gc_stmt_blob(st, 1, &n);
		if (p == NULL || (*cert = d2i_X509(NULL, &p, (long)n)) == NULL)
			rc = gc_fail_ssl(GC_E_DB, "audit key certificate in the database does not parse");
	}
	gc_stmt_free(st);
	return rc;
}

gc_result gc_audit_key_register(struct gc_db *db, struct gc_audit *audit, const char *actor, int keygen, X509 *x,
                                int64_t *id)
{
	struct gc_stmt *st = NULL;
	unsigned char *der = NULL, md[32];
	unsigned int mdlen = sizeof(md);
	char sha[65], detail[256];
	bool row;
	int n;
	gc_result rc;

	GC_ENSURE(X509_digest(x, EVP_sha256(), md, &mdlen) == 1, GC_E_INTERNAL, "audit key: digest");
	gc_hex_encode(md, sizeof(md), sha);
	GC_ENSURE((n = i2d_X509(x, &der)) > 0, GC_E_INTERNAL, "audit key certificate: encoding");
	GC_GUARD_OUT(rc, gc_db_begin(db));
	GC_GUARD_OUT(rc, gc_db_prepare(db, "INSERT INTO audit_keys (key_label, der, sha256, created_at)"
	                                   " VALUES (?, ?, ?, ?) RETURNING id", &st));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 1, GC_AUDIT_KEY_LABEL));
	GC_GUARD_OUT(rc, gc_stmt_bind_blob(st, 2, der, (size_t)n));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 3, sha));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 4, (int64_t)time(NULL)));
	GC_GUARD_OUT(rc, gc_stmt_step(st, &row));
	GC_ENSURE_OUT(rc, row, GC_E_DB, "audit key: insert returned no id");
	*id = gc_stmt_int64(st, 0);
	gc_stmt_reset(st);
	GC_GUARD_OUT(rc, gc_audit_append(audit, actor, (enum gc_audit_event)keygen, GC_AUDIT_KEY_LABEL, true,
	                                 "audit key, RSA 2048, sensitive, not extractable; "
	                                 "not a CA key (CPS §6.1.6)"));
	snprintf(detail, sizeof(detail), "audit key certificate sha256 %s", sha);
	GC_GUARD_OUT(rc, gc_audit_append(audit, actor, GC_EV_AUDIT_KEY, sha, true, detail));
	rc = gc_db_commit(db);
out:
	if (rc != GC_OK && db != NULL)
		gc_db_rollback(db);
	gc_stmt_free(st);
	OPENSSL_free(der);
	return rc;
}

gc_result gc_audit_key_pinned(struct gc_db *db, X509 *pinned)
{
	struct gc_stmt *st;
	const unsigned char *p;
	X509 *x;
	size_t n;
	long keys = 0;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT id, der FROM audit_keys ORDER BY id", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		p = gc_stmt_blob(st, 1, &n);
		x = p ? d2i_X509(NULL, &p, (long)n) : NULL;
		if (x == NULL || X509_cmp(x, pinned) != 0)
			rc = gc_fail(GC_E_AUDIT_TAMPERED, "audit key %lld in the database is not the given "
			             "certificate (replaced?)", (long long)gc_stmt_int64(st, 0));
		X509_free(x);
		if (rc != GC_OK)
			break;
		keys++;
	}
	gc_stmt_free(st);
	if (rc == GC_OK && keys == 0)
		rc = gc_fail(GC_E_AUDIT_TAMPERED, "no audit key in the database to compare with the given "
		             "certificate");
	return rc;
}
