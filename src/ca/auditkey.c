/*
 * auditkey.c - the audit key in the token and the checkpoints it signs (CPS §4.5.4:
 * protection of audit records; §6.1.6: the CA keys are not used for this).
 */
#include "ca/auditkey.h"

#include <stdlib.h>

#include "audit/seal.h"

gc_result gc_audit_key_open(struct gc_ca *ca)
{
	struct gc_hsm_key *key = NULL;
	X509 *x = NULL, *made = NULL;
	int64_t id = 0;
	gc_result rc;

	GC_ENSURE(ca->hsm != NULL, GC_E_HSM, "the audit key needs the token");
	GC_GUARD(gc_audit_key_load(ca->db, &x, &id));
	if ((rc = gc_audit_key_in_token(ca->hsm, x, &key, &made)) == GC_OK && made != NULL) {
		x = made;
		rc = gc_audit_key_register(ca->db, ca->audit, ca->actor, GC_EV_KEY_GENERATED, x, &id);
	}
	if (rc != GC_OK) {
		X509_free(x);
		return rc;
	}
	ca->audit_key = key;
	ca->audit_cert = x;
	ca->audit_key_id = id;
	return GC_OK;
}

static gc_result sign(void *arg, const unsigned char digest[32], unsigned char *sig, size_t *siglen)
{
	return gc_hsm_sign_sha256(arg, digest, sig, siglen);
}

gc_result gc_ca_checkpoint(struct gc_ca *ca, bool *made)
{
	GC_ENSURE(ca->audit_key != NULL, GC_E_HSM, "a checkpoint needs the token (the audit key)");
	return gc_audit_checkpoint(ca->db, &(struct gc_audit_signer){ca->audit_key, sign, ca->audit_key_id}, made);
}
