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
#include <stddef.h>

#include "core/error.h"

#define GC_RSA_SIG_MAX 512

struct gc_hsm;
struct gc_hsm_key;

/*
 * Initialises a fresh token in the first free slot of module: sets its label, an SO
 * PIN and the user PIN. For SoftHSM2 the caller points SOFTHSM2_CONF at the token's
 * own configuration first (gc_hsm_use_softhsm_conf).
 */
gc_result gc_hsm_init_token(const char *module, const char *label, const char *so_pin,
                            const char *user_pin) GC_MUST_CHECK;
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

#endif
