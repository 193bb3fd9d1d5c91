/*
 * tlskey.h - a TLS server identity whose private key never leaves the token (CPS §6.1.1,
 * §6.2; issue 15 "No private key outside a token"): the HTTPS endpoints (the CA's
 * interface endpoint, the RA's web UI and API) speak TLS through libmicrohttpd, i.e.
 * GnuTLS, which reaches the key itself over PKCS#11 (a `pkcs11:` URL). That is a second
 * PKCS#11 session on the token, kept here so that only src/hsm/ opens the token; the HTTP
 * code gets a gnutls_pcert_st and a gnutls_privkey_t and nothing else.
 *
 * No PIN is handed to GnuTLS: it loads the same module in the same process, and PKCS#11
 * login state is per application (PKCS#11 v2.40 §5.6), so the login gc_hsm_open did covers
 * GnuTLS's session too. The identity is therefore usable only while that hsm is open and
 * logged in (under M-of-N activation: only once activated), and must be freed first.
 */
#ifndef GCERT_HSM_TLSKEY_H
#define GCERT_HSM_TLSKEY_H

#include <gnutls/abstract.h>

#include "hsm/hsm.h"
#include "sys/tlscreds.h"

struct gc_hsm_tls;

/*
 * The TLS identity of the token's private key labelled label with the certificate
 * cert_pem (PEM: the certificate, then at most 7 of its chain), the first of which must
 * certify exactly that key: anything else is
 * GC_E_HSM ("does not match"). Caller frees with gc_hsm_tls_free before gc_hsm_free.
 */
gc_result gc_hsm_tls_open(struct gc_hsm *, const char *label, const char *cert_pem,
                          struct gc_hsm_tls **out) GC_MUST_CHECK;
void gc_hsm_tls_free(struct gc_hsm_tls *);

/*
 * What a gnutls_certificate_retrieve_function2 answers (MHD_OPTION_HTTPS_CERT_CALLBACK):
 * the certificate (and chain) and the token key; both stay owned by the identity. Safe
 * from several threads: GnuTLS serialises the operations of one PKCS#11 key (>= 3.5.11).
 */
void gc_hsm_tls_creds(const struct gc_hsm_tls *, struct gc_tls_creds *out);

#endif
