/*
 * review.h - reading the audit trail back: the daily review (CPS §4.5.2), the classes of
 * events that reviewers and alerts care about (§4.5.1, §4.5.7), and the retention rule
 * (§4.5.3: audit records are kept seven years).
 */
#ifndef GCERT_AUDIT_REVIEW_H
#define GCERT_AUDIT_REVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

struct gc_db;
struct gc_audit;

struct gc_db;

/* §4.5.3, §4.6.2: seven years. */
#define GC_AUDIT_RETENTION_YEARS 7
/* The review day is a Hong Kong day (UTC+8, no daylight saving). */
#define GC_HK_UTC_OFFSET (8 * 3600)

/* Privileged actions (§4.5.1: installation, configuration, privileged access, keys). */
bool gc_audit_event_privileged(const char *event);
/* Significant events that raise an alert by themselves (§4.5.7). */
bool gc_audit_event_significant(const char *event);

/* Parses "YYYY-MM-DD" as a Hong Kong calendar day: *start is its first second in UTC. */
bool gc_hk_day_parse(const char *day, int64_t *start);

/*
 * The daily review of one Hong Kong day as a JSON object (a json_t *, caller decrefs):
 * {"day", "from", "to", "records", "by_event": {event: {"success": n, "failure": n}},
 *  "failures": [record...], "privileged": [record...]}.
 */
gc_result gc_audit_report(struct gc_db *, int64_t day_start, void **json) GC_MUST_CHECK;

/*
 * Whether records before `before` may be purged at `now`: refused (GC_E_RETENTION) when
 * any of them would be younger than seven years. *count is how many records are older.
 */
gc_result gc_audit_purge_check(struct gc_db *, int64_t before, int64_t now, long *count) GC_MUST_CHECK;

struct gc_audit_purge {
	int64_t purged;        /* records removed (0: nothing to purge) */
	int64_t first_id;      /* the first record before the purge */
	int64_t anchor_id;     /* the first record kept: sealed by the checkpoint */
	int64_t checkpoint_id, checkpoint_at;
	char anchor_hash[65];
};

/*
 * CPS §4.5.3: removes the records older than seven years, up to the newest checkpoint
 * signed before `before` (the record it sealed stays and anchors the chain; the
 * checkpoints all stay), with an audit.purged record naming the range, in one
 * transaction. Refused (GC_E_RETENTION) when `before` is inside the retention, and
 * (GC_E_AUDIT_TAMPERED) when the trail does not verify. `gcert audit verify` checks
 * afterwards that the trail starts at a checkpoint and that the purge was legal.
 */
gc_result gc_audit_purge(struct gc_db *, struct gc_audit *, const char *actor, int64_t before, int64_t now,
                         struct gc_audit_purge *) GC_MUST_CHECK;

#endif
