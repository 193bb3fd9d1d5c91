/*
 * lint.h - the profile linter: every TBSCertificate, certificate and CRL is checked
 * against the CPS profile (CPS App. B, App. C; SPEC §2.1, §4.1, §4.2) and RFC 5280
 * structure before the CA key signs it (docs/design.md "The issuance path"), and the same
 * checks serve `gcert lint` for operators and auditors.
 *
 * The linter is independent of the builder (x509/certbuild.c): it parses the DER with
 * its own strict reader (lint/cursor.h) and shares only the profile DATA tables of
 * core/profile.c, which are the CPS rows themselves. A builder bug therefore shows up
 * here instead of being repeated here.
 *
 * Every finding names the field and the CPS row or RFC clause it breaks, e.g.
 * "subject: CPS App. B 1) subject: RDN 3 must be OU (subscriber reference number), got CN".
 */
#ifndef GCERT_LINT_LINT_H
#define GCERT_LINT_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/profile.h"

/* Findings kept per object; more are counted in dropped (one is enough to block). */
#define GC_LINT_MAX_FINDINGS 24

struct gc_lint_finding {
	char field[48];    /* "subject", "extensions.keyUsage", "crl.cRLNumber" */
	char message[224]; /* the rule and what was found */
};

struct gc_lint_report {
	unsigned n;
	unsigned dropped;
	struct gc_lint_finding f[GC_LINT_MAX_FINDINGS];
};

/*
 * What the linter knows of an issuing CA, read from its certificate's DER by the
 * linter's own parser. Certificates it issues must carry its subject as issuer
 * (byte for byte), its SKI as AKI keyIdentifier, its issuer and serial as AKI
 * authorityCertIssuer and authorityCertSerialNumber (CPS App. B), and fit inside its
 * validity (RFC 5280 §6.1.3, SPEC §2.1).
 */
struct gc_lint_issuer {
	uint8_t *der; /* owned copy; the pointers below point into it */
	size_t dersz;
	const uint8_t *subject, *issuer, *serial, *spki;
	size_t subjectsz, issuersz, serialsz, spkisz;
	uint8_t ski[20];
	bool has_ski;
	int64_t not_before, not_after;
};

gc_result gc_lint_issuer_load(const uint8_t *der, size_t dersz, struct gc_lint_issuer *out) GC_MUST_CHECK;
void gc_lint_issuer_clear(struct gc_lint_issuer *);

enum gc_lint_kind {
	GC_LINT_DETECT,  /* decide from basicConstraints and the names (gcert lint) */
	GC_LINT_EE,      /* a g-Cert, CPS App. B */
	GC_LINT_ROOT,    /* Root CA 2, App. G: self-signed CA certificate */
	GC_LINT_ISSUING, /* e-Cert CA 2 - 17, App. G: CA certificate, pathLen 0 */
	/* CPS §4.7 root changeover: one root's key certified by the other root (a link
	 * certificate, RFC 4210 §4.4): subject a root name (the root CN of ca_names), cA
	 * without pathLen, inside its issuer's validity; `root` is its issuer */
	GC_LINT_LINK,
};

struct gc_lint_cert_expect {
	enum gc_lint_kind kind;
	const struct gc_profile *profile;    /* EE: NULL detects it from subject O */
	const struct gc_lint_issuer *issuer; /* NULL: names checked against the CPS defaults */
	const struct gc_lint_issuer *root;   /* the issuer of an issuing CA certificate */
	const char *cps_uri;                 /* NULL: CPS_DEFAULT_CPS_URI */
	const char *crl_dp;                  /* NULL: CPS_DEFAULT_CRL_DP */
	/* CA names for CA certificates and for issuers when no issuer is given: C, ST, L,
	 * O, then the root CN and the issuing CN. NULL: the CPS defaults (cps.h). */
	const char *const *ca_names;
	/* EE on the issuance path: the approved values by gc_field (GC_F_SUBSCRIBER_REF
	 * included); each subject and subjectAltName value must equal them. NULL: only
	 * their form is checked. */
	const char *const *fields;
	/* Exact validity the caller meant (0: only the CPS bounds are checked). */
	int64_t not_before, not_after;
	/* The serial the caller reserved, CPS_SERIAL_OCTETS octets (NULL: not checked). */
	const uint8_t *serial;
	/* CPS §4.8.3: a subscriber key certified again under a new issuing CA keeps the old
	 * certificate's end: the 1-3 year rule of §1.2.5 does not apply (the period must still
	 * be the approved one and lie inside the issuing CA's). */
	bool recertification;
};

/* What the caller of the CRL lint knows (CPS App. C; SPEC §4.1, §4.2). */
enum gc_lint_crl_kind {
	GC_LINT_CRL_DETECT,    /* gcert lint: from the issuingDistributionPoint */
	GC_LINT_CRL_FULL,      /* App. C I full CRL: no issuingDistributionPoint */
	GC_LINT_CRL_PARTITION, /* App. C I partitioned CRL: IDP critical, its URL */
	GC_LINT_ARL,           /* App. C II ARL by the root: IDP onlyContainsCACerts */
};

/*
 * App. C II's ARL AKI: keyIdentifier, authorityCertIssuer and serial of the root's
 * certificate (FULL) while the root key has one certificate; keyIdentifier alone
 * (KEY_ONLY) once link certificates of a root changeover certify the same key (CPS
 * §4.7), so that a relying party holding either certificate matches it; ANY: either
 * (gcert lint of a file, which does not know the links).
 */
enum gc_lint_aki_form { GC_LINT_AKI_FULL, GC_LINT_AKI_KEY_ONLY, GC_LINT_AKI_ANY };

/*
 * issue 18: the linter reads a CRL front to back (the signature's digest, then the
 * entries), so a caller that mapped a large one can drop the pages it has read for the
 * last time and keep its memory flat in the CRL's size. done(upto) says no octet before
 * upto is read again by this pass; it is called every GC_LINT_PROGRESS_STEP octets or so,
 * with upto increasing. The octets checked are those of the buffer, as without it.
 */
#define GC_LINT_PROGRESS_STEP (4u << 20)
struct gc_lint_progress {
	void (*done)(const uint8_t *upto, void *arg);
	void *arg;
};

struct gc_lint_crl_expect {
	enum gc_lint_crl_kind kind;
	const struct gc_lint_issuer *issuer; /* NULL: issuer name checked against CPS defaults */
	const struct gc_lint_issuer *root;   /* the ARL's issuer (DETECT may pick it) */
	const char *const *ca_names;         /* as for certificates */
	const char *partition_url;           /* NULL: CPS_DEFAULT_CRL_DP */
	/* The previous cRLNumber of this CRL's series, big-endian unsigned; this one must
	 * be greater (App. C: monotonically increasing). NULL: not checked. */
	const uint8_t *prev_number;
	size_t prev_number_len;
	/* When set: thisUpdate must not be after now, nextUpdate must be after it. */
	int64_t now;
	/* When set: nextUpdate - thisUpdate must not exceed this many seconds. */
	int64_t max_period;
	/* The ARL's authorityKeyIdentifier (CRLs of issuing CAs are always FULL, App. C I). */
	enum gc_lint_aki_form aki;
	/* NULL: none; see struct gc_lint_progress */
	const struct gc_lint_progress *progress;
};

/* Lints a TBSCertificate (the bytes the token is about to sign). */
void gc_lint_tbs(const uint8_t *tbs, size_t len, const struct gc_lint_cert_expect *,
                 struct gc_lint_report *);
/* Lints a signed Certificate: the TBS as above, the outer algorithm and signature
 * shape, and the signature itself when the expectation names the issuer. */
void gc_lint_cert(const uint8_t *der, size_t len, const struct gc_lint_cert_expect *,
                  struct gc_lint_report *);
/* Lints a signed CertificateList (CRL or ARL). */
void gc_lint_crl(const uint8_t *der, size_t len, const struct gc_lint_crl_expect *,
                 struct gc_lint_report *);

/* True when DER looks like a CertificateList rather than a Certificate (for gcert lint,
 * which accepts both): its TBS has a time where a certificate has its validity. */
bool gc_lint_is_crl(const uint8_t *der, size_t len);

/*
 * One entry of a CRL, for the completeness check after CRL generation (issue 10: every
 * revoked, unexpired certificate of the CRL's scope is on it with the right reason and
 * date). serial points into the CRL: the INTEGER's content octets.
 */
struct gc_lint_crl_entry {
	const uint8_t *serial;
	size_t serialsz;
	int64_t revoked_at;
	int reason; /* reasonCode, or -1 when the entry has none */
};

/*
 * Calls fn for every entry of a CRL in the order it holds them, reading the DER with
 * the linter's strict reader; fn returns false to stop. Returns false when the CRL
 * could not be read to its end (it also deserves a gc_lint_crl finding then).
 */
bool gc_lint_crl_foreach(const uint8_t *der, size_t len,
                         bool (*fn)(const struct gc_lint_crl_entry *, void *), void *arg);
/* The same, telling progress (which may be NULL) what it has read. */
bool gc_lint_crl_foreach_progress(const uint8_t *der, size_t len, const struct gc_lint_progress *progress,
                                  bool (*fn)(const struct gc_lint_crl_entry *, void *), void *arg);

/* The TBS bytes inside a signed Certificate or CertificateList whose outer frame is
 * DER; false otherwise. *tbs points into der. */
bool gc_lint_signed_tbs(const uint8_t *der, size_t len, const uint8_t **tbs, size_t *tbssz);

/* Resets a report before use. */
void gc_lint_report_init(struct gc_lint_report *);
/* Records a finding (used by the lint modules). */
void gc_lint_add(struct gc_lint_report *, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Turns a non-empty report into GC_E_LINT with the first finding (and the count of the
 * others) in the error detail, naming obj ("request req-1", "CRL"). GC_OK when empty.
 */
gc_result gc_lint_result(const struct gc_lint_report *, const char *obj) GC_MUST_CHECK;

#endif
