/* status.c - CA certificate lifetimes and CRL freshness for the operator (see status.h). */
#include "ca/status.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ca/crl.h"
#include "core/calendar.h"
#include "core/config.h"
#include "core/timeutil.h"

/* CPS §4.7: CA keys and certificates are renewed at least three months before expiry. */
#define CHANGEOVER_MONTHS 3

static void judge_ca(struct gc_status_item *it, int64_t now)
{
	/* a replaced CA that expired is history, not a fault: its certificates expired too */
	if (it->until <= now && !it->current)
		snprintf(it->note, sizeof(it->note), "expired (replaced; key kept, CPS §4.7)");
	else if (it->until <= now)
		it->warn = true, snprintf(it->note, sizeof(it->note), "expired");
	else if (it->current && gc_time_add_months(now, CHANGEOVER_MONTHS) >= it->until)
		it->warn = true, snprintf(it->note, sizeof(it->note),
		                          "CPS §4.7: key changeover due (renew at least 3 months before expiry)");
}

static gc_result ca_certs(struct gc_ca *ca, int64_t now, void (*fn)(const struct gc_status_item *, void *),
                          void *arg, int *warnings)
{
	struct gc_stmt *st;
	struct gc_status_item it;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "SELECT role, subject_cn, not_after, is_current FROM ca_certs ORDER BY id", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		memset(&it, 0, sizeof(it));
		it.kind = strcmp(gc_stmt_text(st, 0), "root") == 0 ? "root" : "issuing";
		snprintf(it.name, sizeof(it.name), "%s", gc_stmt_text(st, 1));
		it.until = gc_stmt_int64(st, 2);
		it.current = gc_stmt_int64(st, 3) != 0;
		judge_ca(&it, now);
		*warnings += it.warn;
		fn(&it, arg);
	}
	gc_stmt_free(st);
	return rc;
}

static void judge_crl(struct gc_status_item *it, int64_t now, int64_t next_run)
{
	char when[21];

	if (it->until <= now) {
		it->warn = true;
		snprintf(it->note, sizeof(it->note), "nextUpdate has passed: relying parties have no "
		         "current CRL; issue one now (`gcert crl issue`)");
	} else if (strcmp(it->kind, "crl") == 0 && next_run != 0 && it->until <= next_run) {
		gc_time_format(next_run, when);
		it->warn = true;
		snprintf(it->note, sizeof(it->note), "lapses before the next scheduled run (%s); the "
		         "schedule regenerates it at once", when);
	}
}

static gc_result crls(struct gc_ca *ca, int64_t now, void (*fn)(const struct gc_status_item *, void *),
                      void *arg, int *warnings)
{
	struct gc_schedule sc;
	struct gc_status_item it;
	struct gc_stmt *st;
	int64_t next_run = 0;
	bool row;
	gc_result rc;

	if (gc_schedule_parse(ca->cfg.crl_schedule, &sc) == GC_OK)
		next_run = gc_schedule_next(&sc, now);
	GC_GUARD(gc_db_prepare(ca->db, "SELECT c.kind, c.url, c.crl_number, c.next_update FROM crls c"
	                               " WHERE c.crl_number = (SELECT max(m.crl_number) FROM crls m"
	                               "  WHERE m.ca_id = c.ca_id AND m.kind = c.kind AND m.url = c.url)"
	                               " ORDER BY c.ca_id, c.kind, c.url", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		memset(&it, 0, sizeof(it));
		it.kind = strcmp(gc_stmt_text(st, 0), "arl") == 0 ? "arl" : "crl";
		snprintf(it.name, sizeof(it.name), "%s", gc_stmt_text(st, 1));
		it.number = gc_stmt_int64(st, 2);
		it.until = gc_stmt_int64(st, 3);
		judge_crl(&it, now, next_run);
		*warnings += it.warn;
		fn(&it, arg);
	}
	gc_stmt_free(st);
	return rc;
}

gc_result gc_status_beat(struct gc_ca *ca, const char *worker, int64_t now, bool stopped)
{
	struct gc_stmt *st;
	char host[128] = "";
	gc_result rc;

	gethostname(host, sizeof(host) - 1);
	GC_GUARD(gc_db_prepare(ca->db, "INSERT INTO service_beats (name, node, beat_at, stopped_at) VALUES (?1, ?2, ?3, ?4)"
	                               " ON CONFLICT (name) DO UPDATE SET node = ?2, beat_at = ?3, stopped_at = ?4", &st));
	if ((rc = gc_stmt_bind_text(st, 1, worker)) == GC_OK && (rc = gc_stmt_bind_text(st, 2, host)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 3, now)) == GC_OK)
		rc = gc_stmt_bind_int64(st, 4, stopped ? now : 0); /* 0: running */
	if (rc == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

static void emit(struct gc_status_item *it, void (*fn)(const struct gc_status_item *, void *), void *arg,
                 int *warnings)
{
	it->check = true;
	*warnings += it->warn;
	fn(it, arg);
}

/* issue 17: the CRL schedule runs (its worker beats, gc_status_beat). */
static gc_result schedule_check(struct gc_ca *ca, int64_t now, void (*fn)(const struct gc_status_item *, void *),
                                void *arg, int *warnings)
{
	struct gc_status_item it = {.kind = "schedule"};
	struct gc_stmt *st;
	char when[21];
	bool row;
	gc_result rc;

	snprintf(it.name, sizeof(it.name), "CRL schedule %s UTC", ca->cfg.crl_schedule);
	GC_GUARD(gc_db_prepare(ca->db, "SELECT node, beat_at, coalesce(stopped_at, 0) FROM service_beats"
	                               " WHERE name = 'crl-schedule'", &st));
	if ((rc = gc_stmt_step(st, &row)) == GC_OK) {
		if (!row) {
			it.warn = true;
			snprintf(it.note, sizeof(it.note), "never ran: CRLs are only made by hand; run "
			         "`gcert ca serve --crl-schedule`");
		} else if (gc_stmt_int64(st, 2) != 0) {
			gc_time_format(gc_stmt_int64(st, 2), when);
			it.warn = true;
			snprintf(it.note, sizeof(it.note), "stopped at %s on %s: no scheduled or supplementary CRL "
			         "until `gcert ca serve --crl-schedule` runs again", when, gc_stmt_text(st, 0));
		} else if (gc_stmt_int64(st, 1) + GC_STATUS_BEAT_STALE_S < now) {
			gc_time_format(gc_stmt_int64(st, 1), when);
			it.warn = true;
			snprintf(it.note, sizeof(it.note), "no sign of life since %s on %s: is `gcert ca serve "
			         "--crl-schedule` running?", when, gc_stmt_text(st, 0));
		} else {
			gc_time_format(gc_stmt_int64(st, 1), when);
			snprintf(it.note, sizeof(it.note), "running on %s (seen %s)", gc_stmt_text(st, 0), when);
		}
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	emit(&it, fn, arg, warnings);
	return GC_OK;
}

/* CPS §4.4.4: a revocation takes effect when published; issue 17: it does within
 * crl.supplementary_delay_seconds, so any one waiting is worth a look. */
static gc_result revocations_check(struct gc_ca *ca, int64_t now, void (*fn)(const struct gc_status_item *, void *),
                                   void *arg, int *warnings)
{
	struct gc_status_item it = {.kind = "revoked"};
	struct gc_unpublished u;
	int64_t oldest;
	char when[21], due[21];

	GC_GUARD(gc_crl_unpublished(ca, &u));
	snprintf(it.name, sizeof(it.name), "revocations on published CRLs");
	if (u.ee + u.ca == 0) {
		snprintf(it.note, sizeof(it.note), "every revocation is on a published CRL or ARL");
	} else {
		oldest = u.ee > 0 && (u.ca == 0 || u.ee_oldest < u.ca_oldest) ? u.ee_oldest : u.ca_oldest;
		gc_time_format(oldest, when);
		gc_time_format(oldest + ca->cfg.crl_supplementary_delay, due);
		it.warn = true;
		snprintf(it.note, sizeof(it.note), "%lld revocation(s) not yet on a published CRL%s, the oldest "
		         "since %s (not in effect, CPS §4.4.4); the schedule's supplementary CRL is due %s%s",
		         (long long)(u.ee + u.ca), u.ca > 0 ? " or ARL" : "", when, due,
		         oldest + ca->cfg.crl_supplementary_delay < now ? " and overdue: `gcert crl issue`" : "");
	}
	emit(&it, fn, arg, warnings);
	return GC_OK;
}

/* The repository serves what is in DIR/repo/crl/: each series' latest file is there, and
 * the current root has an ARL (issue 17: the index linked an ARL that was a 404). */
static gc_result files_check(struct gc_ca *ca, void (*fn)(const struct gc_status_item *, void *), void *arg,
                             int *warnings)
{
	struct gc_status_item it = {.kind = "files"};
	struct gc_stmt *st;
	char dir[GC_MAX_PATH], path[GC_MAX_PATH + 160], missing[200] = "";
	struct stat sb;
	int64_t nmissing = 0, nfiles = 0;
	bool row, root_arl = false;
	gc_result rc;

	GC_GUARD(gc_crl_dir(ca, dir, sizeof(dir)));
	GC_GUARD(gc_db_prepare(ca->db, "SELECT DISTINCT s.url, s.kind, s.ca_id FROM crl_scopes s"
	                               " WHERE EXISTS (SELECT 1 FROM crls c WHERE c.ca_id = s.ca_id AND c.kind = s.kind"
	                               " AND c.url = s.url) ORDER BY s.url", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		nfiles++;
		snprintf(path, sizeof(path), "%s/%s", dir, gc_config_crl_file(gc_stmt_text(st, 0)));
		if (stat(path, &sb) != 0) {
			if (nmissing++ == 0)
				snprintf(missing, sizeof(missing), "%s", gc_config_crl_file(gc_stmt_text(st, 0)));
		}
		if (strcmp(gc_stmt_text(st, 1), "arl") == 0 && gc_stmt_int64(st, 2) == ca->root_id)
			root_arl = true;
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	snprintf(it.name, sizeof(it.name), "repository files in %s", dir);
	if (!root_arl) {
		it.warn = true;
		snprintf(it.note, sizeof(it.note), "no ARL of the current root (App. C II): run `gcert arl issue`");
	} else if (nmissing > 0) {
		it.warn = true;
		snprintf(it.note, sizeof(it.note), "%lld published CRL file(s) missing, e.g. %s: the repository "
		         "answers 404; run `gcert crl issue` and `gcert arl issue`", (long long)nmissing, missing);
	} else {
		snprintf(it.note, sizeof(it.note), "%lld CRL and ARL files present", (long long)nfiles);
	}
	emit(&it, fn, arg, warnings);
	return GC_OK;
}

gc_result gc_ca_status(struct gc_ca *ca, int64_t now, void (*fn)(const struct gc_status_item *, void *),
                       void *arg, int *warnings)
{
	*warnings = 0;
	GC_GUARD(ca_certs(ca, now, fn, arg, warnings));
	GC_GUARD(crls(ca, now, fn, arg, warnings));
	GC_GUARD(files_check(ca, fn, arg, warnings));
	GC_GUARD(revocations_check(ca, now, fn, arg, warnings));
	return schedule_check(ca, now, fn, arg, warnings);
}
