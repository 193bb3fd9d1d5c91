/* selfsigned.c - self-signed certificates for non-CA keys (see selfsigned.h). */
#include "x509/selfsigned.h"

#include <openssl/x509v3.h>
#include <time.h>

#include "core/cps.h"
#include "core/timeutil.h"
#include "x509/certbuild.h"

static gc_result add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return gc_fail_ssl(GC_E_INTERNAL, "self-signed certificate: extension %s", OBJ_nid2sn(nid));
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return GC_OK;
}

static gc_result add_name(X509_NAME *n, const char *field, const char *value)
{
	if (X509_NAME_add_entry_by_txt(n, field, MBSTRING_ASC, (const unsigned char *)value, -1, -1, 0) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "self-signed certificate: name");
	return GC_OK;
}

gc_result gc_self_signed_make(const struct gc_self_signed *in, X509 **out)
{
	unsigned char serial[CPS_SERIAL_OCTETS];
	X509 *x = X509_new();
	BIGNUM *bn = NULL;
	int64_t now = (int64_t)time(NULL);
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, x);
	GC_GUARD_OUT(rc, gc_serial_random(serial));
	GC_NOMEM_OUT(rc, bn = BN_bin2bn(serial, sizeof(serial), NULL));
	GC_SSL_OUT(rc, X509_set_version(x, X509_VERSION_3), GC_E_INTERNAL, "self-signed certificate");
	GC_NOMEM_OUT(rc, BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
	GC_GUARD_OUT(rc, add_name(X509_get_subject_name(x), "C", CPS_CA_COUNTRY));
	GC_GUARD_OUT(rc, add_name(X509_get_subject_name(x), "O", in->o != NULL ? in->o : CPS_CA_ORGANISATION));
	GC_GUARD_OUT(rc, add_name(X509_get_subject_name(x), "CN", in->cn));
	GC_SSL_OUT(rc, X509_set_issuer_name(x, X509_get_subject_name(x)), GC_E_INTERNAL, "self-signed certificate");
	GC_NOMEM_OUT(rc, ASN1_TIME_set(X509_getm_notBefore(x), (time_t)now));
	GC_NOMEM_OUT(rc, ASN1_TIME_set(X509_getm_notAfter(x), (time_t)gc_time_add_years(now, in->years)));
	GC_SSL_OUT(rc, X509_set_pubkey(x, in->pub), GC_E_INTERNAL, "self-signed certificate");
	GC_GUARD_OUT(rc, add_ext(x, NID_basic_constraints, "critical,CA:FALSE"));
	GC_GUARD_OUT(rc, add_ext(x, NID_key_usage, in->key_usage));
	if (in->eku != NULL)
		GC_GUARD_OUT(rc, add_ext(x, NID_ext_key_usage, in->eku));
	if (in->san != NULL)
		GC_GUARD_OUT(rc, add_ext(x, NID_subject_alt_name, in->san));
	GC_GUARD_OUT(rc, add_ext(x, NID_subject_key_identifier, "hash"));
	GC_SSL_OUT(rc, X509_sign(x, in->signer, EVP_sha256()) > 0, GC_E_HSM, "self-signed certificate: signature");
	*out = x;
	x = NULL;
out:
	BN_free(bn);
	X509_free(x);
	return rc;
}
