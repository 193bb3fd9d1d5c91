/*
 * peer.h - trust between the CA and the RA (CMMP) over the system interface (SPEC §3,
 * docs/design.md "The interface file"): the CA service identity (a key of its own in the
 * token, never a CA key, CPS §6.1.6) and the RA certificates pinned by the operator.
 */
#ifndef GCERT_CA_PEER_H
#define GCERT_CA_PEER_H

#include <openssl/x509.h>

#include "ca/ca.h"
#include "hsm/tlskey.h"

#define GC_SERVICE_KEY_LABEL "ca-service"
#define GC_MAX_PEER_NAME GC_MAX_PEER_ID
#define GC_TLS_KEY_LABEL "ca-tls"
#define GC_TLS_CERT_FILE "token/tls.pem"

/*
 * The CA service certificate and key, made on first use: an RSA 2048 key generated in
 * the token, a self-signed certificate (CN=gcert CA service, SAN DNS:localhost and
 * 127.0.0.1) for signing result files and for TLS. *cert is the CA's (do not free).
 */
gc_result gc_service_identity(struct gc_ca *, X509 **cert, struct gc_hsm_key **key) GC_MUST_CHECK;
/* The same without the token: the certificate only (NULL until made). */
gc_result gc_service_cert(struct gc_ca *, X509 **cert) GC_MUST_CHECK;

/*
 * The TLS identity of the online interface endpoint (issue 15: no private key outside a
 * token): an RSA 2048 key generated in the token as GC_TLS_KEY_LABEL (sensitive, never
 * extractable) and a self-signed certificate for it (SAN localhost, 127.0.0.1, ::1), signed
 * in the token, in DIR/token/tls.pem, made on first use (which needs the token). A CA
 * directory of an older gcert with DIR/token/tls.key is migrated here: the key made in the
 * token, a new certificate, an audit record (ca.tls_key_migrated), the old file wiped and
 * removed. *cert_pem (caller frees) is the certificate the RA trusts.
 */
gc_result gc_service_tls(struct gc_ca *, char **cert_pem) GC_MUST_CHECK;
/* The same, as a TLS identity for GnuTLS whose key is used from the token (hsm/tlskey.h):
 * *creds is what the HTTPS edge hands GnuTLS. Close it before the token is closed. */
gc_result gc_service_tls_identity(struct gc_ca *, struct gc_hsm_tls **out, struct gc_tls_creds *creds) GC_MUST_CHECK;
void gc_service_tls_close(struct gc_hsm_tls *);

/* Pins an RA's certificate under name ([a-z0-9-], 1..32); audited. */
gc_result gc_peer_pin(struct gc_ca *, const char *name, X509 *cert) GC_MUST_CHECK;
/* Unpins it (kept for the record); audited. */
gc_result gc_peer_unpin(struct gc_ca *, const char *name) GC_MUST_CHECK;
/* The pinned certificates (caller frees with sk_X509_pop_free) and, in the same order,
 * their names (caller frees each and the array). */
gc_result gc_peers_load(struct gc_ca *, STACK_OF(X509) **certs, char ***names) GC_MUST_CHECK;
/* The name under which cert is pinned, or GC_E_NOT_FOUND. */
gc_result gc_peer_name(struct gc_ca *, X509 *cert, char name[GC_MAX_PEER_NAME + 1]) GC_MUST_CHECK;

#endif
