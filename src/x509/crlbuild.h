/*
 * crlbuild.h - CertificateList (RFC 5280 §5) encoding for CPS App. C: the CRLs of an
 * issuing CA (full and partitioned) and the root's ARL.
 *
 * Built to stream: the caller knows the total length of the revoked entries first (one
 * pass over the database), then writes head, entries and tail in order while hashing
 * the TBSCertList, signs the digest in the token and appends the signature part. No
 * X509_CRL holds the entries, so memory stays flat however many there are (docs/design.md
 * "The CRL path"). The encoding is fixed DER, so the same inputs give the same bytes.
 */
#ifndef GCERT_X509_CRLBUILD_H
#define GCERT_X509_CRLBUILD_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* An entry is at most: SEQUENCE hdr 2 + INTEGER 2+21 + GeneralizedTime 17 + exts 14. */
#define GC_CRL_ENTRY_MAX 64

struct gc_crl_entry {
	const char *serial_hex; /* 2..40 hex digits, a positive serial */
	int64_t revoked_at;     /* revocationDate */
	int reason;             /* App. C I reasonCode 0..6, always carried (CPS default 0) */
};

struct gc_crl_params {
	const X509 *issuer_cert; /* issuer = its subject; AKI from its SKI, issuer and serial */
	int64_t this_update, next_update;
	int64_t crl_number;      /* cRLNumber, > 0 */
	const char *idp_url;     /* partitioned CRL: critical IDP naming this URL; else NULL */
	bool idp_only_ca;        /* ARL: critical IDP with onlyContainsCACerts TRUE */
	/* ARL of a root whose key has more than one certificate (link certificates of a root
	 * changeover, CPS §4.7): AKI keyIdentifier only, which every certificate of the key
	 * matches (issuer + serial can name just one; see docs/revocation.md) */
	bool aki_key_only;
	size_t entries_len;      /* sum of gc_crl_entry_encode lengths */
	size_t sig_len;          /* the signature's length in octets (key size) */
};

struct gc_crl_enc {
	unsigned char *head; /* outer SEQUENCE header .. start of the first entry */
	size_t headsz;
	size_t tbs_off;      /* where the TBSCertList starts inside head */
	unsigned char *tail; /* crlExtensions [0] */
	size_t tailsz;
	size_t tbssz;        /* whole TBSCertList */
	size_t total;        /* whole CertificateList */
};

/* Encodes one revokedCertificates entry; returns its length, 0 when e is invalid. */
size_t gc_crl_entry_encode(const struct gc_crl_entry *e, unsigned char out[GC_CRL_ENTRY_MAX]);
gc_result gc_crl_enc_init(const struct gc_crl_params *, struct gc_crl_enc *out) GC_MUST_CHECK;
void gc_crl_enc_clear(struct gc_crl_enc *);
/* signatureAlgorithm and signatureValue, the CertificateList's last two fields. */
gc_result gc_crl_enc_signature(const unsigned char *sig, size_t siglen, unsigned char **out,
                               size_t *outsz) GC_MUST_CHECK;

/* The first URI of a certificate's first cRLDistributionPoint (App. B: its partition);
 * "" when it has none or der does not parse. */
void gc_cert_dp_url(const unsigned char *der, size_t dersz, char *out, size_t outsz);

#endif
