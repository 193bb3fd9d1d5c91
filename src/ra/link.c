/*
 * link.c - the RA's token (CPS §2.1.3 g-h, §6.1.1, §6.2; SPEC §3 step 3-4): its own
 * SoftHSM2 token, the RA service key and certificate, subscriber keys generated inside it
 * with no human step and their CSRs, the App. E II export, and disabling a key (§4.4.2).
 *
 * Subscriber keys are sensitive (never readable in clear) and extractable only under
 * C_WrapKey: the one way out is gc_ra_link_export_p12, which wraps with a one-time AES key
 * and builds the PKCS#12 in memory. A disabled key loses its uses in the token itself
 * (gc_hsm_key_withdraw), so neither this module nor anyone with the PIN can sign, decrypt
 * or export with it again; the object is kept.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <curl/curl.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/key.h"
#include "core/cps.h"
#include "core/text.h"
#include "ra/link_int.h"
#include "sys/fileio.h"
#include "x509/selfsigned.h"
#include "x509/der.h"

#define SERVICE_CERT_YEARS 3
/* PBKDF2 iterations of the PKCS#12 (App. E II export): costly to guess, quick to open once. */
#define P12_ITER 100000

static const char softhsm_conf_fmt[] =
	"# SoftHSM2 configuration of this RA's own token (gc_ra_link_init)\n"
	"directories.tokendir = %s/token/tokens\n"
	"objectstore.backend = file\n"
	"log.level = ERROR\n"
	"slots.removable = false\n";

/* ---- the RA directory's token side ---- */

static gc_result make_token(const char *absdir, char *pin)
{
	char path[GC_MAX_PATH], conf[GC_MAX_PATH + 256], so_pin[GC_HSM_PIN_HEX + 1];
	gc_result rc;
	int n;

	GC_GUARD(gc_path_join(path, sizeof(path), absdir, "token"));
	GC_GUARD(gc_mkdir(path, 0700, 1));
	GC_GUARD(gc_path_join(path, sizeof(path), absdir, "token/tokens"));
	GC_GUARD(gc_mkdir(path, 0700, 1));
	n = snprintf(conf, sizeof(conf), softhsm_conf_fmt, absdir);
	GC_ENSURE(n > 0 && (size_t)n < sizeof(conf), GC_E_CONFIG, "%s: path too long", absdir);
	GC_GUARD(gc_path_join(path, sizeof(path), absdir, "token/softhsm2.conf"));
	GC_GUARD(gc_file_write(path, conf, (size_t)n, 0600, 1));
	GC_GUARD(gc_hsm_use_softhsm_conf(path));
	GC_GUARD(gc_hsm_pin_random(pin));
	/* the SO PIN is needed only to set the user PIN; it is not kept */
	GC_GUARD(gc_hsm_pin_random(so_pin));
	rc = gc_hsm_init_token(GC_RA_TOKEN_MODULE, GC_RA_TOKEN_LABEL, so_pin, pin);
	OPENSSL_cleanse(so_pin, sizeof(so_pin));
	GC_GUARD(rc);
	GC_GUARD(gc_path_join(path, sizeof(path), absdir, "token/user.pin"));
	return gc_file_write(path, pin, strlen(pin), 0600, 1);
}

/* The RA service key (never extractable) and its self-signed certificate, which the CA
 * pins: it signs request files and is the TLS client certificate (docs/interface.md). */
static gc_result make_service_identity(const char *absdir, const char *pin)
{
	struct gc_hsm *hsm = NULL;
	struct gc_hsm_key *k;
	X509 *x = NULL;
	char path[GC_MAX_PATH], *pem = NULL;
	gc_result rc;

	GC_GUARD(gc_hsm_open(GC_RA_TOKEN_MODULE, GC_RA_TOKEN_LABEL, pin, &hsm));
	GC_GUARD_OUT(rc, gc_hsm_generate_rsa(hsm, GC_RA_SERVICE_LABEL, CPS_RSA_BITS));
	GC_GUARD_OUT(rc, gc_hsm_find_key(hsm, GC_RA_SERVICE_LABEL, &k));
	GC_GUARD_OUT(rc, gc_self_signed_make(&(struct gc_self_signed){
		.pub = gc_hsm_key_public(k), .signer = gc_hsm_key_handle(k), .cn = "CMMP RA service",
		.o = "Office of the Government Chief Information Officer", .years = SERVICE_CERT_YEARS,
		.key_usage = "critical,digitalSignature", .eku = "clientAuth,emailProtection"}, &x));
	GC_NOMEM_OUT(rc, pem = gc_x509_pem(x));
	GC_GUARD_OUT(rc, gc_path_join(path, sizeof(path), absdir, GC_RA_SERVICE_CERT));
	GC_GUARD_OUT(rc, gc_file_write(path, pem, strlen(pem), 0644, 1));
	/* issue 15: the web UI's HTTPS key in the token too, with a self-signed certificate */
	rc = gc_ra_link_make_web_tls(hsm, absdir);
out:
	free(pem);
	X509_free(x);
	gc_hsm_free(hsm);
	return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

gc_result gc_ra_link_init(const char *dir)
{
	char absdir[PATH_MAX], path[GC_MAX_PATH], pin[GC_HSM_PIN_HEX + 1];
	bool made_token = false;
	gc_result rc;

	GC_ENSURE(dir != NULL && dir[0] != '\0', GC_E_USAGE, "RA directory: none given");
	umask(027);
	GC_GUARD(gc_mkdir(dir, 0700, 0));
	GC_ENSURE(realpath(dir, absdir) != NULL, GC_E_IO, "%s: cannot resolve", dir);
	GC_GUARD(gc_path_join(path, sizeof(path), absdir, "token"));
	GC_ENSURE(!gc_path_exists(path), GC_E_DIR_EXISTS, "%s: the RA directory already has a token", dir);
	GC_GUARD(gc_path_join(path, sizeof(path), absdir, GC_RA_SERVICE_CERT));
	GC_ENSURE(!gc_path_exists(path), GC_E_DIR_EXISTS, "%s: already exists", path);
	made_token = true;
	GC_GUARD_OUT(rc, make_token(absdir, pin));
	GC_GUARD_OUT(rc, make_service_identity(absdir, pin));
	GC_GUARD_OUT(rc, gc_path_join(path, sizeof(path), absdir, "outbox"));
	GC_GUARD_OUT(rc, gc_mkdir(path, 0700, 0));
	GC_GUARD_OUT(rc, gc_path_join(path, sizeof(path), absdir, "inbox"));
	rc = gc_mkdir(path, 0700, 0);
out:
	OPENSSL_cleanse(pin, sizeof(pin));
	if (rc != GC_OK && made_token) {
		/* nothing half made: the token and certificate were ours alone */
		if (gc_path_join(path, sizeof(path), absdir, "token") == GC_OK)
			nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		if (gc_path_join(path, sizeof(path), absdir, GC_RA_SERVICE_CERT) == GC_OK)
			unlink(path);
		if (gc_path_join(path, sizeof(path), absdir, GC_RA_WEB_CERT) == GC_OK)
			unlink(path);
	}
	return rc;
}

/* ---- opening ---- */

gc_result gc_ra_link_load_certs(const char *path, STACK_OF(X509) **out)
{
	unsigned char *buf = NULL;
	size_t len;
	STACK_OF(X509) *s = NULL;
	BIO *b = NULL;
	X509 *x;
	gc_result rc = GC_OK;

	GC_GUARD(gc_file_read(path, GC_RA_MAX_CERT_FILE, &buf, &len));
	GC_NOMEM_OUT(rc, s = sk_X509_new_null());
	GC_NOMEM_OUT(rc, b = BIO_new_mem_buf(buf, (int)len));
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_push(s, x) <= 0) {
			X509_free(x);
			rc = gc_fail(GC_E_NOMEM, "out of memory");
			goto out;
		}
	}
	ERR_clear_error(); /* the end of the file reads as "no start line" */
	GC_ENSURE_OUT(rc, sk_X509_num(s) > 0, GC_E_CONFIG, "%s: no PEM certificate in it", path);
	*out = s;
	s = NULL;
out:
	sk_X509_pop_free(s, X509_free);
	BIO_free(b);
	free(buf);
	return rc;
}

static gc_result read_config(struct gc_ra_link *l)
{
	char path[GC_MAX_PATH];
	unsigned char *buf;
	size_t len;
	gc_result rc;

	GC_GUARD(gc_path_join(path, sizeof(path), l->dir, GC_RA_LINK_FILE));
	GC_ENSURE(gc_path_exists(path), GC_E_CONFIG, "%s: missing (docs/ra-link.md)", path);
	GC_GUARD(gc_file_read(path, GC_RA_MAX_LINK_FILE, &buf, &len));
	rc = gc_ra_link_config_parse(l->dir, (const char *)buf, len, &l->cfg);
	free(buf);
	return rc;
}

static gc_result open_token(struct gc_ra_link *l)
{
	char path[GC_MAX_PATH], pin[256];
	gc_result rc;

	GC_GUARD(gc_path_join(path, sizeof(path), l->dir, "token/softhsm2.conf"));
	if (gc_path_exists(path))
		GC_GUARD(gc_hsm_use_softhsm_conf(path));
	GC_GUARD(gc_path_join(path, sizeof(path), l->dir, "token/user.pin"));
	GC_GUARD(gc_hsm_pin_read(path, pin, sizeof(pin)));
	rc = gc_hsm_open(l->cfg.token_module, l->cfg.token_label, pin, &l->hsm);
	OPENSSL_cleanse(pin, sizeof(pin));
	return rc;
}

/* The service certificate on disk must certify the service key in the token. */
static gc_result load_service(struct gc_ra_link *l)
{
	char path[GC_MAX_PATH];
	STACK_OF(X509) *s;

	GC_GUARD(gc_hsm_find_key(l->hsm, GC_RA_SERVICE_LABEL, &l->service_key));
	GC_GUARD(gc_path_join(path, sizeof(path), l->dir, GC_RA_SERVICE_CERT));
	GC_GUARD(gc_ra_link_load_certs(path, &s));
	l->service_cert = sk_X509_shift(s);
	sk_X509_pop_free(s, X509_free);
	GC_ENSURE(EVP_PKEY_eq(gc_hsm_key_public(l->service_key), X509_get0_pubkey(l->service_cert)) == 1,
	          GC_E_HSM, "%s: does not certify the RA service key \"%s\" of the token", path, GC_RA_SERVICE_LABEL);
	return GC_OK;
}

static gc_result load_pins(struct gc_ra_link *l)
{
	STACK_OF(X509) *s;
	size_t i;
	X509 *x;

	GC_GUARD(gc_ra_link_load_certs(l->cfg.ca_service_cert, &l->ca_pin));
	GC_ENSURE(sk_X509_num(l->ca_pin) == 1, GC_E_CONFIG, "%s: must hold exactly one certificate (the CA service's)",
	          l->cfg.ca_service_cert);
	GC_ENSURE((l->crl_cas = sk_X509_new_null()) != NULL, GC_E_NOMEM, "out of memory");
	for (i = 0; i < l->cfg.n_crl_ca_certs; i++) {
		GC_GUARD(gc_ra_link_load_certs(l->cfg.crl_ca_certs[i], &s));
		while ((x = sk_X509_shift(s)) != NULL)
			if (sk_X509_push(l->crl_cas, x) <= 0) {
				X509_free(x);
				sk_X509_pop_free(s, X509_free);
				return gc_fail(GC_E_NOMEM, "out of memory");
			}
		sk_X509_free(s);
	}
	return GC_OK;
}

gc_result gc_ra_link_open(const char *dir, struct gc_ra_link **out)
{
	struct gc_ra_link *l;
	char absdir[PATH_MAX];
	gc_result rc;

	GC_ENSURE(dir != NULL && out != NULL, GC_E_USAGE, "RA directory: none given");
	GC_ENSURE(realpath(dir, absdir) != NULL, GC_E_CONFIG, "%s: no such RA directory", dir);
	GC_ENSURE(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK, GC_E_INTERNAL, "curl: cannot initialise");
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		curl_global_cleanup();
		return gc_fail(GC_E_NOMEM, "out of memory");
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_mutex_init(&l->crl_mu, NULL);
	snprintf(l->dir, sizeof(l->dir), "%s", absdir);
	GC_GUARD_OUT(rc, read_config(l));
	GC_GUARD_OUT(rc, open_token(l));
	GC_GUARD_OUT(rc, load_service(l));
	GC_GUARD_OUT(rc, load_pins(l));
	*out = l;
	return GC_OK;
out:
	gc_ra_link_free(l);
	return rc;
}

/*
 * The token alone, for the web server's TLS key (issue 15): an RA directory may be served
 * before its link to the CA is configured (link.json comes with `ra init --ca-url ...`).
 * With link.json present this is gc_ra_link_open; without, the token of gc_ra_link_init
 * (the default module and label) is opened and gc_ra_link_configure finishes the rest when
 * link.json is there.
 */
gc_result gc_ra_link_open_token(const char *dir, struct gc_ra_link **out)
{
	struct gc_ra_link *l;
	char absdir[PATH_MAX], path[GC_MAX_PATH];
	gc_result rc;

	GC_ENSURE(dir != NULL && out != NULL, GC_E_USAGE, "RA directory: none given");
	GC_ENSURE(realpath(dir, absdir) != NULL, GC_E_CONFIG, "%s: no such RA directory", dir);
	GC_GUARD(gc_path_join(path, sizeof(path), absdir, GC_RA_LINK_FILE));
	if (gc_path_exists(path))
		return gc_ra_link_open(dir, out);
	GC_ENSURE(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK, GC_E_INTERNAL, "curl: cannot initialise");
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		curl_global_cleanup();
		return gc_fail(GC_E_NOMEM, "out of memory");
	}
	pthread_mutex_init(&l->mu, NULL);
	snprintf(l->dir, sizeof(l->dir), "%s", absdir);
	snprintf(l->cfg.token_module, sizeof(l->cfg.token_module), "%s", GC_RA_TOKEN_MODULE);
	snprintf(l->cfg.token_label, sizeof(l->cfg.token_label), "%s", GC_RA_TOKEN_LABEL);
	l->token_only = true;
	GC_GUARD_OUT(rc, open_token(l));
	*out = l;
	return GC_OK;
out:
	gc_ra_link_free(l);
	return rc;
}

gc_result gc_ra_link_configure(struct gc_ra_link *l)
{
	struct gc_ra_link_config cfg;
	gc_result rc = GC_OK;

	pthread_mutex_lock(&l->mu);
	if (!l->token_only)
		goto out;
	cfg = l->cfg;
	GC_GUARD_OUT(rc, read_config(l));
	/* the token already open is the default one: link.json must name that one too */
	GC_ENSURE_OUT(rc, strcmp(l->cfg.token_module, cfg.token_module) == 0 && strcmp(l->cfg.token_label, cfg.token_label) == 0,
	              GC_E_CONFIG, "link.json: token: names another token than the one this service opened; restart it");
	GC_GUARD_OUT(rc, load_service(l));
	GC_GUARD_OUT(rc, load_pins(l));
	l->token_only = false;
out:
	if (rc != GC_OK && l->token_only) {
		/* nothing half loaded: the next call reads link.json again */
		sk_X509_pop_free(l->ca_pin, X509_free);
		sk_X509_pop_free(l->crl_cas, X509_free);
		X509_free(l->service_cert);
		l->ca_pin = NULL, l->crl_cas = NULL, l->service_cert = NULL, l->service_key = NULL;
		snprintf(l->cfg.token_module, sizeof(l->cfg.token_module), "%s", cfg.token_module);
		snprintf(l->cfg.token_label, sizeof(l->cfg.token_label), "%s", cfg.token_label);
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

void gc_ra_link_free(struct gc_ra_link *l)
{
	if (l == NULL)
		return;
	gc_ra_link_crl_clear(l);
	sk_X509_pop_free(l->ca_pin, X509_free);
	sk_X509_pop_free(l->crl_cas, X509_free);
	X509_free(l->service_cert);
	gc_hsm_free(l->hsm);
	pthread_mutex_destroy(&l->mu);
	pthread_mutex_destroy(&l->crl_mu);
	free(l);
	curl_global_cleanup();
}

/* ---- subscriber keys ---- */

/* The caller's label, checked, as the token's CKA_LABEL "sub:LABEL". */
static gc_result token_label(const char *label, char out[sizeof(GC_RA_SUB_PREFIX) + GC_RA_MAX_LABEL])
{
	size_t i, n;

	GC_ENSURE(label != NULL, GC_E_RA_LABEL, "subscriber key label: none given");
	n = strlen(label);
	GC_ENSURE(n >= 1 && n <= GC_RA_MAX_LABEL, GC_E_RA_LABEL,
	          "subscriber key label: 1..%d of A-Z a-z 0-9 . _ - (got %zu bytes)", GC_RA_MAX_LABEL, n);
	for (i = 0; i < n; i++)
		GC_ENSURE((label[i] >= 'A' && label[i] <= 'Z') || (label[i] >= 'a' && label[i] <= 'z') ||
		              (label[i] >= '0' && label[i] <= '9') || label[i] == '.' || label[i] == '_' ||
		              label[i] == '-',
		          GC_E_RA_LABEL, "subscriber key label \"%.64s\": only A-Z a-z 0-9 . _ - are allowed", label);
	snprintf(out, sizeof(GC_RA_SUB_PREFIX) + GC_RA_MAX_LABEL, "%s%s", GC_RA_SUB_PREFIX, label);
	return GC_OK;
}

/*
 * Whether a subscriber key was disabled: every one is made extractable, and disabling
 * clears CKA_EXTRACTABLE, which PKCS#11 never lets anyone set again (CKA_SIGN could be
 * set back by a PIN holder, so it is not the mark).
 */
static bool disabled(const struct gc_hsm_key_flags *f)
{
	return !f->extractable;
}

/* GC_OK when tl names a subscriber key that may still be used. */
static gc_result usable(struct gc_ra_link *l, const char *label, const char *tl, struct gc_hsm_key_flags *f)
{
	gc_result rc = gc_hsm_key_flags(l->hsm, tl, f);

	if (rc == GC_E_HSM_KEY_NOT_FOUND)
		return gc_fail(rc, "subscriber key \"%s\": not in the RA token", label);
	GC_GUARD(rc);
	GC_ENSURE(!disabled(f), GC_E_RA_KEY_DISABLED, "subscriber key \"%s\": disabled (CPS §4.4.2); never used again",
	          label);
	return GC_OK;
}

static gc_result csr_of(struct gc_hsm_key *k, const char *label, char **pem)
{
	X509_REQ *req = X509_REQ_new();
	BIO *b = NULL;
	char *data;
	long n;
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, req);
	/* the CA takes only the key (docs/interface.md): the subject just names the label */
	GC_SSL_OUT(rc, X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
	                                          (const unsigned char *)label, -1, -1, 0),
	           GC_E_INTERNAL, "CSR: subject");
	GC_SSL_OUT(rc, X509_REQ_set_pubkey(req, gc_hsm_key_public(k)), GC_E_INTERNAL, "CSR: public key");
	/* proof of possession (CPS §6.1.2): signed in the token by the new key */
	GC_SSL_OUT(rc, X509_REQ_sign(req, gc_hsm_key_handle(k), EVP_sha256()) > 0, GC_E_HSM,
	           "CSR for \"%s\": the token did not sign", label);
	GC_SSL_OUT(rc, X509_REQ_verify(req, gc_hsm_key_public(k)), GC_E_HSM,
	           "CSR for \"%s\": the token's signature does not verify", label);
	GC_NOMEM_OUT(rc, b = BIO_new(BIO_s_mem()));
	GC_SSL_OUT(rc, PEM_write_bio_X509_REQ(b, req), GC_E_INTERNAL, "CSR: PEM");
	n = BIO_get_mem_data(b, &data);
	GC_NOMEM_OUT(rc, *pem = strndup(data, (size_t)n));
out:
	BIO_free(b);
	X509_REQ_free(req);
	return rc;
}

gc_result gc_ra_link_key_csr(struct gc_ra_link *l, const char *label, const char *cn, char **pem)
{
	struct gc_hsm_key *k;

	GC_GUARD(gc_hsm_find_key(l->hsm, label, &k));
	return csr_of(k, cn, pem);
}

static gc_result new_key(struct gc_ra_link *l, const char *label, char **csr_pem)
{
	char tl[sizeof(GC_RA_SUB_PREFIX) + GC_RA_MAX_LABEL];
	struct gc_hsm_key_flags f;
	struct gc_hsm_key *k;
	gc_result rc;

	GC_ENSURE(csr_pem != NULL, GC_E_USAGE, "new key: no place for the CSR");
	GC_GUARD(token_label(label, tl));
	if ((rc = gc_hsm_key_flags(l->hsm, tl, &f)) == GC_OK)
		return gc_fail(GC_E_RA_KEY_EXISTS, "subscriber key \"%s\": the label is taken%s; labels are never reused",
		               label, disabled(&f) ? " (by a disabled key)" : "");
	if (rc != GC_E_HSM_KEY_NOT_FOUND)
		return rc;
	gc_err_clear();
	/* CPS §6.1.1: generated in the HSM, no human step; RSA 2048 (App. B) */
	GC_GUARD(gc_hsm_generate_rsa_wrappable(l->hsm, tl, CPS_RSA_BITS));
	GC_GUARD(gc_hsm_key_flags(l->hsm, tl, &f));
	GC_ENSURE(f.sensitive, GC_E_HSM, "subscriber key \"%s\": the token did not make it sensitive", label);
	GC_GUARD(gc_hsm_find_key(l->hsm, tl, &k));
	return csr_of(k, label, csr_pem);
}

gc_result gc_ra_link_new_key(struct gc_ra_link *l, const char *label, char **csr_pem)
{
	gc_result rc;

	GC_ENSURE(l != NULL, GC_E_USAGE, "RA link: not open");
	pthread_mutex_lock(&l->mu);
	rc = new_key(l, label, csr_pem);
	pthread_mutex_unlock(&l->mu);
	return rc;
}

/* ---- App. E II export ---- */

/* RFC 5649 unwrap in memory: the PKCS#8 key the token wrapped under kek. */
static gc_result unwrap(const unsigned char kek[32], const unsigned char *w, size_t wlen, EVP_PKEY **out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	unsigned char *p8 = NULL;
	const unsigned char *p;
	PKCS8_PRIV_KEY_INFO *info = NULL;
	int n = 0, m = 0;
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, c);
	GC_ENSURE_OUT(rc, wlen >= 16 && wlen <= 16384, GC_E_HSM, "export: the wrapped key has an odd size (%zu)", wlen);
	GC_NOMEM_OUT(rc, p8 = malloc(wlen + 16));
	EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	GC_SSL_OUT(rc, EVP_DecryptInit_ex(c, EVP_aes_256_wrap_pad(), NULL, kek, NULL), GC_E_INTERNAL, "export: unwrap");
	GC_SSL_OUT(rc, EVP_DecryptUpdate(c, p8, &n, w, (int)wlen), GC_E_HSM,
	           "export: the token's wrapped key does not unwrap");
	GC_SSL_OUT(rc, EVP_DecryptFinal_ex(c, p8 + n, &m), GC_E_HSM, "export: the token's wrapped key does not unwrap");
	p = p8;
	info = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, n + m);
	GC_ENSURE_OUT(rc, info != NULL, GC_E_HSM, "export: the unwrapped key is not PKCS#8");
	GC_ENSURE_OUT(rc, (*out = EVP_PKCS82PKEY(info)) != NULL, GC_E_HSM, "export: the unwrapped key does not load");
out:
	PKCS8_PRIV_KEY_INFO_free(info);
	if (p8 != NULL)
		OPENSSL_cleanse(p8, wlen + 16);
	free(p8);
	EVP_CIPHER_CTX_free(c);
	return rc;
}

static gc_result p12_of(EVP_PKEY *key, X509 *cert, const char *label, const char *pass, unsigned char **der,
                        size_t *len)
{
	PKCS12 *p12;
	unsigned char *out = NULL;
	int n;

	/* AES-256-CBC under PBKDF2 (PBES2) for key and certificate; SHA-256 MAC */
	p12 = PKCS12_create(pass, label, key, cert, NULL, NID_aes_256_cbc, NID_aes_256_cbc, P12_ITER, P12_ITER, 0);
	if (p12 == NULL)
		return gc_fail_ssl(GC_E_INTERNAL, "export of \"%s\": PKCS#12 not built", label);
	n = i2d_PKCS12(p12, &out);
	PKCS12_free(p12);
	GC_ENSURE(n > 0, GC_E_INTERNAL, "export of \"%s\": PKCS#12 not encoded", label);
	*der = out;
	*len = (size_t)n;
	return GC_OK;
}

static gc_result check_passphrase(const char *pass)
{
	size_t n;

	GC_ENSURE(pass != NULL, GC_E_REQUEST_FIELD, "export: no passphrase");
	n = strlen(pass);
	GC_ENSURE(n >= GC_RA_MIN_PASSPHRASE && n <= GC_RA_MAX_PASSPHRASE, GC_E_REQUEST_FIELD,
	          "export: the passphrase must be %d..%d bytes", GC_RA_MIN_PASSPHRASE, GC_RA_MAX_PASSPHRASE);
	GC_ENSURE(gc_utf8_chars(pass, n) >= 0, GC_E_NOT_UTF8, "export: the passphrase is not UTF-8");
	return GC_OK;
}

static gc_result export_p12(struct gc_ra_link *l, const char *label, const unsigned char *cert_der, size_t cert_len,
                            const char *pass, unsigned char **p12, size_t *p12_len)
{
	char tl[sizeof(GC_RA_SUB_PREFIX) + GC_RA_MAX_LABEL];
	unsigned char kek[32], *wrapped = NULL;
	const unsigned char *p = cert_der;
	struct gc_hsm_key_flags f;
	struct gc_hsm_key *k;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	size_t wlen = 0;
	gc_result rc;

	GC_GUARD(token_label(label, tl));
	GC_GUARD(check_passphrase(pass));
	GC_ENSURE(p12 != NULL && p12_len != NULL, GC_E_USAGE, "export: no place for the PKCS#12");
	GC_ENSURE(cert_der != NULL && cert_len > 0 && cert_len <= GC_RA_MAX_CERT_FILE, GC_E_BAD_ENCODING,
	          "export of \"%s\": no certificate, or one over %d bytes", label, GC_RA_MAX_CERT_FILE);
	cert = d2i_X509(NULL, &p, (long)cert_len);
	GC_ENSURE_OUT(rc, cert != NULL && p == cert_der + cert_len, GC_E_BAD_ENCODING,
	              "export of \"%s\": the certificate is not one DER X.509 certificate", label);
	GC_GUARD_OUT(rc, usable(l, label, tl, &f));
	GC_GUARD_OUT(rc, gc_hsm_find_key(l->hsm, tl, &k));
	GC_ENSURE_OUT(rc, EVP_PKEY_eq(gc_hsm_key_public(k), X509_get0_pubkey(cert)) == 1, GC_E_REQUEST_FIELD,
	              "export of \"%s\": the certificate does not certify this key", label);
	/* a one-time key encryption key: in the token only as a session object for the wrap */
	GC_SSL_OUT(rc, RAND_priv_bytes(kek, sizeof(kek)), GC_E_INTERNAL, "export: CSPRNG failed");
	GC_GUARD_OUT(rc, gc_hsm_wrap_private(l->hsm, tl, kek, &wrapped, &wlen));
	GC_GUARD_OUT(rc, unwrap(kek, wrapped, wlen, &key));
	GC_ENSURE_OUT(rc, EVP_PKEY_eq(key, X509_get0_pubkey(cert)) == 1, GC_E_HSM,
	              "export of \"%s\": the unwrapped key is not the certified key", label);
	rc = p12_of(key, cert, label, pass, p12, p12_len);
out:
	OPENSSL_cleanse(kek, sizeof(kek));
	if (wrapped != NULL)
		OPENSSL_cleanse(wrapped, wlen);
	free(wrapped);
	EVP_PKEY_free(key); /* OpenSSL clears RSA private numbers as it frees them */
	X509_free(cert);
	return rc;
}

gc_result gc_ra_link_export_p12(struct gc_ra_link *l, const char *label, const unsigned char *cert_der,
                                size_t cert_len, const char *passphrase, unsigned char **p12, size_t *p12_len)
{
	gc_result rc;

	GC_ENSURE(l != NULL, GC_E_USAGE, "RA link: not open");
	pthread_mutex_lock(&l->mu);
	rc = export_p12(l, label, cert_der, cert_len, passphrase, p12, p12_len);
	pthread_mutex_unlock(&l->mu);
	return rc;
}

/* ---- disabling (CPS §4.4.2: the RA stops using the certificate at once) ---- */

static gc_result disable_key(struct gc_ra_link *l, const char *label)
{
	char tl[sizeof(GC_RA_SUB_PREFIX) + GC_RA_MAX_LABEL];
	struct gc_hsm_key_flags f;
	gc_result rc;

	GC_GUARD(token_label(label, tl));
	if ((rc = gc_hsm_key_flags(l->hsm, tl, &f)) == GC_E_HSM_KEY_NOT_FOUND)
		return gc_fail(rc, "subscriber key \"%s\": not in the RA token", label);
	GC_GUARD(rc);
	if (disabled(&f) && !f.can_sign)
		return GC_OK; /* disabled before: the same end state */
	return gc_hsm_key_withdraw(l->hsm, tl);
}

gc_result gc_ra_link_disable_key(struct gc_ra_link *l, const char *label)
{
	gc_result rc;

	GC_ENSURE(l != NULL, GC_E_USAGE, "RA link: not open");
	pthread_mutex_lock(&l->mu);
	rc = disable_key(l, label);
	pthread_mutex_unlock(&l->mu);
	return rc;
}

/* ---- the RA's audit key (CPS §4.5.4; audit/key.h, the same code as the CA's) ---- */

gc_result gc_ra_link_audit_key(struct gc_ra_link *l, X509 *registered, X509 **made)
{
	gc_result rc;

	GC_ENSURE(l != NULL, GC_E_USAGE, "RA link: not open");
	pthread_mutex_lock(&l->mu);
	rc = gc_audit_key_in_token(l->hsm, registered, &l->audit_key, made);
	if (rc != GC_OK)
		l->audit_key = NULL;
	pthread_mutex_unlock(&l->mu);
	return rc;
}

static gc_result audit_sign(struct gc_ra_link *l, const unsigned char digest[32], unsigned char *sig, size_t *siglen)
{
	gc_result rc = l->audit_key != NULL ? gc_hsm_sign_sha256(l->audit_key, digest, sig, siglen)
	                                    : gc_fail(GC_E_HSM, "the RA audit key is not open (gc_ra_link_audit_key)");

	pthread_mutex_unlock(&l->mu);
	return rc;
}

gc_result gc_ra_link_audit_sign(void *arg, const unsigned char digest[32], unsigned char *sig, size_t *siglen)
{
	struct gc_ra_link *l = arg;

	GC_ENSURE(l != NULL, GC_E_USAGE, "RA link: not open");
	pthread_mutex_lock(&l->mu);
	return audit_sign(l, digest, sig, siglen);
}

gc_result gc_ra_link_audit_sign_now(void *arg, const unsigned char digest[32], unsigned char *sig, size_t *siglen)
{
	struct gc_ra_link *l = arg;

	GC_ENSURE(l != NULL, GC_E_USAGE, "RA link: not open");
	if (pthread_mutex_trylock(&l->mu) != 0)
		return gc_fail(GC_E_RA_PENDING, "the RA token is busy (a connection to the CA); the checkpoint "
		               "is taken next time");
	return audit_sign(l, digest, sig, siglen);
}
