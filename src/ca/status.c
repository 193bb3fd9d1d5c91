/* status.c - CA certificate lifetimes and CRL freshness for the operator (see status.h). */
#include "ca/status.h"

#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
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

gc_result gc_ca_status(struct gc_ca *ca, int64_t now, void (*fn)(const struct gc_status_item *, void *),
                       void *arg, int *warnings)
{
	*warnings = 0;
	GC_GUARD(ca_certs(ca, now, fn, arg, warnings));
	return crls(ca, now, fn, arg, warnings);
}
