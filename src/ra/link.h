/*
 * link.h - the RA service's side of everything that touches keys or the CA (issue 6):
 * its own token (subscriber keys, CPS §2.1.3 g-h, §6.1.1), the CSRs it builds, the
 * interface to the CA (docs/interface.md; online over mTLS, or batch files), the latest
 * CRL for the use-time check (§2.1.3 n) and the App. E II key export.
 *
 * This header is the contract between the RA workflows (src/ra/ra*.c, the database
 * and the web API) and this module (src/ra/link*.c). Nothing here knows about users,
 * applications or the RA database. docs/ra-link.md describes DIR and DIR/link.json.
 * One link per process (one PKCS#11 module initialisation); calls on it from several
 * threads are serialised on the token, which gc_ra_link_send holds only to sign and to
 * make the TLS connection, never while the CA answers (or fails to).
 */
#ifndef GCERT_RA_LINK_H
#define GCERT_RA_LINK_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct gc_ra_link;
struct gc_hsm_tls;

/* The RA web server's TLS certificate in the RA directory (its key is in the token). */
#define GC_RA_WEB_CERT_FILE "web-tls.pem"

/*
 * Sets up an RA directory's token side: its own SoftHSM2 token and softhsm2.conf in
 * dir/token (the user PIN in dir/token/user.pin, 0600, as the CA does), and the RA
 * service key with a self-signed service certificate (dir/ra-service.pem), which the
 * CA operator pins with `gcert ca pin --ra NAME`.
 */
gc_result gc_ra_link_init(const char *dir) GC_MUST_CHECK;

/* Opens the token of dir and reads dir/link.json (the CA's interface URL, the pinned CA
 * service certificate, the RA's name at the CA, online or batch, the CA repository's
 * CRL URLs and the CA certificates that sign them). */
gc_result gc_ra_link_open(const char *dir, struct gc_ra_link **out) GC_MUST_CHECK;
void gc_ra_link_free(struct gc_ra_link *);
/* The token alone when link.json is not there yet (only the web TLS key is usable), else
 * as gc_ra_link_open. gc_ra_link_configure then reads link.json (a no-op once read). */
gc_result gc_ra_link_open_token(const char *dir, struct gc_ra_link **out) GC_MUST_CHECK;
gc_result gc_ra_link_configure(struct gc_ra_link *) GC_MUST_CHECK;

/*
 * Generates an RSA-2048 subscriber key pair in the token, labelled label (unique), with
 * no human step, and returns a PKCS#10 CSR (PEM, caller frees) signed by it. The key is
 * sensitive; it can leave the token only through gc_ra_link_export_p12.
 */
gc_result gc_ra_link_new_key(struct gc_ra_link *, const char *label, char **csr_pem) GC_MUST_CHECK;

/*
 * Sends one request document (docs/interface.md "The request document", JSON text) to
 * the CA, signed with the RA service key, and returns the CA's result document (JSON
 * text, caller frees) after checking its signature with the pinned CA service
 * certificate. Online mode: an HTTPS POST with client certificate; the same bytes may be
 * sent again after a failure (the CA answers a repeated file with its first result).
 * Batch mode: GC_E_RA_PENDING after writing the file to dir/outbox; the result is
 * picked up later by gc_ra_link_collect.
 * Failures: GC_E_RA_CONNECT (CA unreachable; the message names the URL), GC_E_RA_TLS,
 * GC_E_RA_HTTP, GC_E_RA_SIGNATURE (result not signed by the pinned CA service key),
 * GC_E_RA_REFUSED (the CA refused the file whole; its code and reason in the message),
 * or the code of a malformed document, which is never signed or sent.
 */
gc_result gc_ra_link_send(struct gc_ra_link *, const char *request_json, char **result_json)
	GC_MUST_CHECK;
/* The longest a gc_ra_link_send can take (link.json's connect and request timeouts). */
long gc_ra_link_send_seconds(const struct gc_ra_link *);
/* Batch mode: the next result file dropped into dir/inbox, checked as above; *result_json
 * is NULL when there is none. A file refusing a batch whole is returned as it is (its
 * "error" member, "in_reply_to" naming the batch). Taken files move to inbox/done, files
 * that do not verify to inbox/rejected. */
gc_result gc_ra_link_collect(struct gc_ra_link *, char **result_json) GC_MUST_CHECK;

/* The use-time check's revocation part: whether serial (40 hex digits) is listed in the
 * latest CRL fetched from the CA repository and verified with the CA certificate;
 * *crl_number is that CRL's number. Fetches again when the cached CRL's nextUpdate has
 * passed. */
gc_result gc_ra_link_crl_check(struct gc_ra_link *, const char *serial, bool *revoked,
                               int64_t *crl_number) GC_MUST_CHECK;

/*
 * App. E II: the subscriber's key labelled label with its certificate, as a PKCS#12
 * encrypted under passphrase (AES-256, PBKDF2), DER, caller frees. The only way a
 * subscriber key leaves the token. The caller has checked the two approvals.
 */
gc_result gc_ra_link_export_p12(struct gc_ra_link *, const char *label, const unsigned char *cert_der,
                                size_t cert_len, const char *passphrase, unsigned char **p12,
                                size_t *p12_len) GC_MUST_CHECK;

/*
 * The RA web server's HTTPS identity (issue 15): the key "ra-web-tls" in the token
 * (sensitive, never extractable; made by gc_ra_link_init, or on first use in an RA directory
 * made before) and its certificate DIR/web-tls.pem. *out is for raweb/http.c (GnuTLS uses
 * the key from the token); free it with gc_hsm_tls_free before gc_ra_link_free.
 */
gc_result gc_ra_link_web_tls(struct gc_ra_link *, struct gc_hsm_tls **out) GC_MUST_CHECK;
/* DIR/web-tls.pem as PEM (caller frees); *made when this call made the key and certificate. */
gc_result gc_ra_link_web_cert(struct gc_ra_link *, char **pem, bool *made) GC_MUST_CHECK;
/* A PKCS#10 request for the web TLS key (PEM, caller frees), for a CA to certify. */
gc_result gc_ra_link_web_csr(struct gc_ra_link *, char **csr_pem) GC_MUST_CHECK;
/* The operator's certificate for the web TLS key (PEM file: the certificate, then its
 * chain): refused unless the first certifies the token's key and is valid now; then it
 * replaces DIR/web-tls.pem. sha gets the certificate's SHA-256. */
gc_result gc_ra_link_web_import(struct gc_ra_link *, const char *path, char sha[65]) GC_MUST_CHECK;

/* Stops using a subscriber key at once (revocation approved, §4.4.2): after this no
 * operation of this module uses label again; the key object is kept (never deleted). */
gc_result gc_ra_link_disable_key(struct gc_ra_link *, const char *label) GC_MUST_CHECK;

/*
 * The RA's audit key (CPS §4.5.4), "audit-key" in the RA token, as the CA's in its own
 * (audit/key.h): found, or generated the first time. registered is the certificate the
 * RA database holds (NULL: none yet; then *made is a new self-signed certificate for the
 * caller to register and free). It signs only audit checkpoints.
 */
gc_result gc_ra_link_audit_key(struct gc_ra_link *, X509 *registered, X509 **made) GC_MUST_CHECK;
/* The signer of audit/seal.h's checkpoints (arg: the link), after gc_ra_link_audit_key. */
gc_result gc_ra_link_audit_sign(void *link, const unsigned char digest[32], unsigned char *sig,
                                size_t *siglen) GC_MUST_CHECK;
/* The same, but GC_E_RA_PENDING at once when the token is busy (the service's periodic
 * checkpoint, which holds the database meanwhile, never waits on a connection). */
gc_result gc_ra_link_audit_sign_now(void *link, const unsigned char digest[32], unsigned char *sig,
                                    size_t *siglen) GC_MUST_CHECK;

#endif
