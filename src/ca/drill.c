/*
 * drill.c - promotion of the recovery site and the yearly drill (CPS §4.8.1; drill.h).
 */
#include "ca/drill.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/auditkey.h"
#include "core/text.h"
#include "sys/fileio.h"
#include "x509/cms.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static gc_result sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char md[32];

	GC_ENSURE(EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL) == 1, GC_E_INTERNAL, "SHA-256");
	gc_hex_encode(md, sizeof(md), hex);
	return GC_OK;
}

/* Step 4: gcert.json with database.postgresql = to, written atomically. */
static gc_result repoint(const char *path, struct gc_config *cfg, const char *to)
{
	char *json;
	gc_result rc;

	memcpy(cfg->postgresql, to, strlen(to) + 1);
	GC_ENSURE((json = gc_config_dump(cfg)) != NULL, GC_E_NOMEM, "config: out of memory");
	rc = gc_file_write(path, json, strlen(json), 0640, 0);
	free(json);
	return rc;
}

/* Step 5: the CA opened on its new database (config.changed recorded by the opening). */
static gc_result record_promotion(const char *dir, const char *actor, const char *old, const char *to,
                                  struct gc_dr_promotion *p)
{
	struct gc_ca *ca = NULL;
	char detail[1400], was[512], now[512];
	gc_result rc;

	gc_db_target_redact(old, was, sizeof(was));
	gc_db_target_redact(to, now, sizeof(now));
	GC_GUARD(gc_ca_open(dir, GC_NEED_DB, actor, &ca));
	if (p->promoted_now)
		snprintf(detail, sizeof(detail), "recovery site %s promoted in %lld ms (pg_promote); %s: "
		         "database.postgresql %s (was %s)", now, (long long)p->promote_ms, dir,
		         p->repointed ? "rewritten to it" : "named it already", was);
	else
		snprintf(detail, sizeof(detail), "recovery site %s already promoted; %s: database.postgresql %s "
		         "(was %s)", now, dir, p->repointed ? "rewritten to it" : "named it already", was);
	GC_GUARD_OUT(rc, gc_db_begin(ca->db));
	if ((rc = gc_audit_append(ca->audit, ca->actor, GC_EV_DR_PROMOTED, now, true, detail)) != GC_OK ||
	    (rc = gc_drstore_last_event(ca->db, "dr.promoted", &p->audit_id, was, sizeof(was))) != GC_OK ||
	    (rc = gc_db_commit(ca->db)) != GC_OK)
		gc_db_rollback(ca->db);
out:
	gc_ca_close(ca);
	return rc;
}

gc_result gc_dr_promote(const char *dir, const char *actor, const char *to, struct gc_dr_promotion *p)
{
	char path[GC_MAX_PATH], sha[65], old[GC_MAX_PATH];
	unsigned char *buf = NULL;
	struct gc_config cfg;
	size_t len;
	bool already;
	gc_result rc;

	memset(p, 0, sizeof(*p));
	GC_ENSURE(gc_db_target_is_pg(to), GC_E_USAGE,
	          "--to: not a PostgreSQL connection string (postgresql://USER@HOST:PORT/DB or \"host=... dbname=...\")");
	GC_ENSURE(strlen(to) < sizeof(cfg.postgresql), GC_E_USAGE, "--to: too long");
	GC_GUARD(gc_path_join(path, sizeof(path), dir, GC_CONFIG_FILE));
	GC_ENSURE(gc_path_exists(path), GC_E_NOT_A_CA_DIR, "%s: not a CA directory (no %s)", dir, GC_CONFIG_FILE);
	GC_GUARD(gc_file_read(path, GC_MAX_CONFIG_FILE, &buf, &len));
	GC_GUARD_OUT(rc, gc_config_parse((const char *)buf, len, &cfg));
	GC_GUARD_OUT(rc, sha256_hex(buf, len, sha));
	GC_ENSURE_OUT(rc, cfg.postgresql[0] != '\0', GC_E_CONFIG,
	              "%s: the CA's database is SQLite; a recovery site is a PostgreSQL hot standby "
	              "(README \"The recovery site\")", dir);
	memcpy(old, cfg.postgresql, strlen(cfg.postgresql) + 1);
	already = strcmp(old, to) == 0;
	GC_GUARD_OUT(rc, gc_drstore_take_over(old, to, GC_DR_CA, sha, &p->promoted_now, &p->promote_ms));
	if (!already) {
		GC_GUARD_OUT(rc, repoint(path, &cfg, to));
		p->repointed = true;
	}
	rc = record_promotion(dir, actor, old, to, p);
out:
	free(buf);
	return rc;
}

/* ---- the drill ---- */

__attribute__((format(printf, 2, 3))) static void note(struct gc_dr_drill *d, const char *fmt, ...)
{
	size_t n = strlen(d->summary);
	va_list ap;

	d->differences++;
	if (n + 4 >= sizeof(d->summary))
		return;
	if (n > 0) {
		memcpy(d->summary + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(d->summary + n, sizeof(d->summary) - n, fmt, ap);
	va_end(ap);
}

static void compare(struct gc_dr_drill *d)
{
	int i;

	d->rows_compared = 0;
	for (i = 0; i < GC_DR_TABLES; i++) {
		const struct gc_dr_table *l = &d->live.t[i], *s = &d->standby.t[i];

		d->rows_compared += l->rows;
		if (l->rows != s->rows)
			note(d, "%s: %lld rows live, %lld on the standby", l->name, (long long)l->rows, (long long)s->rows);
		else if (strcmp(l->sha256, s->sha256) != 0)
			note(d, "%s: same row count, different rows (sha256 %.16s... live, %.16s... on the standby)",
			     l->name, l->sha256, s->sha256);
	}
	if (d->live.audit_head_id != d->standby.audit_head_id ||
	    strcmp(d->live.audit_head_hash, d->standby.audit_head_hash) != 0)
		note(d, "audit chain head: record %lld live, %lld on the standby", (long long)d->live.audit_head_id,
		     (long long)d->standby.audit_head_id);
	if (d->live.crl_number_max != d->standby.crl_number_max)
		note(d, "highest cRLNumber: %lld live, %lld on the standby", (long long)d->live.crl_number_max,
		     (long long)d->standby.crl_number_max);
	if (d->behind_end > 0)
		note(d, "the standby is %lld bytes of WAL behind the live server%s", (long long)d->behind_end,
		     d->standby_srv.replay_paused ? " (its replay is paused)" : "");
}

static json_t *figures_json(const struct gc_dr_figures *f)
{
	json_t *t = json_object();
	int i;

	for (i = 0; i < GC_DR_TABLES; i++)
		json_object_set_new(t, f->t[i].name, json_pack("{s:I, s:s}", "rows", (json_int_t)f->t[i].rows,
		                                               "sha256", f->t[i].sha256));
	return json_pack("{s:o, s:{s:I, s:s}, s:I}", "tables", t, "audit_head", "id", (json_int_t)f->audit_head_id,
	                 "hash", f->audit_head_hash, "crl_number_max", (json_int_t)f->crl_number_max);
}

static gc_result write_report(struct gc_ca *ca, const char *standby, const char *out, struct gc_dr_drill *d)
{
	char target[GC_MAX_PATH], live[512], sb[512], at[32];
	time_t t = time(NULL);
	unsigned char *der = NULL;
	size_t dersz = 0;
	char *text;
	json_t *r;
	gc_result rc;

	GC_GUARD(gc_ca_db_target(ca, target, sizeof(target)));
	gc_db_target_redact(target, live, sizeof(live));
	gc_db_target_redact(standby, sb, sizeof(sb));
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:{s:I, s:I, s:I, s:f, s:b},"
	              " s:o, s:I, s:s}",
	              "format", "gcert-dr-drill/1", "cps", "§4.8.1 yearly drill of the recovery site",
	              "at", at, "live", live, "standby", sb, "system_identifier", d->live_srv.system_identifier,
	              "rows_compared", (json_int_t)d->rows_compared, "live_figures", figures_json(&d->live),
	              "standby_figures", figures_json(&d->standby), "replication",
	              "behind_bytes_at_start", (json_int_t)d->behind_start, "behind_bytes_at_compare",
	              (json_int_t)d->behind_end, "catch_up_ms", (json_int_t)d->catch_up_ms,
	              "replay_lag_seconds", d->live_srv.replay_lag_seconds, "synchronous",
	              d->live_srv.sync_standbys > 0,
	              "last_promotion", d->promote_ms < 0 ? json_null()
	                                                  : json_pack("{s:I, s:I}", "audit_id",
	                                                              (json_int_t)d->promote_audit_id, "ms",
	                                                              (json_int_t)d->promote_ms),
	              "differences", (json_int_t)d->differences, "result",
	              d->differences ? d->summary : "pass: no difference");
	GC_ENSURE(r != NULL, GC_E_NOMEM, "drill: out of memory");
	text = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(r);
	GC_ENSURE(text != NULL, GC_E_NOMEM, "drill: out of memory");
	rc = gc_cms_sign(ca->audit_cert, gc_hsm_key_handle(ca->audit_key), (const unsigned char *)text, strlen(text),
	                 &der, &dersz);
	free(text);
	if (rc == GC_OK)
		rc = sha256_hex(der, dersz, d->report_sha256);
	if (rc == GC_OK)
		rc = gc_file_write(out, der, dersz, 0644, 1);
	OPENSSL_free(der);
	return rc;
}

static gc_result record_drill(struct gc_ca *ca, const char *out, struct gc_dr_drill *d)
{
	char detail[2600], unused[8];
	gc_result rc;

	snprintf(detail, sizeof(detail), "drill of the recovery site: %lld rows compared, %s; standby %lld bytes "
	         "behind at start, caught up in %lld ms; report sha256 %s", (long long)d->rows_compared,
	         d->differences ? d->summary : "no difference", (long long)d->behind_start,
	         (long long)d->catch_up_ms, d->report_sha256);
	GC_GUARD(gc_db_begin(ca->db));
	if ((rc = gc_audit_append(ca->audit, ca->actor, GC_EV_DR_DRILL, out, d->differences == 0, detail)) != GC_OK ||
	    (rc = gc_drstore_last_event(ca->db, "dr.drill", &d->audit_id, unused, sizeof(unused))) != GC_OK ||
	    (rc = gc_db_commit(ca->db)) != GC_OK)
		gc_db_rollback(ca->db);
	return rc;
}

/* The live figures under the write lock, and the standby's once it replayed as far. */
static gc_result measure(struct gc_ca *ca, struct gc_db *sdb, const char *shown, int wait_seconds,
                         struct gc_dr_drill *d)
{
	int64_t t0, deadline;
	gc_result rc;

	GC_GUARD(gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, gc_drstore_server(ca->db, &d->live_srv));
	GC_ENSURE_OUT(rc, !d->live_srv.in_recovery, GC_E_DR_STATE,
	              "the CA's database is itself a standby: a drill runs against the live primary");
	GC_ENSURE_OUT(rc, strcmp(d->live_srv.system_identifier, d->standby_srv.system_identifier) == 0,
	              GC_E_DR_STATE, "%s is not a standby of the CA's database server (system identifier %s, "
	              "the live server's %s)", shown, d->standby_srv.system_identifier,
	              d->live_srv.system_identifier);
	GC_GUARD_OUT(rc, gc_drstore_figures(ca->db, &d->live));
	GC_GUARD_OUT(rc, gc_drstore_behind(sdb, d->live_srv.lsn, &d->behind_start));
	t0 = now_ms();
	deadline = t0 + (int64_t)wait_seconds * 1000;
	d->behind_end = d->behind_start;
	while (d->behind_end > 0 && now_ms() < deadline) {
		struct timespec pause = {0, 50 * 1000 * 1000};

		nanosleep(&pause, NULL);
		GC_GUARD_OUT(rc, gc_drstore_behind(sdb, d->live_srv.lsn, &d->behind_end));
	}
	d->catch_up_ms = now_ms() - t0;
	GC_GUARD_OUT(rc, gc_drstore_server(sdb, &d->standby_srv));
	GC_GUARD_OUT(rc, gc_drstore_figures(sdb, &d->standby));
out:
	gc_db_rollback(ca->db); /* nothing was written: the lock goes */
	return rc;
}

gc_result gc_dr_drill(struct gc_ca *ca, const char *standby, const char *out, int wait_seconds, struct gc_dr_drill *d)
{
	struct gc_db *sdb = NULL;
	char shown[512], detail[256];
	const char *ms;
	gc_result rc;

	memset(d, 0, sizeof(*d));
	d->promote_ms = -1;
	GC_ENSURE(gc_db_target_is_pg(standby), GC_E_USAGE,
	          "--standby: not a PostgreSQL connection string (postgresql://USER@HOST:PORT/DB or \"host=... dbname=...\")");
	GC_ENSURE(wait_seconds >= 0 && wait_seconds <= GC_DR_DRILL_MAX_WAIT, GC_E_USAGE, "--wait: 0..%d seconds",
	          GC_DR_DRILL_MAX_WAIT);
	GC_ENSURE(gc_db_kind(ca->db) == GC_DB_POSTGRESQL, GC_E_CONFIG,
	          "%s: the CA's database is SQLite; a recovery site is a PostgreSQL hot standby "
	          "(README \"The recovery site\")", ca->dir);
	GC_ENSURE(ca->audit_key != NULL, GC_E_INTERNAL, "drill: the audit key is not open");
	GC_ENSURE(!gc_path_exists(out), GC_E_IO, "%s: exists; a drill report is never overwritten", out);
	gc_db_target_redact(standby, shown, sizeof(shown));
	GC_GUARD(gc_drstore_connect(standby, &sdb));
	GC_GUARD_OUT(rc, gc_drstore_server(sdb, &d->standby_srv));
	GC_ENSURE_OUT(rc, d->standby_srv.in_recovery, GC_E_DR_STATE,
	              "%s is not a standby (not in recovery): promoted already, or another server", shown);
	GC_GUARD_OUT(rc, measure(ca, sdb, shown, wait_seconds, d));
	GC_GUARD_OUT(rc, gc_drstore_last_event(ca->db, "dr.promoted", &d->promote_audit_id, detail, sizeof(detail)));
	if (d->promote_audit_id != 0 && (ms = strstr(detail, " promoted in ")) != NULL)
		d->promote_ms = strtoll(ms + strlen(" promoted in "), NULL, 10);
	compare(d);
	if (d->differences == 0)
		snprintf(d->summary, sizeof(d->summary), "no difference");
	GC_GUARD_OUT(rc, write_report(ca, standby, out, d));
	GC_GUARD_OUT(rc, record_drill(ca, out, d));
	if (d->differences)
		rc = gc_fail(GC_E_DR_DIFFERS, "drill: the recovery site %s differs from the live database: %s", shown,
		             d->summary);
out:
	gc_db_close(sdb);
	return rc;
}
