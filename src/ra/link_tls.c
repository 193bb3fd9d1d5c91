/*
 * link_tls.c - the RA web server's TLS identity (issue 15 "HTTPS for the RA's people";
 * CPS §6.1.1, §6.2.1: keys generated and kept in the token): an RSA 2048 key "ra-web-tls"
 * made in the RA's token (sensitive, never extractable) and its certificate in
 * DIR/web-tls.pem: self-signed when made, replaceable by the operator with a certificate a
 * CA issued for that same key (`gcert ra tls-cert --import`). GnuTLS signs each handshake
 * with the token's key (hsm/tlskey.h); no private key is ever in a file.
 */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cps.h"
#include "ra/link_int.h"
#include "sys/fileio.h"
#include "x509/selfsigned.h"
#include "x509/der.h"

#define WEB_CERT_YEARS 2
/* a certificate and its chain up to the CA that issued it, no longer */
#define WEB_MAX_CHAIN 8

static gc_result sha256_of(X509 *x, char hex[65])
{
	unsigned char md[32];
	unsigned int n = sizeof(md);
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	if (X509_digest(x, EVP_sha256(), md, &n) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "certificate digest");
	for (i = 0; i < 32; i++)
		hex[2 * i] = digits[md[i] >> 4], hex[2 * i + 1] = digits[md[i] & 15];
	hex[64] = '\0';
	return GC_OK;
}

gc_result gc_ra_link_make_web_tls(struct gc_hsm *hsm, const char *absdir)
{
	struct gc_hsm_key *k;
	X509 *x = NULL;
	char path[GC_MAX_PATH], *pem = NULL;
	gc_result rc;

	GC_GUARD(gc_path_join(path, sizeof(path), absdir, GC_RA_WEB_CERT));
	if ((rc = gc_hsm_find_key(hsm, GC_RA_WEB_LABEL, &k)) == GC_E_HSM_KEY_NOT_FOUND) {
		gc_err_clear();
		GC_GUARD(gc_hsm_generate_rsa(hsm, GC_RA_WEB_LABEL, CPS_RSA_BITS));
		rc = gc_hsm_find_key(hsm, GC_RA_WEB_LABEL, &k);
	}
	GC_GUARD(rc);
	/* signed in the token by the key itself; the names a browser on this machine uses */
	GC_GUARD(gc_self_signed_make(&(struct gc_self_signed){
		.pub = gc_hsm_key_public(k), .signer = gc_hsm_key_handle(k), .cn = "CMMP RA web service (TLS)",
		.o = "Office of the Government Chief Information Officer", .years = WEB_CERT_YEARS,
		.key_usage = "critical,digitalSignature,keyEncipherment", .eku = "serverAuth",
		.san = "DNS:localhost,IP:127.0.0.1,IP:::1"}, &x));
	GC_NOMEM_OUT(rc, pem = gc_x509_pem(x));
	rc = gc_file_write(path, pem, strlen(pem), 0644, 0);
out:
	free(pem);
	X509_free(x);
	return rc;
}

gc_result gc_ra_link_web_cert(struct gc_ra_link *l, char **pem, bool *made)
{
	char path[GC_MAX_PATH];
	unsigned char *buf;
	size_t len;
	gc_result rc;

	GC_GUARD(gc_path_join(path, sizeof(path), l->dir, GC_RA_WEB_CERT));
	pthread_mutex_lock(&l->mu);
	*made = false;
	/* an RA directory made before issue 15: the key and certificate on first use */
	if (!gc_path_exists(path)) {
		if ((rc = gc_ra_link_make_web_tls(l->hsm, l->dir)) != GC_OK)
			goto out;
		*made = true;
	}
	if ((rc = gc_file_read(path, GC_RA_MAX_CERT_FILE, &buf, &len)) == GC_OK)
		*pem = (char *)buf;
out:
	pthread_mutex_unlock(&l->mu);
	return rc;
}

gc_result gc_ra_link_web_tls(struct gc_ra_link *l, struct gc_hsm_tls **out)
{
	char *pem = NULL;
	bool made;
	gc_result rc;

	GC_GUARD(gc_ra_link_web_cert(l, &pem, &made));
	pthread_mutex_lock(&l->mu);
	rc = gc_hsm_tls_open(l->hsm, GC_RA_WEB_LABEL, pem, out);
	pthread_mutex_unlock(&l->mu);
	free(pem);
	return rc;
}

/* The file's certificates: the first for the token's key, valid now; the rest its chain. */
static gc_result check_import(struct gc_ra_link *l, const char *path, STACK_OF(X509) *s, char sha[65])
{
	struct gc_hsm_key *k;
	X509 *leaf = sk_X509_value(s, 0);
	time_t now = time(NULL);

	GC_ENSURE(sk_X509_num(s) <= WEB_MAX_CHAIN, GC_E_REQUEST_FIELD, "%s: more than %d certificates", path,
	          WEB_MAX_CHAIN);
	GC_GUARD(gc_hsm_find_key(l->hsm, GC_RA_WEB_LABEL, &k));
	GC_ENSURE(EVP_PKEY_eq(X509_get0_pubkey(leaf), gc_hsm_key_public(k)) == 1, GC_E_HSM,
	          "%s: the first certificate does not certify the RA's web TLS key \"%s\" in the token (have the CA "
	          "certify the key of `gcert ra tls-cert --csr`)", path, GC_RA_WEB_LABEL);
	GC_ENSURE(X509_cmp_time(X509_get0_notBefore(leaf), &now) < 0 && X509_cmp_time(X509_get0_notAfter(leaf), &now) > 0,
	          GC_E_REQUEST_FIELD, "%s: the certificate is not valid now", path);
	return sha256_of(leaf, sha);
}

gc_result gc_ra_link_web_import(struct gc_ra_link *l, const char *path, char sha[65])
{
	char dest[GC_MAX_PATH];
	STACK_OF(X509) *s = NULL;
	BIO *b = NULL;
	char *data;
	long n;
	int i;
	gc_result rc;

	GC_GUARD(gc_path_join(dest, sizeof(dest), l->dir, GC_RA_WEB_CERT));
	if ((rc = gc_ra_link_load_certs(path, &s)) != GC_OK)
		return gc_fail(GC_E_BAD_ENCODING, "%s: %s", path, gc_err_detail());
	pthread_mutex_lock(&l->mu);
	GC_GUARD_OUT(rc, check_import(l, path, s, sha));
	/* written again from the parsed certificates: nothing but certificates reaches the file */
	GC_NOMEM_OUT(rc, b = BIO_new(BIO_s_mem()));
	for (i = 0; i < sk_X509_num(s); i++)
		GC_SSL_OUT(rc, PEM_write_bio_X509(b, sk_X509_value(s, i)), GC_E_INTERNAL, "certificate encoding");
	n = BIO_get_mem_data(b, &data);
	rc = gc_file_write(dest, data, (size_t)n, 0644, 0);
out:
	pthread_mutex_unlock(&l->mu);
	BIO_free(b);
	sk_X509_pop_free(s, X509_free);
	return rc;
}

gc_result gc_ra_link_web_csr(struct gc_ra_link *l, char **csr_pem)
{
	bool made;
	char *pem = NULL;

	gc_result rc;

	GC_GUARD(gc_ra_link_web_cert(l, &pem, &made)); /* the key exists from here */
	free(pem);
	pthread_mutex_lock(&l->mu);
	rc = gc_ra_link_key_csr(l, GC_RA_WEB_LABEL, "CMMP RA web service (TLS)", csr_pem);
	pthread_mutex_unlock(&l->mu);
	return rc;
}
