/*
 * review.c - the daily review (CPS §4.5.2), event classes (§4.5.1, §4.5.7) and the
 * retention rule (§4.5.3).
 */
#include "audit/review.h"

#include "audit/audit.h"
#include "audit/seal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "store/db.h"

/* §4.5.1: installation, change and configuration of the CA; privileged access; key
 * operations; backups and recovery. Names of events other modules add are listed too,
 * so a reviewer sees them as soon as they exist. */
static const char *const privileged[] = {
	"ca.init", "ca.key_generated", "ca.cert_issued", "ca.compromise", "ca.cert_revoked",
	"ca.activated", "ca.deactivated", "ca.changeover", "arl.issued", "service.cert_made",
	"peer.pinned", "peer.unpinned", "config.changed", "audit.key_made", "audit.verify_failed",
	"audit.purge_refused", "audit.purged", "archive.exported", "backup.made", "backup.restored",
	"dr.promoted", "dr.drill",
	/* the RA's (its B/D's daily review): appointments, settings, tokens, key custody */
	"ra.init", "ra.key_generated", "ra.user_added", "ra.roles_changed", "ra.user_unlocked", "ra.org_changed",
	"ra.app_token_made", "ra.key_approved", "ra.key_exported",
};

/* §4.5.7: each of these is mailed on its own; repeated failures are counted apart. */
static const char *const significant[] = {
	"ca.init", "ca.key_generated", "ca.compromise", "ca.cert_revoked", "ca.activated",
	"ca.activation_failed", "ca.deactivated", "ca.changeover", "peer.pinned", "peer.unpinned", "config.changed",
	"audit.key_made", "audit.verify_failed", "audit.purge_refused", "audit.purged", "backup.made",
	"backup.restored", "crl.blocked", "dr.promoted",
};

static bool in(const char *const *list, size_t n, const char *event)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], event) == 0)
			return true;
	return false;
}

bool gc_audit_event_privileged(const char *event)
{
	return in(privileged, sizeof(privileged) / sizeof(privileged[0]), event);
}

bool gc_audit_event_significant(const char *event)
{
	return in(significant, sizeof(significant) / sizeof(significant[0]), event);
}

bool gc_hk_day_parse(const char *day, int64_t *start)
{
	char iso[32];
	int64_t t;

	if (strlen(day) != 10)
		return false;
	snprintf(iso, sizeof(iso), "%sT00:00:00Z", day);
	if (!gc_time_parse(iso, &t))
		return false;
	*start = t - GC_HK_UTC_OFFSET;
	return true;
}

static json_t *record_json(struct gc_stmt *st)
{
	char at[21];

	gc_time_format(gc_stmt_int64(st, 1), at);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)gc_stmt_int64(st, 0),
	                 "at", at, "actor", gc_stmt_text(st, 2), "event", gc_stmt_text(st, 3),
	                 "object", gc_stmt_text(st, 4), "outcome", gc_stmt_text(st, 5), "detail",
	                 gc_stmt_text(st, 6));
}

static void count(json_t *by_event, const char *event, const char *outcome)
{
	json_t *e = json_object_get(by_event, event), *n;

	if (e == NULL) {
		e = json_pack("{s:i, s:i}", "success", 0, "failure", 0);
		json_object_set_new(by_event, event, e);
	}
	n = json_object_get(e, outcome);
	if (n != NULL)
		json_integer_set(n, json_integer_value(n) + 1);
}

gc_result gc_audit_report(struct gc_db *db, int64_t day_start, void **out)
{
	struct gc_stmt *st;
	json_t *r, *by_event, *failures, *priv;
	char from[21], to[21];
	long records = 0;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT id, at, actor, event, object, outcome, detail FROM audit_log"
	                           " WHERE at >= ? AND at < ? ORDER BY id", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, day_start)) != GC_OK ||
	    (rc = gc_stmt_bind_int64(st, 2, day_start + 86400)) != GC_OK) {
		gc_stmt_free(st);
		return rc;
	}
	by_event = json_object();
	failures = json_array();
	priv = json_array();
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		const char *event = gc_stmt_text(st, 3), *outcome = gc_stmt_text(st, 5);
		records++;
		count(by_event, event, outcome);
		if (strcmp(outcome, "failure") == 0)
			json_array_append_new(failures, record_json(st));
		if (gc_audit_event_privileged(event))
			json_array_append_new(priv, record_json(st));
	}
	gc_stmt_free(st);
	gc_time_format(day_start, from);
	gc_time_format(day_start + 86400, to);
	r = json_pack("{s:s, s:s, s:i, s:o, s:o, s:o}", "from", from, "to", to, "records",
	              (int)records, "by_event", by_event, "failures", failures, "privileged", priv);
	if (rc != GC_OK || r == NULL) {
		json_decref(r);
		return rc != GC_OK ? rc : gc_fail(GC_E_NOMEM, "audit report: out of memory");
	}
	*out = r;
	return GC_OK;
}

gc_result gc_audit_purge_check(struct gc_db *db, int64_t before, int64_t now, long *n)
{
	struct gc_stmt *st;
	int64_t oldest_allowed = gc_time_add_years(now, -GC_AUDIT_RETENTION_YEARS);
	char limit[21], asked[21];
	bool row;
	gc_result rc;

	gc_time_format(oldest_allowed, limit);
	gc_time_format(before, asked);
	GC_ENSURE(before <= oldest_allowed, GC_E_RETENTION,
	          "audit purge --before %.10s: CPS §4.5.3: audit records are kept 7 years; only "
	          "records from before %s may be purged", asked, limit);
	GC_GUARD(gc_db_prepare(db, "SELECT count(*) FROM audit_log WHERE at < ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, before)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK)
		*n = row ? (long)gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

/* The newest checkpoint signed before `before`: every record it seals is older. */
static gc_result purge_anchor(struct gc_db *db, int64_t before, struct gc_audit_purge *p)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT id, last_id, last_hash, at FROM audit_checkpoints WHERE at < ?"
	                           " ORDER BY id DESC LIMIT 1", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, before)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		p->checkpoint_id = gc_stmt_int64(st, 0);
		p->anchor_id = gc_stmt_int64(st, 1);
		snprintf(p->anchor_hash, sizeof(p->anchor_hash), "%s", gc_stmt_text(st, 2));
		p->checkpoint_at = gc_stmt_int64(st, 3);
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result first_record(struct gc_db *db, int64_t *first)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT coalesce(min(id), 0) FROM audit_log", &st));
	if ((rc = gc_stmt_step(st, &row)) == GC_OK)
		*first = row ? gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

static gc_result insert_purge(struct gc_db *db, const struct gc_audit_purge *p, int64_t before, int64_t now)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "INSERT INTO audit_purges (checkpoint_id, below_id, before_at, at)"
	                           " VALUES (?, ?, ?, ?)", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, p->checkpoint_id)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 2, p->anchor_id)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 3, before)) == GC_OK && (rc = gc_stmt_bind_int64(st, 4, now)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

static gc_result delete_below(struct gc_db *db, int64_t id)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "DELETE FROM audit_log WHERE id < ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

/* One transaction: the purge row, its audit record, the delete. */
static gc_result purge_commit(struct gc_db *db, struct gc_audit *audit, const char *actor, int64_t before,
                              int64_t now, struct gc_audit_purge *p)
{
	char object[48], detail[600], cp_at[21], day[21];
	gc_result rc;

	gc_time_format(p->checkpoint_at, cp_at);
	gc_time_format(before, day);
	snprintf(object, sizeof(object), "checkpoint %lld", (long long)p->checkpoint_id);
	snprintf(detail, sizeof(detail), "CPS §4.5.3: %lld records %lld..%lld, all older than 7 years "
	         "(before %.10s), removed; record %lld (hash %s), sealed by checkpoint %lld signed at %s, "
	         "anchors the chain", (long long)p->purged, (long long)p->first_id,
	         (long long)p->anchor_id - 1, day, (long long)p->anchor_id, p->anchor_hash,
	         (long long)p->checkpoint_id, cp_at);
	GC_GUARD(gc_db_begin(db));
	GC_GUARD_OUT(rc, insert_purge(db, p, before, now));
	GC_GUARD_OUT(rc, gc_audit_append(audit, actor, GC_EV_AUDIT_PURGED, object, true, detail));
	GC_GUARD_OUT(rc, delete_below(db, p->anchor_id));
	return gc_db_commit(db);
out:
	gc_db_rollback(db);
	return rc;
}

gc_result gc_audit_purge(struct gc_db *db, struct gc_audit *audit, const char *actor, int64_t before,
                         int64_t now, struct gc_audit_purge *p)
{
	struct gc_audit_check chk;
	long older = 0;

	memset(p, 0, sizeof(*p));
	GC_GUARD(gc_audit_purge_check(db, before, now, &older));
	/* what is removed can never be checked again: only a trail that verifies now */
	GC_GUARD(gc_audit_verify(db, &chk));
	GC_GUARD(first_record(db, &p->first_id));
	GC_GUARD(purge_anchor(db, before, p));
	if (p->checkpoint_id == 0 || p->anchor_id <= p->first_id)
		return GC_OK; /* nothing sealed before that day that is still here */
	p->purged = p->anchor_id - p->first_id;
	return purge_commit(db, audit, actor, before, now, p);
}
