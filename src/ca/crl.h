/*
 * crl.h - publishing the CRLs of the issuing CAs and the root's ARL (CPS §4.4, App. C),
 * archiving each in the database for seven years (§4.4.3, §4.6) and writing it to the
 * repository directory DIR/repo/crl/ under its CPS file name, atomically.
 */
#ifndef GCERT_CA_CRL_H
#define GCERT_CA_CRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ca/ca.h"
#include "core/calendar.h"

enum gc_crl_cause {
	GC_CRL_SCHEDULED,     /* App. C I: 01:15, 06:15, 11:00 UTC; App. C II: yearly */
	GC_CRL_SUPPLEMENTARY, /* App. C I: "supplementary CRLs may be published at any time" */
	GC_CRL_COMPROMISE,    /* §4.8.2: at once after a CA key compromise */
};

struct gc_crl_result {
	char kind[12];       /* "full", "partition", "arl" */
	char issuer_cn[260];
	char url[256];
	char path[GC_MAX_PATH]; /* the published file */
	int64_t crl_number, entries, this_update, next_update;
	size_t size;
	char sha256[65];
	double seconds; /* build, sign, verify, archive and publish, wall clock */
};

#define GC_CRL_MAX_RESULTS 32

/* The CRLs directory of a CA directory ("DIR/repo/crl"). */
gc_result gc_crl_dir(const struct gc_ca *, char *out, size_t outsz) GC_MUST_CHECK;
/*
 * Issues, for every issuing CA that still publishes (the current one, and older ones
 * whose certificate has not expired and that published before), the full CRL and one
 * partitioned CRL per distribution point. Each CRL is its own transaction: archive row,
 * first-publication marks of its revocations and audit record commit together, then
 * the file replaces the old one by rename.
 */
gc_result gc_crl_issue(struct gc_ca *, enum gc_crl_cause, int64_t now, struct gc_crl_result *res,
                       size_t max, size_t *n) GC_MUST_CHECK;
/* Issues the root's ARL (App. C II): every revoked CA certificate. */
gc_result gc_arl_issue(struct gc_ca *, enum gc_crl_cause, int64_t now,
                       struct gc_crl_result *res) GC_MUST_CHECK;
/* The current root's ARL, then those of roots replaced by a root changeover whose
 * certificate is still valid (CPS §4.7: their old keys keep signing them). */
gc_result gc_arl_issue_all(struct gc_ca *, enum gc_crl_cause, int64_t now, struct gc_crl_result *res,
                           size_t max, size_t *n) GC_MUST_CHECK;
/*
 * A new CA hierarchy publishes at once (issue 16): the key ceremony, `ca changeover`,
 * `ca new-root` and `ca reissue` end with every root's ARL and every publishing issuing
 * CA's CRLs, so a relying party can check the first certificate of a new CA without
 * waiting for anyone to run `gcert arl issue`. Supplementary CRLs (App. C I: "may be
 * published at any time"); *n: how many were issued.
 */
gc_result gc_crl_publish_all(struct gc_ca *, int64_t now, size_t *n) GC_MUST_CHECK;
/* thisUpdate of the latest CRL of kind ("full" or "arl") of the current CAs (only the
 * scheduled ones when asked); 0 if none. */
gc_result gc_crl_last_issued(struct gc_ca *, const char *kind, bool scheduled_only,
                             int64_t *at) GC_MUST_CHECK;

/*
 * App. C: one round of the schedule at clock: the CRLs when the last scheduled CRL is
 * older than the latest slot of sc (so a slot missed while down is caught up at once),
 * the ARL when the last one is a year old. *n is 0 when nothing was due. The CA service
 * calls this from its scheduler thread; `gcert crl schedule` from its loop.
 */
/* The earliest nextUpdate among the newest CRLs of every series (0 when none). */
gc_result gc_crl_earliest_expiry(struct gc_ca *, int64_t *next_update) GC_MUST_CHECK;
/*
 * CPS §4.8.1 after a restore: CRLs published after the backup are not in its database,
 * so every issuer's next cRLNumber is raised to at least the clock in microseconds (see
 * migration 8), which no number given before can have reached. Inside the caller's
 * transaction; *floor is the floor set.
 */
gc_result gc_crl_set_floor(struct gc_ca *, const char *reason, int64_t *floor) GC_MUST_CHECK;
/* What a round at clock would issue: the CRLs, the ARL (without issuing anything). */
gc_result gc_crl_due(struct gc_ca *, const struct gc_schedule *sc, int64_t clock, bool *crls,
                     bool *arl) GC_MUST_CHECK;
/* ... and a supplementary CRL (or ARL) when a revocation has waited
 * crl.supplementary_delay_seconds for one (issue 17: an approved revocation reaches a
 * published CRL without anyone running a command). */
gc_result gc_crl_run_due(struct gc_ca *, const struct gc_schedule *sc, int64_t clock,
                         struct gc_crl_result *res, size_t max, size_t *n) GC_MUST_CHECK;

/* Revocations not yet on a published CRL (ee) or ARL (ca), and the oldest of each. */
struct gc_unpublished {
	int64_t ee, ee_oldest, ca, ca_oldest;
};
gc_result gc_crl_unpublished(struct gc_ca *, struct gc_unpublished *) GC_MUST_CHECK;
/* When the next round has something to do: the next slot, or sooner a revocation's
 * supplementary CRL. */
gc_result gc_crl_next_wake(struct gc_ca *, const struct gc_schedule *sc, int64_t clock,
                           int64_t *at) GC_MUST_CHECK;

#endif
