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
	char note[200];    /* why it warns */
};

/* Calls fn for every CA certificate and the newest CRL of every series; *warnings counts
 * the items that warn. */
gc_result gc_ca_status(struct gc_ca *, int64_t now, void (*fn)(const struct gc_status_item *, void *),
                       void *arg, int *warnings) GC_MUST_CHECK;

#endif
