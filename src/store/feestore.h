/* feestore.h - the fee ledger (CPS §2.4): HK$20 per certificate per year of validity. */
#ifndef GCERT_STORE_FEESTORE_H
#define GCERT_STORE_FEESTORE_H

#include <stdint.h>

#include "core/error.h"

struct gc_db;

struct gc_fee_row {
	char serial[41];
	char kind[8]; /* issue | renew */
	int validity_years;
	int amount_hkd;
	int64_t charged_at;
};

/* Calls fn for each fee charged to organisation in year (Hong Kong calendar), oldest
 * first; *total is their sum. */
gc_result gc_fees_for(struct gc_db *, const char *organisation, int year,
                      void (*fn)(const struct gc_fee_row *, void *), void *arg,
                      long *count, long *total) GC_MUST_CHECK;

#endif
