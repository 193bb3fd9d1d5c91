/*
 * hsm.h - the token (CPS §6.1, §6.2): the only module that holds a PKCS#11 session.
 *
 * Keys are generated inside the token as sensitive and never extractable, and are
 * only ever asked to sign a SHA-256 digest that the caller computed over checked TBS
 * bytes. SoftHSM2 is the default module; any PKCS#11 module works by configuration.
 */
#ifndef GCERT_HSM_HSM_H
#define GCERT_HSM_HSM_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define GC_RSA_SIG_MAX 512
/* Random PINs are this many hex digits (128 bits). */
#define GC_HSM_PIN_HEX 32

struct gc_hsm;
struct gc_hsm_key;

/*
 * Initialises a fresh token in the first free slot of module: sets its label, an SO
 * PIN and the user PIN. For SoftHSM2 the caller points SOFTHSM2_CONF at the token's
 * own configuration first (gc_hsm_use_softhsm_conf).
 */
gc_result gc_hsm_init_token(const char *module, const char *label, const char *so_pin,
                            const char *user_pin) GC_MUST_CHECK;
/* Reads a PIN file, refused unless it is the owner's alone (mode 0600). */
gc_result gc_hsm_pin_read(const char *path, char *pin, size_t pinsz) GC_MUST_CHECK;
/* A random PIN from the CSPRNG, GC_HSM_PIN_HEX hex digits. */
gc_result gc_hsm_pin_random(char out[GC_HSM_PIN_HEX + 1]) GC_MUST_CHECK;
/* Sets SOFTHSM2_CONF for this process only (nothing global is touched). */
gc_result gc_hsm_use_softhsm_conf(const char *path) GC_MUST_CHECK;
/* Loads module, finds the token by label and logs in as user. */
gc_result gc_hsm_open(const char *module, const char *label, const char *pin,
                      struct gc_hsm **out) GC_MUST_CHECK;
void gc_hsm_free(struct gc_hsm *);

/* Generates an RSA key pair (sensitive, never extractable) labelled label. */
gc_result gc_hsm_generate_rsa(struct gc_hsm *, const char *label, int bits) GC_MUST_CHECK;
/* Finds the private key labelled label; *out is owned by the hsm. */
gc_result gc_hsm_find_key(struct gc_hsm *, const char *label, struct gc_hsm_key **out) GC_MUST_CHECK;
/* The key's public half (owned by the key). */
EVP_PKEY *gc_hsm_key_public(const struct gc_hsm_key *);
/*
 * An OpenSSL handle of the private key whose operations run in the token (libp11), for
 * the protocols that sign through OpenSSL (CMS, TLS) with a service key. Never a CA key:
 * CA keys sign only through gc_hsm_sign_sha256 over checked TBS bytes (CPS §6.1.6).
 */
EVP_PKEY *gc_hsm_key_handle(const struct gc_hsm_key *);
/*
 * RSASSA-PKCS1-v1_5 over a SHA-256 digest, computed in the token. Safe from several
 * threads at once: libp11 gives each concurrent call its own session.
 */
gc_result gc_hsm_sign_sha256(struct gc_hsm_key *, const unsigned char digest[32],
                             unsigned char *sig, size_t *siglen) GC_MUST_CHECK;

/*
 * Keys that may leave the token only wrapped: the RA's subscriber keys (CPS §6.1.1 generated
 * in the HSM, App. E II export). These use the PKCS#11 function list directly (p11.c),
 * because libp11 can neither set CKA_EXTRACTABLE nor wrap.
 */

/* An RSA key pair labelled label: private key CKA_SENSITIVE (never readable in clear) and
 * CKA_EXTRACTABLE (may leave the token under C_WrapKey), for signing and decryption. */
gc_result gc_hsm_generate_rsa_wrappable(struct gc_hsm *, const char *label, int bits) GC_MUST_CHECK;

/* What the token says of the private key labelled label. */
struct gc_hsm_key_flags {
	bool sensitive;   /* CKA_SENSITIVE: its value is never returned in clear */
	bool extractable; /* CKA_EXTRACTABLE: it may be wrapped */
	bool can_sign;    /* CKA_SIGN */
};
gc_result gc_hsm_key_flags(struct gc_hsm *, const char *label, struct gc_hsm_key_flags *out) GC_MUST_CHECK;

/* Withdraws every use of the private key labelled label in the token: CKA_SIGN, CKA_DECRYPT
 * and CKA_UNWRAP false, CKA_EXTRACTABLE false (which PKCS#11 never lets go back). The
 * object stays. */
gc_result gc_hsm_key_withdraw(struct gc_hsm *, const char *label) GC_MUST_CHECK;

/*
 * The private key labelled label, wrapped with CKM_AES_KEY_WRAP_PAD (RFC 5649) under kek,
 * a one-time AES-256 key that the caller made and that exists in the token only as a
 * session object for this call. The result (caller frees) is the PKCS#8 PrivateKeyInfo
 * so wrapped.
 */
gc_result gc_hsm_wrap_private(struct gc_hsm *, const char *label, const unsigned char kek[32],
                              unsigned char **out, size_t *outlen) GC_MUST_CHECK;

#endif
