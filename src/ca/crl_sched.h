/*
 * crl_sched.h - the CRL scheduler as a worker of the CA service (`gcert ca serve
 * --crl-schedule`): CPS App. C I CRLs at the configured times (01:15, 06:15, 11:00 UTC),
 * a slot missed while the service was down at once on start, the ARL yearly (App. C II).
 * Each round is gc_crl_run_due on the worker's own database connection; a failed round is
 * audited (crl.issued, outcome failure) and retried a minute later.
 */
#ifndef GCERT_CA_CRL_SCHED_H
#define GCERT_CA_CRL_SCHED_H

#include "ca/ca.h"

struct gc_crl_sched;

/* ca must have its token open; the scheduler works on a gc_ca_worker of it. */
gc_result gc_crl_sched_new(const struct gc_ca *ca, const char *actor,
                           struct gc_crl_sched **out) GC_MUST_CHECK;
gc_result gc_crl_sched_start(void *sched) GC_MUST_CHECK;
void gc_crl_sched_stop(void *sched);
void gc_crl_sched_free(struct gc_crl_sched *);
/* CRL runs done since start (for tests and the operator's status line). */
long gc_crl_sched_runs(struct gc_crl_sched *);

#endif
