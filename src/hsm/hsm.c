/*
 * hsm.c - PKCS#11 through libp11 (CPS §6.1.1 generation in hardware, §6.2 protection).
 */
#include "hsm/hsm.h"

#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/text.h"
#include "hsm/hsm_int.h"
#include "sys/fileio.h"

/* The PIN file must be the owner's alone: a readable PIN is a leaked PIN. */
gc_result gc_hsm_pin_read(const char *path, char *pin, size_t pinsz)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t len = 0;

	if (stat(path, &st) != 0)
		return gc_fail(GC_E_CONFIG, "%s: PIN file missing", path);
	GC_ENSURE((st.st_mode & 077) == 0, GC_E_CONFIG,
	          "%s: PIN file is readable by others (mode %03o); chmod 600 it", path,
	          (unsigned)(st.st_mode & 0777));
	GC_GUARD(gc_file_read(path, 256, &buf, &len));
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0 || len >= pinsz) {
		OPENSSL_cleanse(buf, len);
		free(buf);
		return gc_fail(GC_E_CONFIG, "%s: PIN file empty or too long", path);
	}
	memcpy(pin, buf, len);
	pin[len] = '\0';
	OPENSSL_cleanse(buf, len);
	free(buf);
	return GC_OK;
}

gc_result gc_hsm_pin_random(char out[GC_HSM_PIN_HEX + 1])
{
	unsigned char raw[GC_HSM_PIN_HEX / 2];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "PIN: CSPRNG failed");
	gc_hex_encode(raw, sizeof(raw), out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return GC_OK;
}

gc_result gc_hsm_use_softhsm_conf(const char *path)
{
	if (setenv("SOFTHSM2_CONF", path, 1) != 0)
		return gc_fail(GC_E_HSM, "SOFTHSM2_CONF: cannot set");
	return GC_OK;
}

/* On failure *ctx is NULL: nothing for the caller to release. *unlisted: the module
 * loaded but could not list its slots (what SoftHSM2 answers, General Error, while
 * another process rewrites a shared token's files). */
static gc_result load(const char *module, PKCS11_CTX **ctx, PKCS11_SLOT **slots, unsigned *n, bool *unlisted)
{
	PKCS11_CTX *c;

	*ctx = NULL;
	*unlisted = false;
	if ((c = PKCS11_CTX_new()) == NULL)
		return gc_fail_ssl(GC_E_NOMEM, "token: out of memory");
	if (PKCS11_CTX_load(c, module) != 0) {
		PKCS11_CTX_free(c);
		return gc_fail_ssl(GC_E_HSM, "token: cannot load PKCS#11 module %s", module);
	}
	if (PKCS11_enumerate_slots(c, slots, n) != 0) {
		PKCS11_CTX_unload(c);
		PKCS11_CTX_free(c);
		*unlisted = true;
		return gc_fail_ssl(GC_E_HSM, "token: cannot list slots of %s", module);
	}
	*ctx = c;
	return GC_OK;
}

static void unload(PKCS11_CTX *ctx, PKCS11_SLOT *slots, unsigned n)
{
	if (ctx == NULL)
		return;
	if (slots != NULL)
		PKCS11_release_all_slots(ctx, slots, n);
	PKCS11_CTX_unload(ctx);
	PKCS11_CTX_free(ctx);
}

static PKCS11_SLOT *find_by_label(PKCS11_SLOT *slots, unsigned n, const char *label)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (slots[i].token != NULL && slots[i].token->initialized &&
		    strcmp(slots[i].token->label, label) == 0)
			return &slots[i];
	return NULL;
}

gc_result gc_hsm_init_token(const char *module, const char *label, const char *so_pin,
                            const char *user_pin)
{
	char padded[33];
	PKCS11_CTX *ctx = NULL;
	PKCS11_SLOT *slots = NULL, *slot = NULL;
	unsigned n = 0, i;
	gc_result rc = GC_OK;
	bool unlisted;

	GC_GUARD(load(module, &ctx, &slots, &n, &unlisted));
	GC_ENSURE_OUT(rc, find_by_label(slots, n, label) == NULL, GC_E_HSM,
	              "token: a token labelled \"%s\" already exists", label);
	for (i = 0; i < n && slot == NULL; i++)
		if (slots[i].token != NULL && !slots[i].token->initialized)
			slot = &slots[i];
	GC_ENSURE_OUT(rc, slot != NULL, GC_E_HSM, "token: no free slot in %s", module);
	/* libp11 hands the label to C_InitToken as is, and the module reads 32 bytes of it
	 * (PKCS#11 labels are fixed-size): never past the end of a short string */
	GC_ENSURE_OUT(rc, strlen(label) <= 32, GC_E_HSM, "token: label \"%s\" longer than 32 bytes", label);
	memset(padded, 0, sizeof(padded));
	memcpy(padded, label, strlen(label));
	if (PKCS11_init_token(slot->token, so_pin, padded) != 0) {
		rc = gc_fail_ssl(GC_E_HSM, "token: C_InitToken failed");
		goto out;
	}
	/* The module may move the new token to another slot: look again by label. */
	PKCS11_release_all_slots(ctx, slots, n);
	slots = NULL;
	if (PKCS11_enumerate_slots(ctx, &slots, &n) != 0) {
		rc = gc_fail_ssl(GC_E_HSM, "token: cannot list slots");
		goto out;
	}
	GC_ENSURE_OUT(rc, (slot = find_by_label(slots, n, label)) != NULL, GC_E_HSM,
	              "token: new token \"%s\" not found after initialisation", label);
	if (PKCS11_open_session(slot, 1) != 0 || PKCS11_login(slot, 1, so_pin) != 0 ||
	    PKCS11_init_pin(slot->token, user_pin) != 0) {
		rc = gc_fail_ssl(GC_E_HSM, "token: cannot set the user PIN");
		goto out;
	}
	PKCS11_logout(slot);
out:
	unload(ctx, slots, n);
	return rc;
}

/*
 * Loads the module and finds the token. A token shared by several processes (two CA
 * service nodes on SoftHSM2's file store) can be missing from the slot list, or the
 * list cannot be read at all, while another process holds or rewrites its files: the
 * list is read again, for up to 5 s (generous for a loaded machine).
 */
static gc_result find_token(struct gc_hsm *h, const char *module, const char *label)
{
	const struct timespec pause = {0, 100 * 1000 * 1000};
	bool unlisted;
	gc_result rc;
	int tries;

	for (tries = 0;; tries++) {
		rc = load(module, &h->ctx, &h->slots, &h->nslots, &unlisted);
		if (rc != GC_OK && (!unlisted || tries >= 50))
			return rc;
		if (rc == GC_OK) {
			if ((h->slot = find_by_label(h->slots, h->nslots, label)) != NULL)
				return GC_OK;
			unload(h->ctx, h->slots, h->nslots);
			h->ctx = NULL, h->slots = NULL, h->nslots = 0;
			GC_ENSURE(tries < 50, GC_E_HSM, "token: no token labelled \"%s\" in %s", label, module);
		}
		gc_err_clear();
		nanosleep(&pause, NULL);
	}
}

gc_result gc_hsm_open(const char *module, const char *label, const char *pin, struct gc_hsm **out)
{
	struct gc_hsm *h;
	int logged_in = 0;
	gc_result rc = GC_OK;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return gc_fail(GC_E_NOMEM, "token: out of memory");
	GC_GUARD_OUT(rc, find_token(h, module, label));
	if (PKCS11_open_session(h->slot, 1) != 0) {
		rc = gc_fail_ssl(GC_E_HSM, "token \"%s\": cannot open a session", label);
		goto out;
	}
	h->module = strdup(module);
	GC_NOMEM_OUT(rc, h->module);
	if (PKCS11_is_logged_in(h->slot, 0, &logged_in) != 0 || !logged_in) {
		if (PKCS11_login(h->slot, 0, pin) != 0) {
			rc = gc_fail_ssl(GC_E_HSM, "token \"%s\": login refused", label);
			goto out;
		}
	}
	*out = h;
	return GC_OK;
out:
	gc_hsm_free(h);
	return rc;
}

void gc_hsm_free(struct gc_hsm *h)
{
	struct gc_hsm_key *k, *next;

	if (h == NULL)
		return;
	for (k = h->keys; k != NULL; k = next) {
		next = k->next;
		EVP_PKEY_free(k->priv);
		EVP_PKEY_free(k->pub);
		free(k);
	}
	gc_hsm_p11_close(h);
	unload(h->ctx, h->slots, h->nslots);
	free(h->module);
	free(h);
}

gc_result gc_hsm_generate_rsa(struct gc_hsm *h, const char *label, int bits)
{
	unsigned char id[16];
	struct gc_hsm_key *existing;

	if (gc_hsm_find_key(h, label, &existing) == GC_OK)
		return gc_fail(GC_E_HSM, "token: a key labelled \"%s\" already exists", label);
	if (PKCS11_generate_random(h->slot, id, sizeof(id)) != 0)
		return gc_fail_ssl(GC_E_HSM, "token: C_GenerateRandom failed");
	/* libp11 marks the private key CKA_SENSITIVE and not CKA_EXTRACTABLE (checked by
	 * tests/integration through pkcs11-tool). The deprecated call is the only key
	 * generation entry point of libp11 0.4.12 (Debian 12). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	if (PKCS11_generate_key(h->slot->token, EVP_PKEY_RSA, (unsigned)bits, (char *)label, id,
	                        sizeof(id)) != 0)
#pragma GCC diagnostic pop
		return gc_fail_ssl(GC_E_HSM, "token: key generation for \"%s\" failed", label);
	return GC_OK;
}

gc_result gc_hsm_find_key(struct gc_hsm *h, const char *label, struct gc_hsm_key **out)
{
	PKCS11_KEY *keys;
	unsigned n, i;
	struct gc_hsm_key *k;

	for (k = h->keys; k != NULL; k = k->next)
		if (strcmp(k->label, label) == 0) {
			*out = k;
			return GC_OK;
		}
	if (PKCS11_enumerate_keys(h->slot->token, &keys, &n) != 0)
		return gc_fail_ssl(GC_E_HSM, "token: cannot list keys");
	for (i = 0; i < n; i++) {
		if (keys[i].label == NULL || strcmp(keys[i].label, label) != 0 || !keys[i].isPrivate)
			continue;
		if ((k = calloc(1, sizeof(*k))) == NULL)
			return gc_fail(GC_E_NOMEM, "token: out of memory");
		snprintf(k->label, sizeof(k->label), "%s", label);
		k->priv = PKCS11_get_private_key(&keys[i]);
		k->pub = PKCS11_get_public_key(&keys[i]);
		if (k->priv == NULL || k->pub == NULL) {
			EVP_PKEY_free(k->priv);
			EVP_PKEY_free(k->pub);
			free(k);
			return gc_fail_ssl(GC_E_HSM, "token: key \"%s\" unusable", label);
		}
		k->next = h->keys;
		h->keys = k;
		*out = k;
		return GC_OK;
	}
	return gc_fail(GC_E_HSM_KEY_NOT_FOUND, "token: no private key labelled \"%s\"", label);
}

EVP_PKEY *gc_hsm_key_public(const struct gc_hsm_key *k)
{
	return k->pub;
}

EVP_PKEY *gc_hsm_key_handle(const struct gc_hsm_key *k)
{
	return k->priv;
}

gc_result gc_hsm_sign_sha256(struct gc_hsm_key *k, const unsigned char digest[32],
                             unsigned char *sig, size_t *siglen)
{
	EVP_PKEY_CTX *pctx;
	size_t len = GC_RSA_SIG_MAX;
	gc_result rc = GC_OK;

	if ((pctx = EVP_PKEY_CTX_new(k->priv, NULL)) == NULL)
		return gc_fail_ssl(GC_E_NOMEM, "token: sign context");
	GC_SSL_OUT(rc, EVP_PKEY_sign_init(pctx), GC_E_HSM, "token: sign init");
	GC_SSL_OUT(rc, EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0, GC_E_HSM,
	           "token: padding");
	GC_SSL_OUT(rc, EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) > 0, GC_E_HSM,
	           "token: digest");
	GC_SSL_OUT(rc, EVP_PKEY_sign(pctx, sig, &len, digest, 32), GC_E_HSM,
	           "token: signature refused by key \"%s\"", k->label);
	*siglen = len;
out:
	EVP_PKEY_CTX_free(pctx);
	return rc;
}
