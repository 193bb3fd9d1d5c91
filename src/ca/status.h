/*
 * status.h - what an operator must not miss (`gcert ca status`): each CA certificate's
 * remaining life (CPS §4.7: renewed at least three months before it expires) and each
 * published CRL's nextUpdate (issue 10: a CRL never lapses unnoticed).
 */
#ifndef GCERT_CA_STATUS_H
#define GCERT_CA_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/ca.h"

struct gc_status_item {
	const char *kind;  /* "root", "issuing", "crl", "arl" */
	char name[320];    /* the CA's CN, or the CRL's URL */
	int64_t until;     /* notAfter, or nextUpdate */
	int64_t number;    /* cRLNumber (CRLs) */
	bool current;      /* a CA certificate in use (not replaced) */
	bool warn;
	bool check;        /* a check of the service, not a certificate or CRL */
	char note[320];    /* why it warns */
};

/* Calls fn for every CA certificate and the newest CRL of every series; *warnings counts
 * the items that warn. */
gc_result gc_ca_status(struct gc_ca *, int64_t now, void (*fn)(const struct gc_status_item *, void *),
                       void *arg, int *warnings) GC_MUST_CHECK;

/* A worker of the CA service says it runs (stopped: it stopped cleanly) on this host. */
gc_result gc_status_beat(struct gc_ca *, const char *worker, int64_t now, bool stopped) GC_MUST_CHECK;
/* A beat older than this: the worker is gone (its loop beats at least every minute). */
#define GC_STATUS_BEAT_STALE_S 180

#endif
