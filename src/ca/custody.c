/*
 * custody.c - Shamir shares under custodians' passphrases (CPS §6.2.4, §6.4). See
 * custody.h. The cryptography is libgfshare's and libsodium's; this file only frames it.
 */
#include "ca/custody.h"

#include <jansson.h>
#include <libgfshare.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/text.h"
#include "sys/fileio.h"

/* libgfshare draws its polynomial coefficients through this hook: the OS CSPRNG. */
static void fill_random(unsigned char *buf, unsigned int n)
{
	randombytes_buf(buf, n);
}

/* libgfshare also scrambles its contexts with it when freeing them. */
static gc_result sodium_ready(void)
{
	GC_ENSURE(sodium_init() >= 0, GC_E_INTERNAL, "libsodium: initialisation failed");
	gfshare_fill_rand = fill_random;
	return GC_OK;
}

gc_result gc_custody_split(const unsigned char *secret, size_t len, unsigned n, unsigned m,
                           struct gc_share *shares)
{
	unsigned char nrs[GC_MAX_CUSTODIANS], buf[GC_CUSTODY_SECRET_MAX];
	gfshare_ctx *g;
	unsigned i;

	GC_ENSURE(m >= 2 && m <= n && n <= GC_MAX_CUSTODIANS, GC_E_USAGE,
	          "custody: CPS §6.2.4: threshold %u of %u custodians: need 2 <= M <= N <= %d", m, n,
	          GC_MAX_CUSTODIANS);
	GC_ENSURE(len > 0 && len <= GC_CUSTODY_SECRET_MAX, GC_E_INTERNAL, "custody: secret size %zu", len);
	GC_GUARD(sodium_ready());
	for (i = 0; i < n; i++)
		nrs[i] = (unsigned char)(i + 1);
	memcpy(buf, secret, len);
	if ((g = gfshare_ctx_init_enc(nrs, n, (unsigned char)m, (unsigned)len)) == NULL)
		return gc_fail(GC_E_NOMEM, "custody: libgfshare context");
	gfshare_ctx_enc_setsecret(g, buf);
	for (i = 0; i < n; i++) {
		shares[i].nr = nrs[i];
		shares[i].len = len;
		gfshare_ctx_enc_getshare(g, (unsigned char)i, shares[i].data);
	}
	gfshare_ctx_free(g); /* it wipes its coefficients */
	sodium_memzero(buf, sizeof(buf));
	return GC_OK;
}

gc_result gc_custody_combine(const struct gc_share *shares, unsigned count, unsigned m,
                             unsigned char *secret, size_t len)
{
	unsigned char nrs[GC_MAX_CUSTODIANS];
	unsigned char data[GC_CUSTODY_SECRET_MAX];
	gfshare_ctx *g;
	unsigned i, j;

	GC_ENSURE(count >= m && m >= 2, GC_E_SHARES,
	          "custody: %u share(s) given; %u of the custodians are needed (CPS §6.2.4)", count, m);
	GC_ENSURE(count <= GC_MAX_CUSTODIANS, GC_E_SHARES, "custody: too many shares (%u)", count);
	GC_GUARD(sodium_ready());
	for (i = 0; i < count; i++) {
		GC_ENSURE(shares[i].len == len && shares[i].nr != 0, GC_E_SHARES,
		          "custody: share %u does not belong with the others", i + 1);
		for (j = 0; j < i; j++)
			GC_ENSURE(shares[j].nr != shares[i].nr, GC_E_SHARES,
			          "custody: the same custodian's share was given twice (share %u)",
			          (unsigned)shares[i].nr);
		nrs[i] = shares[i].nr;
	}
	/* exactly m shares: more add nothing and a wrong one would be averaged in */
	if ((g = gfshare_ctx_init_dec(nrs, m, (unsigned)len)) == NULL)
		return gc_fail(GC_E_NOMEM, "custody: libgfshare context");
	for (i = 0; i < m; i++) {
		memcpy(data, shares[i].data, len);
		gfshare_ctx_dec_giveshare(g, (unsigned char)i, data);
	}
	gfshare_ctx_dec_extract(g, secret);
	gfshare_ctx_free(g);
	sodium_memzero(data, sizeof(data));
	return GC_OK;
}

/* The associated data of a seal: everything that says what the share is. */
static void seal_ad(const struct gc_share_meta *m, unsigned nr, char *ad, size_t adsz)
{
	snprintf(ad, adsz, GC_SHARE_FORMAT "|%s|%s|%u|%u|%u|%u", m->purpose, m->id, m->custodian, m->of,
	         m->threshold, nr);
}

static gc_result derive(unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES],
                        const char *pass, size_t passlen, const unsigned char *salt,
                        unsigned long long ops, size_t mem)
{
	GC_ENSURE(passlen >= GC_MIN_PASSPHRASE, GC_E_PASSPHRASE,
	          "custody: a passphrase must have at least %d characters", GC_MIN_PASSPHRASE);
	GC_ENSURE(ops >= crypto_pwhash_OPSLIMIT_INTERACTIVE && ops <= crypto_pwhash_OPSLIMIT_SENSITIVE &&
	              mem >= crypto_pwhash_MEMLIMIT_INTERACTIVE && mem <= crypto_pwhash_MEMLIMIT_SENSITIVE,
	          GC_E_SHARES, "custody: share file: key derivation cost out of range");
	if (crypto_pwhash(key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, pass, passlen, salt, ops, mem,
	                  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return gc_fail(GC_E_NOMEM, "custody: argon2id: out of memory");
	return GC_OK;
}

gc_result gc_custody_seal(const struct gc_share *s, const struct gc_share_meta *m, const char *pass,
                          size_t passlen, char **json)
{
	unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], salt[crypto_pwhash_SALTBYTES];
	unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	unsigned char sealed[GC_CUSTODY_SECRET_MAX + crypto_aead_xchacha20poly1305_ietf_ABYTES];
	char ad[256], hsalt[2 * sizeof(salt) + 1], hnonce[2 * sizeof(nonce) + 1];
	char hsealed[2 * sizeof(sealed) + 1];
	unsigned long long sealedlen;
	json_t *o;
	gc_result rc;

	GC_GUARD(sodium_ready());
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	GC_GUARD(derive(key, pass, passlen, salt, crypto_pwhash_OPSLIMIT_MODERATE,
	                crypto_pwhash_MEMLIMIT_MODERATE));
	seal_ad(m, s->nr, ad, sizeof(ad));
	crypto_aead_xchacha20poly1305_ietf_encrypt(sealed, &sealedlen, s->data, s->len,
	                                           (const unsigned char *)ad, strlen(ad), NULL, nonce, key);
	sodium_memzero(key, sizeof(key));
	gc_hex_encode(salt, sizeof(salt), hsalt);
	gc_hex_encode(nonce, sizeof(nonce), hnonce);
	gc_hex_encode(sealed, (size_t)sealedlen, hsealed);
	o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:{s:s, s:I, s:I, s:s}, s:s, s:s}", "format",
	              GC_SHARE_FORMAT, "purpose", m->purpose, "id", m->id, "custodian", (int)m->custodian,
	              "of", (int)m->of, "threshold", (int)m->threshold, "share", (int)s->nr, "kdf", "alg",
	              "argon2id13", "opslimit", (json_int_t)crypto_pwhash_OPSLIMIT_MODERATE, "memlimit",
	              (json_int_t)crypto_pwhash_MEMLIMIT_MODERATE, "salt", hsalt, "nonce", hnonce, "sealed",
	              hsealed);
	*json = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	rc = *json ? GC_OK : gc_fail(GC_E_NOMEM, "custody: out of memory");
	return rc;
}

static gc_result hex_field(json_t *o, const char *k, unsigned char *out, size_t n)
{
	const char *s = json_string_value(json_object_get(o, k));

	GC_ENSURE(s != NULL && strlen(s) == 2 * n && gc_hex_decode(s, out, n), GC_E_SHARES,
	          "share file: \"%s\" malformed", k);
	return GC_OK;
}

gc_result gc_custody_open(const char *json, size_t len, const char *pass, size_t passlen,
                          struct gc_share_meta *meta, struct gc_share *out)
{
	unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], salt[crypto_pwhash_SALTBYTES];
	unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	unsigned char sealed[GC_CUSTODY_SECRET_MAX + crypto_aead_xchacha20poly1305_ietf_ABYTES];
	struct gc_share_meta m = {0};
	json_error_t jerr;
	json_t *o, *kdf;
	const char *hs, *purpose, *id;
	char ad[256];
	unsigned long long plainlen;
	json_int_t nr, ops, mem, cust, of, thr;
	size_t slen;
	gc_result rc = GC_OK;

	GC_GUARD(sodium_ready());
	o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	GC_ENSURE(o != NULL, GC_E_SHARES, "share file: not JSON (line %d)", jerr.line);
	kdf = json_object_get(o, "kdf");
	hs = json_string_value(json_object_get(o, "sealed"));
	purpose = json_string_value(json_object_get(o, "purpose"));
	id = json_string_value(json_object_get(o, "id"));
	nr = json_integer_value(json_object_get(o, "share"));
	cust = json_integer_value(json_object_get(o, "custodian"));
	of = json_integer_value(json_object_get(o, "of"));
	thr = json_integer_value(json_object_get(o, "threshold"));
	ops = json_integer_value(json_object_get(kdf, "opslimit"));
	mem = json_integer_value(json_object_get(kdf, "memlimit"));
	GC_ENSURE_OUT(rc, json_is_string(json_object_get(o, "format")) &&
	                      strcmp(json_string_value(json_object_get(o, "format")), GC_SHARE_FORMAT) == 0 &&
	                      purpose && id && hs && strlen(purpose) < sizeof(m.purpose) &&
	                      strlen(id) < sizeof(m.id) && nr >= 1 && nr <= 255 && of >= 2 &&
	                      of <= GC_MAX_CUSTODIANS && thr >= 2 && thr <= of && cust >= 1 && cust <= of &&
	                      ops > 0 && mem > 0,
	              GC_E_SHARES, "share file: not a %s file", GC_SHARE_FORMAT);
	slen = strlen(hs) / 2;
	GC_ENSURE_OUT(rc, slen > crypto_aead_xchacha20poly1305_ietf_ABYTES && slen <= sizeof(sealed),
	              GC_E_SHARES, "share file: sealed share has the wrong size");
	GC_GUARD_OUT(rc, hex_field(o, "sealed", sealed, slen));
	GC_GUARD_OUT(rc, hex_field(kdf, "salt", salt, sizeof(salt)));
	GC_GUARD_OUT(rc, hex_field(o, "nonce", nonce, sizeof(nonce)));
	snprintf(m.purpose, sizeof(m.purpose), "%s", purpose);
	snprintf(m.id, sizeof(m.id), "%s", id);
	m.custodian = (unsigned)cust, m.of = (unsigned)of, m.threshold = (unsigned)thr;
	GC_GUARD_OUT(rc, derive(key, pass, passlen, salt, (unsigned long long)ops, (size_t)mem));
	seal_ad(&m, (unsigned)nr, ad, sizeof(ad));
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out->data, &plainlen, NULL, sealed, slen,
	                                               (const unsigned char *)ad, strlen(ad), nonce, key) != 0)
		rc = gc_fail(GC_E_PASSPHRASE, "share of custodian %u: wrong passphrase, or the share file "
		             "was altered", m.custodian);
	sodium_memzero(key, sizeof(key));
	if (rc == GC_OK) {
		out->nr = (unsigned char)nr;
		out->len = (size_t)plainlen;
		*meta = m;
	}
out:
	json_decref(o);
	return rc;
}

gc_result gc_passphrase_read(const char *spec, char *buf, size_t bufsz, size_t *len)
{
	unsigned char *data = NULL;
	const char *v;
	struct stat st;
	size_t n;

	if (strncmp(spec, "env:", 4) == 0) {
		v = getenv(spec + 4);
		GC_ENSURE(v != NULL, GC_E_PASSPHRASE, "passphrase: environment variable %.64s is not set",
		          spec + 4);
		n = strlen(v);
		GC_ENSURE(n < bufsz, GC_E_PASSPHRASE, "passphrase in %.64s: too long", spec + 4);
		memcpy(buf, v, n + 1);
		*len = n;
		return GC_OK;
	}
	GC_ENSURE(strncmp(spec, "file:", 5) == 0, GC_E_USAGE,
	          "passphrase \"%.32s...\": give env:NAME or file:PATH (never the passphrase itself)", spec);
	GC_ENSURE(stat(spec + 5, &st) == 0, GC_E_PASSPHRASE, "%s: passphrase file missing", spec + 5);
	GC_ENSURE((st.st_mode & 077) == 0, GC_E_PASSPHRASE,
	          "%s: passphrase file is readable by others (mode %03o); chmod 600 it", spec + 5,
	          (unsigned)(st.st_mode & 0777));
	GC_GUARD(gc_file_read(spec + 5, GC_MAX_PASSPHRASE, &data, &n));
	if (n > 0 && data[n - 1] == '\n')
		n--;
	if (n >= bufsz) {
		sodium_memzero(data, n);
		free(data);
		return gc_fail(GC_E_PASSPHRASE, "%s: passphrase too long", spec + 5);
	}
	memcpy(buf, data, n);
	buf[n] = '\0';
	*len = n;
	sodium_memzero(data, n);
	free(data);
	return GC_OK;
}
