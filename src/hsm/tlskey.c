/*
 * tlskey.c - TLS server keys used from the token by GnuTLS (CPS §6.1.1, §6.2.1; see
 * tlskey.h). GnuTLS is given the PKCS#11 module once per process (manual mode: no other
 * module of the system's p11-kit configuration is loaded) and then a `pkcs11:` URL naming
 * the token and the key by label and id; the certificate is checked against the token's
 * own public key before anything is served with it.
 */
#include "hsm/tlskey.h"

#include <gnutls/pkcs11.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsm/hsm_int.h"

/* Distinct PKCS#11 modules GnuTLS may be given in one process (one per token kind). */
#define TLS_MAX_MODULES 4
/* pkcs11:serial=...;object=...;id=...;type=private, every byte percent-encoded at worst */
#define TLS_URL_MAX 512
/* the server's certificate and the chain it sends with it */
#define TLS_MAX_CHAIN 8

struct gc_hsm_tls {
	gnutls_pcert_st pcert[TLS_MAX_CHAIN];
	unsigned npcert;
	gnutls_privkey_t key;
};

static pthread_mutex_t gnutls_mu = PTHREAD_MUTEX_INITIALIZER;
static char *gnutls_modules[TLS_MAX_MODULES];
static bool gnutls_ready;

/* GnuTLS never asks for a PIN: the token is logged in by gc_hsm_open (tlskey.h). */
static int no_pin(void *userdata, int attempt, const char *token_url, const char *token_label, unsigned flags,
                  char *pin, size_t pin_max)
{
	(void)userdata, (void)attempt, (void)token_url, (void)token_label, (void)flags, (void)pin, (void)pin_max;
	return -1;
}

static gc_result gnutls_module(const char *module)
{
	gc_result rc = GC_OK;
	int i, free_slot = -1, err;

	pthread_mutex_lock(&gnutls_mu);
	if (!gnutls_ready) {
		if ((err = gnutls_pkcs11_init(GNUTLS_PKCS11_FLAG_MANUAL, NULL)) < 0) {
			rc = gc_fail(GC_E_HSM, "TLS key: GnuTLS PKCS#11 support: %s", gnutls_strerror(err));
			goto out;
		}
		gnutls_pkcs11_set_pin_function(no_pin, NULL);
		gnutls_ready = true;
	}
	for (i = 0; i < TLS_MAX_MODULES; i++) {
		if (gnutls_modules[i] != NULL && strcmp(gnutls_modules[i], module) == 0)
			goto out;
		if (gnutls_modules[i] == NULL && free_slot < 0)
			free_slot = i;
	}
	GC_ENSURE_OUT(rc, free_slot >= 0, GC_E_HSM, "TLS key: more than %d PKCS#11 modules in one process",
	              TLS_MAX_MODULES);
	if ((err = gnutls_pkcs11_add_provider(module, NULL)) < 0) {
		rc = gc_fail(GC_E_HSM, "TLS key: GnuTLS cannot load PKCS#11 module %s: %s", module, gnutls_strerror(err));
		goto out;
	}
	GC_NOMEM_OUT(rc, gnutls_modules[free_slot] = strdup(module));
out:
	pthread_mutex_unlock(&gnutls_mu);
	return rc;
}

/* RFC 7512 §2.3: everything but unreserved characters percent-encoded. */
static gc_result url_append(char *url, size_t urlsz, const unsigned char *v, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(url), i;

	for (i = 0; i < n; i++) {
		unsigned char ch = v[i];
		bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		             ch == '-' || ch == '.' || ch == '_' || ch == '~';
		GC_ENSURE(len + 4 < urlsz, GC_E_HSM, "TLS key: PKCS#11 URL longer than %d bytes", TLS_URL_MAX);
		if (plain) {
			url[len++] = (char)ch;
		} else {
			url[len++] = '%';
			url[len++] = hex[ch >> 4];
			url[len++] = hex[ch & 15];
		}
	}
	url[len] = '\0';
	return GC_OK;
}

static gc_result url_part(char *url, size_t urlsz, const char *name, const void *v, size_t n)
{
	size_t len = strlen(url);

	GC_ENSURE(len + strlen(name) + 1 < urlsz, GC_E_HSM, "TLS key: PKCS#11 URL longer than %d bytes", TLS_URL_MAX);
	snprintf(url + len, urlsz - len, "%s", name);
	return url_append(url, urlsz, v, n);
}

/* pkcs11:serial=S;object=L;id=I;type=private for the one private key labelled label. */
static gc_result key_url(struct gc_hsm *h, const char *label, char *url, size_t urlsz)
{
	PKCS11_KEY *keys;
	unsigned n, i, found = 0;
	const PKCS11_KEY *k = NULL;

	if (PKCS11_enumerate_keys(h->slot->token, &keys, &n) != 0)
		return gc_fail_ssl(GC_E_HSM, "token: cannot list keys");
	for (i = 0; i < n; i++)
		if (keys[i].isPrivate && keys[i].label != NULL && strcmp(keys[i].label, label) == 0)
			k = &keys[i], found++;
	GC_ENSURE(found > 0, GC_E_HSM_KEY_NOT_FOUND, "token: no private key labelled \"%s\"", label);
	GC_ENSURE(found == 1, GC_E_HSM, "token: more than one private key labelled \"%s\"", label);
	url[0] = '\0';
	/* by serial number: a label set by gc_hsm_init_token is padded with NULs, which a
	 * URL's token= (space-padded when matched, RFC 7512 §2.3) would never equal */
	GC_ENSURE(h->slot->token->serialnr[0] != '\0', GC_E_HSM, "token: no serial number to name it by");
	GC_GUARD(url_part(url, urlsz, "pkcs11:serial=", h->slot->token->serialnr, strlen(h->slot->token->serialnr)));
	GC_GUARD(url_part(url, urlsz, ";object=", label, strlen(label)));
	if (k->id_len > 0)
		GC_GUARD(url_part(url, urlsz, ";id=", k->id, k->id_len));
	return url_part(url, urlsz, ";type=private", "", 0);
}

/* The certificate must certify the token's key labelled label, nothing else. */
static gc_result check_cert(struct gc_hsm *h, const char *label, const char *cert_pem)
{
	struct gc_hsm_key *k;
	BIO *b;
	X509 *x;
	bool same;

	GC_GUARD(gc_hsm_find_key(h, label, &k));
	b = BIO_new_mem_buf(cert_pem, -1);
	x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (x == NULL)
		return gc_fail_ssl(GC_E_BAD_ENCODING, "TLS certificate of \"%s\": not a PEM certificate", label);
	same = EVP_PKEY_eq(X509_get0_pubkey(x), gc_hsm_key_public(k)) == 1;
	X509_free(x);
	gc_err_clear();
	GC_ENSURE(same, GC_E_HSM, "TLS certificate does not match the token's key \"%s\" (it certifies another key)",
	          label);
	return GC_OK;
}

gc_result gc_hsm_tls_open(struct gc_hsm *h, const char *label, const char *cert_pem, struct gc_hsm_tls **out)
{
	char url[TLS_URL_MAX];
	struct gc_hsm_tls *t;
	gnutls_datum_t d = {(unsigned char *)(uintptr_t)cert_pem, (unsigned)strlen(cert_pem)};
	gc_result rc = GC_OK;
	int err;

	GC_GUARD(check_cert(h, label, cert_pem));
	GC_GUARD(key_url(h, label, url, sizeof(url)));
	GC_GUARD(gnutls_module(h->module));
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return gc_fail(GC_E_NOMEM, "out of memory");
	t->npcert = TLS_MAX_CHAIN;
	if ((err = gnutls_pcert_list_import_x509_raw(t->pcert, &t->npcert, &d, GNUTLS_X509_FMT_PEM, 0)) < 0) {
		t->npcert = 0;
		rc = gc_fail(GC_E_BAD_ENCODING, "TLS certificate of \"%s\" (at most %d with its chain): %s", label,
		             TLS_MAX_CHAIN, gnutls_strerror(err));
		goto out;
	}
	if ((err = gnutls_privkey_init(&t->key)) < 0) {
		rc = gc_fail(GC_E_NOMEM, "TLS key: %s", gnutls_strerror(err));
		goto out;
	}
	if ((err = gnutls_privkey_import_url(t->key, url, 0)) < 0) {
		rc = gc_fail(GC_E_HSM, "TLS key \"%s\": GnuTLS cannot use it from the token: %s", label,
		             gnutls_strerror(err));
		goto out;
	}
	*out = t;
	return GC_OK;
out:
	gc_hsm_tls_free(t);
	return rc;
}

void gc_hsm_tls_free(struct gc_hsm_tls *t)
{
	if (t == NULL)
		return;
	if (t->key != NULL)
		gnutls_privkey_deinit(t->key);
	while (t->npcert > 0)
		gnutls_pcert_deinit(&t->pcert[--t->npcert]);
	free(t);
}

void gc_hsm_tls_creds(const struct gc_hsm_tls *t, struct gc_tls_creds *out)
{
	*out = (struct gc_tls_creds){(gnutls_pcert_st *)t->pcert, t->npcert, t->key};
}
