/*
 * cms.c - CMS SignedData envelopes of interface files (RFC 5652), verified against pinned
 * certificates only (CMS_NOINTERN): a certificate inside the file proves nothing.
 */
#include "x509/cms.h"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

gc_result gc_cms_sign(X509 *cert, EVP_PKEY *key, const unsigned char *data, size_t len,
                      unsigned char **der, size_t *dersz)
{
	BIO *in = NULL;
	CMS_ContentInfo *cms = NULL;
	ASN1_OCTET_STRING **content;
	unsigned char *out = NULL;
	int n;
	gc_result rc = GC_OK;

	GC_ENSURE(len <= INT_MAX, GC_E_TOO_LARGE, "interface file: %zu bytes to sign", len);
	GC_NOMEM_OUT(rc, in = BIO_new_mem_buf(data, (int)len));
	/*
	 * CMS_BINARY: the JSON is signed byte for byte, no MIME canonicalisation. Signed as
	 * detached content (the data is only digested), then the content is put into the
	 * SignedData: the same structure CMS_sign makes of embedded content, without copying
	 * the data through a growing memory BIO (a result file of 10,000 certificates is
	 * 23 MiB; bench/RESULTS.md, 6 December).
	 */
	if ((cms = CMS_sign(cert, key, NULL, in, CMS_BINARY | CMS_NOSMIMECAP | CMS_DETACHED)) == NULL) {
		rc = gc_fail_ssl(GC_E_HSM, "interface file: signing failed");
		goto out;
	}
	GC_SSL_OUT(rc, CMS_set_detached(cms, 0) == 1 && (content = CMS_get0_content(cms)) != NULL &&
	                   *content != NULL && ASN1_STRING_set(*content, data, (int)len) == 1,
	           GC_E_NOMEM, "interface file: cannot embed the signed content");
	if ((n = i2d_CMS_ContentInfo(cms, &out)) <= 0) {
		rc = gc_fail_ssl(GC_E_INTERNAL, "interface file: cannot encode");
		goto out;
	}
	*der = out;
	*dersz = (size_t)n;
out:
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return rc;
}

/* The pinned certificate whose key made the only signature, valid at now. */
static gc_result find_signer(CMS_ContentInfo *cms, STACK_OF(X509) *pinned, int64_t now, X509 **out)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	CMS_SignerInfo *si;
	X509 *c;
	time_t t = (time_t)now;
	int i;

	GC_ENSURE(sis != NULL && sk_CMS_SignerInfo_num(sis) == 1, GC_E_IFACE_SIGNATURE,
	          "interface file: exactly one signer is required");
	si = sk_CMS_SignerInfo_value(sis, 0);
	for (i = 0; i < sk_X509_num(pinned); i++) {
		c = sk_X509_value(pinned, i);
		if (CMS_SignerInfo_cert_cmp(si, c) != 0)
			continue;
		GC_ENSURE(X509_cmp_time(X509_get0_notBefore(c), &t) < 0 &&
		              X509_cmp_time(X509_get0_notAfter(c), &t) > 0,
		          GC_E_IFACE_SIGNATURE, "interface file: the pinned signer certificate is not valid now");
		*out = c;
		return GC_OK;
	}
	return gc_fail(GC_E_IFACE_SIGNATURE, "interface file: signed by a certificate that is not pinned");
}

gc_result gc_cms_verify(const unsigned char *der, size_t dersz, size_t max, STACK_OF(X509) *pinned,
                        int64_t now, unsigned char **content, size_t *contentsz, X509 **signer)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *only = NULL;
	X509 *who = NULL;
	const ASN1_OCTET_STRING *data;
	size_t n;
	gc_result rc = GC_OK;

	GC_ENSURE(dersz <= max, GC_E_TOO_LARGE, "interface file: %zu bytes exceed the limit of %zu",
	          dersz, max);
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)dersz);
	GC_ENSURE_OUT(rc, cms != NULL && p == der + dersz, GC_E_IFACE_FORMAT,
	              "interface file: not a DER CMS object");
	GC_ENSURE_OUT(rc, OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed, GC_E_IFACE_FORMAT,
	              "interface file: not CMS SignedData");
	GC_ENSURE_OUT(rc, CMS_get0_content(cms) != NULL && *CMS_get0_content(cms) != NULL,
	              GC_E_IFACE_FORMAT, "interface file: content is not encapsulated");
	GC_GUARD_OUT(rc, find_signer(cms, pinned, now, &who));
	GC_NOMEM_OUT(rc, only = sk_X509_new_null());
	GC_SSL_OUT(rc, sk_X509_push(only, who) > 0, GC_E_NOMEM, "interface file: out of memory");
	/* Only the pinned certificate is used (NOINTERN); it is trusted as pinned, so no
	 * chain is built to a CA (NO_SIGNER_CERT_VERIFY). No output BIO: the content is read
	 * (and digested) into nothing, then copied once from the encapsulated OCTET STRING,
	 * not through a growing memory BIO (a file is megabytes). */
	if (CMS_verify(cms, only, NULL, NULL, NULL,
	               CMS_BINARY | CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
		rc = gc_fail_ssl(GC_E_IFACE_SIGNATURE, "interface file: signature does not verify");
		goto out;
	}
	data = *CMS_get0_content(cms);
	n = (size_t)ASN1_STRING_length(data);
	GC_NOMEM_OUT(rc, *content = malloc(n + 1));
	memcpy(*content, ASN1_STRING_get0_data(data), n);
	(*content)[n] = '\0';
	*contentsz = n;
	if (signer != NULL) {
		X509_up_ref(who);
		*signer = who;
	}
out:
	sk_X509_free(only);
	CMS_ContentInfo_free(cms);
	return rc;
}
