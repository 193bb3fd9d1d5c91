/*
 * revoke.h - revocation (CPS §4.4): permanent, recorded with when the request was
 * received and when the revocation first appeared in a published CRL, so that the
 * §4.4.3 service level (two working days) can be checked; and the CA key compromise
 * procedure of §4.8.2-§4.8.3 (revoke everything, announce, re-certify under a new CA).
 */
#ifndef GCERT_CA_REVOKE_H
#define GCERT_CA_REVOKE_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/ca.h"
#include "ca/crl.h"
#include "core/calendar.h"

struct gc_revocation {
	char serial[41];
	char scope[4];        /* "ee" (g-Cert) or "ca" (a CA certificate, on the ARL) */
	int reason;           /* App. C I reasonCode */
	int64_t requested_at; /* §4.4.3: receipt of the request (or the CA's decision) */
	int64_t revoked_at;   /* revocationDate on the CRL */
	int64_t not_after;
	int64_t published_at; /* first published CRL; 0 while not yet published */
	int64_t deadline;     /* §4.4.3: two working days after receipt (exclusive) */
	bool overdue;
	char dp[256];         /* the partition (cRLDistributionPoints) it is listed on */
};

/* The App. C I name of a reason code ("keyCompromise"); NULL outside 0..6. */
const char *gc_reason_name(int reason);
/* Parses a reason code: "0".."6" or its App. C I name. */
bool gc_reason_parse(const char *s, int *reason);

/*
 * Revokes the g-Cert with serial (40 hex digits). Refused with a precise code, and an
 * audit record of the refusal, when the serial is unknown (GC_E_NOT_FOUND), already
 * revoked (GC_E_ALREADY_REVOKED), a CA certificate or never issued (GC_E_NOT_REVOCABLE),
 * or the receipt time lies in the future (GC_E_BAD_TIME). The revocation and its audit
 * record commit together; it takes effect when a CRL publishes it (§4.4.4).
 */
gc_result gc_ca_revoke(struct gc_ca *, const char *serial, int reason, int64_t requested_at,
                       int64_t now, struct gc_revocation *out) GC_MUST_CHECK;

/* The working-day calendar of the CA directory: shipped holidays plus warning days. */
gc_result gc_ca_calendar(const struct gc_ca *, struct gc_calendar *out) GC_MUST_CHECK;

/*
 * §4.4.3: records a day on which a tropical cyclone or rainstorm warning was hoisted
 * ("YYYY-MM-DD", a note up to 100 printable characters) in the warning-days file, which
 * is rewritten atomically; audited. A day already listed is GC_E_CALENDAR.
 */
gc_result gc_ca_add_warning_day(struct gc_ca *, const char *day, const char *note) GC_MUST_CHECK;
/* Whether the public holiday file lists any day of year (else deadlines then miss holidays). */
gc_result gc_ca_holidays_cover(const struct gc_ca *, int year, bool *covered) GC_MUST_CHECK;

/* Calls fn for each revocation (newest receipt first), or only the overdue ones. */
gc_result gc_revocations_list(struct gc_ca *, const struct gc_calendar *, bool overdue_only,
                              int64_t now, long limit,
                              void (*fn)(const struct gc_revocation *, void *), void *arg) GC_MUST_CHECK;

struct gc_compromise_result {
	char ca_serial[41];
	char ca_cn[260];
	int64_t revoked;                /* g-Certs revoked now (cACompromise) */
	char announcement[GC_MAX_PATH]; /* the §4.8.2 list of revoked serials */
	struct gc_crl_result crls[GC_CRL_MAX_RESULTS];
	size_t ncrls;
	struct gc_crl_result arl;
};

/*
 * CPS §4.8.2: the current issuing CA's key is compromised. In one transaction every
 * certificate it issued that is not yet revoked, and the CA certificate itself (on the
 * root's ARL), are revoked with reason cACompromise; then its CRLs and the ARL are
 * issued at once, and the announcement listing the revoked serials is written to
 * DIR/announcements/.
 */
gc_result gc_ca_compromise(struct gc_ca *, int64_t now, struct gc_compromise_result *) GC_MUST_CHECK;

struct gc_reissue_result {
	char ca_serial[41];
	char ca_cn[260];
	int64_t reissued;
	size_t crls;               /* the first CRLs and ARLs published (gc_crl_publish_all) */
	char mapping[GC_MAX_PATH]; /* old serial -> new serial, one per line */
	char bundle[GC_MAX_PATH];  /* the new certificates, PEM */
};

/*
 * CPS §4.8.3: after a compromise, makes the new issuing CA named by the configuration
 * (issuing.cn, issuing.key_label, profile.crl_dp, profile.full_crl_url must all differ from
 * the compromised CA's) with a new key in the token, certified by the root, and
 * certifies the subscriber public keys of every unexpired certificate revoked for the
 * compromise again under it, until the old notAfter. Rerunning finishes what a crash
 * left undone and issues nothing twice. ca must be opened with GC_NEED_ROOT_KEY.
 */
gc_result gc_ca_reissue(struct gc_ca *, int64_t now, struct gc_reissue_result *) GC_MUST_CHECK;

#endif
