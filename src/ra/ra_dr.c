/*
 * ra_dr.c - the RA's side of the recovery site (CPS §4.8.1; README "The recovery site"):
 * `gcert dr promote` for an RA directory whose database is on the PostgreSQL primary
 * that failed. The same steps as the CA's (ca/drill.h): the old primary must be gone,
 * the standby must hold the RA's database, it is promoted (or was already, by the CA's
 * run), ra.json is rewritten atomically, and the RA's own trail records it.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "ra/ra.h"
#include "store/db.h"
#include "store/drstore.h"
#include "sys/fileio.h"

#define RA_CONFIG "ra.json"

/* ra.json with database.postgresql = to, every other key as it was. */
static gc_result repoint(const char *path, json_t *root, const char *to)
{
	json_t *db = json_object_get(root, "database");
	char *text;
	gc_result rc;

	GC_ENSURE(json_is_object(db) && json_object_set_new(db, "postgresql", json_string(to)) == 0, GC_E_NOMEM,
	          "ra.json: out of memory");
	GC_ENSURE((text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) != NULL, GC_E_NOMEM,
	          "ra.json: out of memory");
	rc = gc_file_write(path, text, strlen(text), 0640, 0);
	free(text);
	return rc;
}

static gc_result record(const char *dir, const char *actor, const char *old, const char *to,
                        struct gc_ra_promotion *p)
{
	struct gc_ra *ra = NULL;
	char detail[1400], was[512], now[512];
	gc_result rc;

	gc_db_target_redact(old, was, sizeof(was));
	gc_db_target_redact(to, now, sizeof(now));
	GC_GUARD(gc_ra_open(dir, &ra));
	if (p->promoted_now)
		snprintf(detail, sizeof(detail), "recovery site %s promoted in %lld ms (pg_promote); RA %s: "
		         "database.postgresql %s (was %s)", now, (long long)p->promote_ms, dir,
		         p->repointed ? "rewritten to it" : "named it already", was);
	else
		snprintf(detail, sizeof(detail), "recovery site %s already promoted; RA %s: database.postgresql %s "
		         "(was %s)", now, dir, p->repointed ? "rewritten to it" : "named it already", was);
	GC_GUARD_OUT(rc, gc_db_begin(ra->db));
	if ((rc = gc_ra_audit(ra, actor, GC_EV_DR_PROMOTED, now, true, detail)) != GC_OK ||
	    (rc = gc_drstore_last_event(ra->db, "dr.promoted", &p->audit_id, was, sizeof(was))) != GC_OK ||
	    (rc = gc_db_commit(ra->db)) != GC_OK)
		gc_db_rollback(ra->db);
out:
	gc_ra_close(ra);
	return rc;
}

gc_result gc_ra_dr_promote(const char *dir, const char *actor, const char *to, struct gc_ra_promotion *p)
{
	char path[GC_MAX_PATH], old[GC_MAX_PATH];
	unsigned char *text = NULL;
	json_error_t jerr;
	json_t *root;
	const char *v;
	size_t n;
	gc_result rc;

	memset(p, 0, sizeof(*p));
	GC_ENSURE(gc_db_target_is_pg(to), GC_E_USAGE,
	          "--to: not a PostgreSQL connection string (postgresql://USER@HOST:PORT/DB or \"host=... dbname=...\")");
	GC_ENSURE(strlen(to) < GC_MAX_PATH, GC_E_USAGE, "--to: too long");
	GC_GUARD(gc_path_join(path, sizeof(path), dir, RA_CONFIG));
	GC_ENSURE(gc_path_exists(path), GC_E_CONFIG, "%s: not an RA directory (no %s)", dir, RA_CONFIG);
	GC_GUARD(gc_file_read(path, GC_MAX_CONFIG_FILE, &text, &n));
	root = json_loadb((const char *)text, n, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	GC_ENSURE(json_is_object(root), GC_E_CONFIG, "%s: line %d: %s", path, jerr.line,
	          root ? "not an object" : jerr.text);
	v = json_string_value(json_object_get(json_object_get(root, "database"), "postgresql"));
	GC_ENSURE_OUT(rc, v != NULL && v[0] != '\0' && strlen(v) < sizeof(old), GC_E_CONFIG,
	              "%s: the RA's database is SQLite (ra.db); a recovery site is a PostgreSQL hot standby "
	              "(README \"The recovery site\")", dir);
	memcpy(old, v, strlen(v) + 1);
	GC_GUARD_OUT(rc, gc_drstore_take_over(old, to, GC_DR_RA, NULL, &p->promoted_now, &p->promote_ms));
	if (strcmp(old, to) != 0) {
		GC_GUARD_OUT(rc, repoint(path, root, to));
		p->repointed = true;
	}
	rc = record(dir, actor, old, to, p);
out:
	json_decref(root);
	return rc;
}
