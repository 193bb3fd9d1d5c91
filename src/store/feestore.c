/* feestore.c - reads of the fee ledger. */
#include "store/feestore.h"

#include <stdio.h>
#include <string.h>

#include "store/db.h"

gc_result gc_fees_for(struct gc_db *db, const char *organisation, int year,
                      void (*fn)(const struct gc_fee_row *, void *), void *arg, long *count,
                      long *total)
{
	struct gc_stmt *st;
	struct gc_fee_row r;
	bool row;
	gc_result rc;

	*count = *total = 0;
	GC_GUARD(gc_db_prepare(db, "SELECT serial, kind, validity_years, amount_hkd, charged_at FROM fees"
	                           " WHERE organisation = ? AND year = ? ORDER BY charged_at, serial", &st));
	if ((rc = gc_stmt_bind_text(st, 1, organisation)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 2, year)) == GC_OK) {
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
			memset(&r, 0, sizeof(r));
			snprintf(r.serial, sizeof(r.serial), "%s", gc_stmt_text(st, 0));
			snprintf(r.kind, sizeof(r.kind), "%s", gc_stmt_text(st, 1));
			r.validity_years = (int)gc_stmt_int64(st, 2);
			r.amount_hkd = (int)gc_stmt_int64(st, 3);
			r.charged_at = gc_stmt_int64(st, 4);
			(*count)++;
			*total += r.amount_hkd;
			if (fn != NULL)
				fn(&r, arg);
		}
	}
	gc_stmt_free(st);
	return rc;
}
