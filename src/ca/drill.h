/*
 * drill.h - the recovery site of CPS §4.8.1 ("a tested recovery site at least 10 km
 * away, yearly drills"): a PostgreSQL hot standby of the CA's database (README "The
 * recovery site"). Two operations:
 *   - promotion: the standby made the live database and this CA directory pointed at
 *     it, in one command that can be run again until it is done (on every node);
 *   - the yearly drill: the standby compared with the live database, figure by figure,
 *     in a report signed by the audit key and recorded in the audit trail.
 */
#ifndef GCERT_CA_DRILL_H
#define GCERT_CA_DRILL_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/ca.h"
#include "store/drstore.h"

/* How long a drill waits, by default and at most, for the standby to replay up to the
 * live server. It holds the write lock meanwhile: other writers wait for it, and give up
 * after the lock_timeout of 30 s (store/db_pg.c), so the wait stays well below. */
#define GC_DR_DRILL_WAIT_SECONDS 10
#define GC_DR_DRILL_MAX_WAIT 20

struct gc_dr_promotion {
	bool promoted_now; /* this run promoted the standby (else it was promoted already) */
	bool repointed;    /* this run rewrote database.postgresql (else it named `to` already) */
	int64_t promote_ms;
	int64_t audit_id;  /* the dr.promoted record */
};

/*
 * Makes the standby at `to` the CA's database and points the CA directory dir at it.
 * In this order, so that a run cut short leaves nothing an operator must mend by hand,
 * only the same command to run again:
 *   1. the old primary (database.postgresql) must not answer as a primary: were it up,
 *      two primaries would split the CA's records (GC_E_DR_STATE; stop or fence it);
 *   2. `to` must hold this CA (it recorded this directory's gcert.json);
 *   3. the standby is promoted (nothing when it already was: another node did it);
 *   4. gcert.json is rewritten atomically with database.postgresql = to;
 *   5. the CA is opened on it: config.changed and dr.promoted are recorded there.
 * Each step is skipped when a run before did it; a further node runs the same command.
 */
gc_result gc_dr_promote(const char *dir, const char *actor, const char *to, struct gc_dr_promotion *) GC_MUST_CHECK;

struct gc_dr_drill {
	struct gc_dr_figures live, standby;
	struct gc_dr_server live_srv, standby_srv;
	int64_t rows_compared;   /* rows of the live database hashed and compared */
	int64_t behind_start;    /* bytes of WAL the standby had to replay when the drill began */
	int64_t behind_end;      /* ... when it compared (0: caught up) */
	int64_t catch_up_ms;     /* how long it took to catch up */
	int64_t promote_ms;      /* the last recorded promotion's time (-1: none recorded) */
	int64_t promote_audit_id;
	int differences;
	char summary[2048];      /* the differences, each named; or "no difference" */
	char report_sha256[65];  /* of the signed report file */
	int64_t audit_id;        /* the dr.drill record */
};

/*
 * The yearly drill: compares the live database of ca (needs the token: the audit key
 * signs the report) with the standby at `standby`. The live figures are read holding the
 * database's write lock (gc_db_begin: no gcert process commits meanwhile); the standby is
 * given up to wait_seconds to replay up to the live server's WAL position, then its
 * figures are read. Writes out (never over an existing file): a CMS SignedData, DER, of
 * the JSON report, signed by the audit key; records dr.drill. Any difference, or a
 * standby that did not catch up, is GC_E_DR_DIFFERS naming each (after the report and
 * its record are written).
 */
gc_result gc_dr_drill(struct gc_ca *, const char *standby, const char *out, int wait_seconds,
                      struct gc_dr_drill *) GC_MUST_CHECK;

#endif
