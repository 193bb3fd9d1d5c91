/*
 * link_int.h - what the files of the RA link share (link.c: token and keys; link_config.c:
 * DIR/link.json; link_send.c: the interface to the CA; link_crl.c: the use-time CRL).
 * Nothing outside src/ra/link*.c includes this.
 */
#ifndef GCERT_RA_LINK_INT_H
#define GCERT_RA_LINK_INT_H

#include <openssl/x509.h>
#include <pthread.h>
#include <stdbool.h>

#include "core/limits.h"
#include "hsm/hsm.h"
#include "hsm/tlskey.h"
#include "ra/link.h"

#define GC_RA_LINK_FORMAT "gcert-ra-link/1"
#define GC_RA_LINK_FILE "link.json"
#define GC_RA_SERVICE_CERT "ra-service.pem"
#define GC_RA_SERVICE_LABEL "ra-service"
#define GC_RA_WEB_LABEL "ra-web-tls"
#define GC_RA_WEB_CERT GC_RA_WEB_CERT_FILE
#define GC_RA_TOKEN_LABEL "gcert-ra"
#define GC_RA_TOKEN_MODULE "/usr/lib/softhsm/libsofthsm2.so"
/* Subscriber keys are "sub:LABEL" in the token, so no label of the caller's can name the
 * RA service key or any other object of ours. */
#define GC_RA_SUB_PREFIX "sub:"

/* DIR/link.json, checked (docs/ra-link.md). Paths are absolute once parsed. */
struct gc_ra_link_config {
	char ra_name[GC_MAX_PEER_ID + 1];     /* the RA's name at the CA (`gcert ca pin --ra`) */
	bool batch;                           /* mode: "batch" (true) or "online" */
	char interface_url[GC_RA_MAX_URL];    /* https://HOST:PORT/interface */
	char ca_service_cert[GC_MAX_PATH];    /* pinned: signs every result file */
	char ca_tls_cert[GC_MAX_PATH];        /* pinned: the interface endpoint's TLS certificate */
	char crl_urls[GC_RA_MAX_CRL_URLS][GC_RA_MAX_URL];
	size_t n_crl_urls;
	char crl_ca_certs[GC_RA_MAX_CRL_CAS][GC_MAX_PATH];
	size_t n_crl_ca_certs;
	long connect_timeout, request_timeout, crl_timeout; /* seconds */
	char token_module[GC_MAX_PATH];
	char token_label[33];
};

/* One CRL URL's latest verified CRL, kept until its nextUpdate (CPS §2.1.3 n). */
struct gc_ra_crl_cache {
	X509_CRL *crl;
	int64_t next_update;
	int64_t number;
};

struct gc_ra_link {
	pthread_mutex_t mu;     /* the token: one caller at a time, one session (not held while the CA answers) */
	pthread_mutex_t crl_mu; /* the CRL cache (crls) */
	char dir[GC_MAX_PATH];
	struct gc_ra_link_config cfg;
	bool token_only;           /* gc_ra_link_open_token without link.json: only the token */
	struct gc_hsm *hsm;
	struct gc_hsm_key *service_key;
	struct gc_hsm_key *audit_key; /* after gc_ra_link_audit_key */
	X509 *service_cert;        /* DIR/ra-service.pem, matching the token's service key */
	STACK_OF(X509) *ca_pin;    /* the CA service certificate, alone */
	STACK_OF(X509) *crl_cas;   /* CA certificates that sign the CRLs */
	struct gc_ra_crl_cache crls[GC_RA_MAX_CRL_URLS];
};

gc_result gc_ra_link_config_parse(const char *dir, const char *json, size_t len,
                                  struct gc_ra_link_config *out) GC_MUST_CHECK;
/* Reads a PEM file of one or more certificates into a new stack. */
gc_result gc_ra_link_load_certs(const char *path, STACK_OF(X509) **out) GC_MUST_CHECK;
/* link_tls.c: the web TLS key in the token (made unless there) and a self-signed
 * certificate for it in absdir/web-tls.pem (replacing one there). */
gc_result gc_ra_link_make_web_tls(struct gc_hsm *, const char *absdir) GC_MUST_CHECK;
/* link.c: a PKCS#10 request (PEM, caller frees) for the token key labelled label, CN cn. */
gc_result gc_ra_link_key_csr(struct gc_ra_link *, const char *label, const char *cn, char **pem) GC_MUST_CHECK;
/* Drops the cached CRLs. */
void gc_ra_link_crl_clear(struct gc_ra_link *);

#endif
