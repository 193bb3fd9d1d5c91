/*
 * drstore.c - the recovery site's SQL (CPS §4.8.1): drill figures, replication state and
 * promotion of a PostgreSQL hot standby (drstore.h). PostgreSQL's own functions
 * (sha256, pg_promote, pg_last_wal_replay_lsn) are used here and nowhere else.
 */
#include "store/drstore.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/db.h"

/* What a drill compares: what the CA acknowledged to someone (certificates, revocations,
 * CRLs, audit trail, interface results and files) and what identifies the CA. */
static const char *const dr_tables[GC_DR_TABLES] = {
	"ca_certs", "certificates", "subscribers", "revocations", "crls",
	"audit_log", "audit_checkpoints", "iface_results", "iface_files",
};

static gc_result need_pg(struct gc_db *db)
{
	GC_ENSURE(gc_db_kind(db) == GC_DB_POSTGRESQL, GC_E_CONFIG,
	          "recovery site: the database is SQLite; a recovery site is a PostgreSQL hot standby "
	          "(streaming replication, README \"The recovery site\")");
	return GC_OK;
}

/* One row of one query: runs sql, *row says whether it gave one; the statement stays open
 * for the caller's readers (free it after). */
static gc_result one_row(struct gc_db *db, const char *sql, struct gc_stmt **st, bool *row)
{
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, sql, st));
	if ((rc = gc_stmt_step(*st, row)) != GC_OK) {
		gc_stmt_free(*st);
		*st = NULL;
	}
	return rc;
}

static gc_result table_figures(struct gc_db *db, struct gc_dr_table *t)
{
	char sql[512];
	struct gc_stmt *st;
	bool row, has;

	t->rows = 0;
	t->sha256[0] = '\0';
	GC_GUARD(gc_db_has_table(db, t->name, &has));
	if (!has) {
		snprintf(t->sha256, sizeof(t->sha256), "absent");
		return GC_OK;
	}
	snprintf(sql, sizeof(sql),
	         "SELECT count(*), encode(sha256(coalesce(string_agg(h, ''::bytea ORDER BY h), ''::bytea)), 'hex')"
	         " FROM (SELECT sha256(convert_to(t::text, 'UTF8')) AS h FROM %s t) s", t->name);
	GC_GUARD(one_row(db, sql, &st, &row));
	if (row) {
		t->rows = gc_stmt_int64(st, 0);
		snprintf(t->sha256, sizeof(t->sha256), "%s", gc_stmt_text(st, 1));
	}
	gc_stmt_free(st);
	return GC_OK;
}

gc_result gc_drstore_figures(struct gc_db *db, struct gc_dr_figures *f)
{
	struct gc_stmt *st;
	bool row;
	int i;

	GC_GUARD(need_pg(db));
	memset(f, 0, sizeof(*f));
	for (i = 0; i < GC_DR_TABLES; i++) {
		f->t[i].name = dr_tables[i];
		GC_GUARD(table_figures(db, &f->t[i]));
	}
	GC_GUARD(one_row(db, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", &st, &row));
	if (row) {
		f->audit_head_id = gc_stmt_int64(st, 0);
		snprintf(f->audit_head_hash, sizeof(f->audit_head_hash), "%s", gc_stmt_text(st, 1));
	}
	gc_stmt_free(st);
	GC_GUARD(one_row(db, "SELECT coalesce(max(crl_number), 0) FROM crls", &st, &row));
	if (row)
		f->crl_number_max = gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	return GC_OK;
}

gc_result gc_drstore_server(struct gc_db *db, struct gc_dr_server *s)
{
	struct gc_stmt *st;
	bool row;

	GC_GUARD(need_pg(db));
	memset(s, 0, sizeof(*s));
	s->replay_lag_seconds = -1;
	GC_GUARD(one_row(db,
	                 "SELECT pg_is_in_recovery(), (SELECT system_identifier::text FROM pg_control_system()),"
	                 " CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_replay_lsn()::text, '')"
	                 " ELSE pg_current_wal_lsn()::text END,"
	                 " CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END,"
	                 " (SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync' AND state = 'streaming'),"
	                 " (SELECT coalesce(extract(epoch FROM max(replay_lag))::float8, -1) FROM pg_stat_replication)",
	                 &st, &row));
	GC_ENSURE(row, GC_E_DB, "recovery site: the server's replication state could not be read");
	s->in_recovery = gc_stmt_int64(st, 0) != 0;
	snprintf(s->system_identifier, sizeof(s->system_identifier), "%s", gc_stmt_text(st, 1));
	snprintf(s->lsn, sizeof(s->lsn), "%s", gc_stmt_text(st, 2));
	s->replay_paused = gc_stmt_int64(st, 3) != 0;
	s->sync_standbys = (int)gc_stmt_int64(st, 4);
	{
		const char *lag = gc_stmt_text(st, 5);
		if (lag != NULL)
			sscanf(lag, "%lf", &s->replay_lag_seconds);
	}
	gc_stmt_free(st);
	return GC_OK;
}

gc_result gc_drstore_behind(struct gc_db *db, const char *lsn, int64_t *bytes)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(need_pg(db));
	GC_GUARD(gc_db_prepare(db, "SELECT coalesce(pg_wal_lsn_diff(CAST(? AS pg_lsn), pg_last_wal_replay_lsn()),"
	                           " 0)::bigint", &st));
	if ((rc = gc_stmt_bind_text(st, 1, lsn)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK)
		*bytes = row ? gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

gc_result gc_drstore_promote(struct gc_db *db, int wait_seconds, bool *promoted_now)
{
	struct gc_dr_server s;
	struct gc_stmt *st;
	char sql[96];
	bool row;
	gc_result rc;

	*promoted_now = false;
	GC_GUARD(gc_drstore_server(db, &s));
	if (s.in_recovery) {
		snprintf(sql, sizeof(sql), "SELECT pg_promote(true, %d)", wait_seconds);
		GC_GUARD(one_row(db, sql, &st, &row));
		rc = row && gc_stmt_int64(st, 0) != 0 ? GC_OK
		                                       : gc_fail(GC_E_DB, "recovery site: the standby did not finish "
		                                                 "its promotion within %d s (see its server log)",
		                                                 wait_seconds);
		gc_stmt_free(st);
		GC_GUARD(rc);
		*promoted_now = true;
		GC_GUARD(gc_drstore_server(db, &s));
		GC_ENSURE(!s.in_recovery, GC_E_DB, "recovery site: the standby is still in recovery after pg_promote");
	}
	if (s.sync_standbys == 0) {
		GC_GUARD(one_row(db, "SELECT current_setting('synchronous_standby_names') <> ''", &st, &row));
		row = row && gc_stmt_int64(st, 0) != 0;
		gc_stmt_free(st);
		if (row) {
			GC_GUARD(gc_db_exec(db, "ALTER SYSTEM SET synchronous_standby_names = ''"));
			GC_GUARD(gc_db_exec(db, "SELECT pg_reload_conf()"));
		}
	}
	return GC_OK;
}

gc_result gc_drstore_config_seen(struct gc_db *db, const char *sha256, bool *yes)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT 1 FROM config_versions WHERE sha256 = ? LIMIT 1", &st));
	if ((rc = gc_stmt_bind_text(st, 1, sha256)) == GC_OK)
		rc = gc_stmt_step(st, yes);
	gc_stmt_free(st);
	return rc;
}

gc_result gc_drstore_last_event(struct gc_db *db, const char *event, int64_t *id, char *detail, size_t detailsz)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	*id = 0;
	detail[0] = '\0';
	GC_GUARD(gc_db_prepare(db, "SELECT id, detail FROM audit_log WHERE event = ? ORDER BY id DESC LIMIT 1", &st));
	if ((rc = gc_stmt_bind_text(st, 1, event)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		*id = gc_stmt_int64(st, 0);
		snprintf(detail, detailsz, "%s", gc_stmt_text(st, 1));
	}
	gc_stmt_free(st);
	return rc;
}

gc_result gc_drstore_with_timeout(const char *target, int seconds, char *out, size_t outsz)
{
	bool url = strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0;
	int n;

	if (url)
		n = snprintf(out, outsz, "%s%cconnect_timeout=%d", target, strchr(target, '?') ? '&' : '?', seconds);
	else
		n = snprintf(out, outsz, "%s connect_timeout=%d", target, seconds);
	GC_ENSURE(n > 0 && (size_t)n < outsz, GC_E_CONFIG, "database.postgresql: too long");
	return GC_OK;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

gc_result gc_drstore_connect(const char *target, struct gc_db **db)
{
	char conn[4200];

	GC_GUARD(gc_drstore_with_timeout(target, GC_DR_CONNECT_SECONDS, conn, sizeof(conn)));
	return gc_db_connect(conn, false, db);
}

/* Step 1: the old primary must be gone (or be a standby itself). */
static gc_result old_primary_gone(const char *old)
{
	struct gc_dr_server s;
	struct gc_db *db = NULL;
	char shown[512];
	gc_result rc;

	if (gc_drstore_connect(old, &db) != GC_OK) {
		gc_err_clear(); /* it does not answer: what a failover expects */
		return GC_OK;
	}
	rc = gc_drstore_server(db, &s);
	gc_db_close(db);
	GC_GUARD(rc);
	gc_db_target_redact(old, shown, sizeof(shown));
	GC_ENSURE(s.in_recovery, GC_E_DR_STATE,
	          "the primary %s still answers and is not a standby: stop it (or fence its machine) before "
	          "promoting the recovery site; two primaries would split the records", shown);
	return GC_OK;
}

static gc_result holds_owner(struct gc_db *db, enum gc_dr_owner owner, const char *cfg_sha, bool *yes)
{
	struct gc_stmt *st;
	gc_result rc;

	*yes = false;
	if (owner == GC_DR_CA)
		return gc_drstore_config_seen(db, cfg_sha, yes);
	GC_GUARD(gc_db_has_table(db, "gc_schema_version", yes));
	if (!*yes)
		return GC_OK;
	GC_GUARD(gc_db_prepare(db, "SELECT 1 FROM gc_schema_version WHERE name = 'ra'", &st));
	rc = gc_stmt_step(st, yes);
	gc_stmt_free(st);
	return rc;
}

gc_result gc_drstore_take_over(const char *old, const char *to, enum gc_dr_owner owner, const char *cfg_sha,
                               bool *promoted_now, int64_t *ms)
{
	struct gc_db *db = NULL;
	char shown[512];
	bool already = strcmp(old, to) == 0, seen = true;
	int64_t t0;
	gc_result rc;

	*promoted_now = false;
	*ms = 0;
	if (!already)
		GC_GUARD(old_primary_gone(old));
	gc_db_target_redact(to, shown, sizeof(shown));
	GC_GUARD(gc_drstore_connect(to, &db));
	if (!already)
		GC_GUARD_OUT(rc, holds_owner(db, owner, cfg_sha, &seen));
	GC_ENSURE_OUT(rc, seen, GC_E_DR_STATE, "%s holds no %s: it is not this %s's recovery site", shown,
	              owner == GC_DR_CA ? "record of this directory's gcert.json" : "RA database",
	              owner == GC_DR_CA ? "CA" : "RA");
	t0 = now_ms();
	GC_GUARD_OUT(rc, gc_drstore_promote(db, GC_DR_PROMOTE_WAIT_SECONDS, promoted_now));
	*ms = *promoted_now ? now_ms() - t0 : 0;
out:
	gc_db_close(db);
	return rc;
}
