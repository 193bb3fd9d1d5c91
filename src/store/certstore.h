/*
 * certstore.h - reading issued certificates for operators (`gcert cert show/list`).
 */
#ifndef GCERT_STORE_CERTSTORE_H
#define GCERT_STORE_CERTSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct gc_db;

struct gc_cert_row {
	char serial[41];
	char status[16];
	char cert_type[24];
	char subject_cn[260];
	char email[260];
	char organisation[260];
	char subscriber_ref[11];
	char request_id[72];
	int64_t not_before, not_after, issued_at;
	unsigned char *der; /* NULL while only reserved; caller frees */
	size_t dersz;
};

/* serial is 40 hex digits (either case). GC_E_NOT_FOUND when there is none. */
gc_result gc_certstore_get(struct gc_db *, const char *serial, struct gc_cert_row *out) GC_MUST_CHECK;
/* Calls fn for at most limit certificates, newest first (der not loaded). */
gc_result gc_certstore_list(struct gc_db *, long limit,
                            void (*fn)(const struct gc_cert_row *, void *), void *arg) GC_MUST_CHECK;

#endif
