/*
 * repo_alerts.h - audit records of refused lookups (CPS §4.5.1: suspicious network
 * activity and repeated failed access are recorded automatically). HTTP threads note a
 * refused client without waiting for the database; this worker writes, once a second,
 * one audit record per client refused in that second, in one transaction.
 */
#ifndef GCERT_CA_REPO_ALERTS_H
#define GCERT_CA_REPO_ALERTS_H

#include "core/error.h"

struct gc_repo_alerts;
gc_result gc_repo_alerts_new(const char *dbpath, const char *actor, struct gc_repo_alerts **out) GC_MUST_CHECK;
void gc_repo_alerts_free(struct gc_repo_alerts *);
gc_result gc_repo_alerts_start(void *alerts) GC_MUST_CHECK;
/* Writes what is pending, then stops. */
void gc_repo_alerts_stop(void *alerts);
/* Thread-safe and never blocks on I/O: counts one refusal of client addr (text). */
void gc_repo_alerts_note(struct gc_repo_alerts *, const char *addr);

#endif
