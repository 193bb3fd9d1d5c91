/*
 * revoke.c - revocation (CPS §4.4.1-§4.4.4), its service level (§4.4.3) and the CA key
 * compromise procedure (§4.8.2-§4.8.3).
 */
#include "ca/revoke.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cps.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "sys/fileio.h"
#include "x509/crlbuild.h"

/* App. C I, RFC 5280 §5.3.1 names. */
static const char *const reason_names[CPS_REASON_MAX + 1] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold",
};

const char *gc_reason_name(int reason)
{
	return reason >= 0 && reason <= CPS_REASON_MAX ? reason_names[reason] : NULL;
}

bool gc_reason_parse(const char *s, int *reason)
{
	int i;

	if (s[0] >= '0' && s[0] <= '0' + CPS_REASON_MAX && s[1] == '\0') {
		*reason = s[0] - '0';
		return true;
	}
	for (i = 0; i <= CPS_REASON_MAX; i++)
		if (strcmp(s, reason_names[i]) == 0) {
			*reason = i;
			return true;
		}
	return false;
}

static gc_result normalise_serial(const char *serial, char key[41])
{
	size_t i;

	GC_ENSURE(strlen(serial) == 40, GC_E_REQUEST_FIELD,
	          "serial \"%.48s\": must be 40 hex digits (20 octets, CPS App. B)", serial);
	for (i = 0; i < 40; i++) {
		GC_ENSURE(isxdigit((unsigned char)serial[i]), GC_E_REQUEST_FIELD,
		          "serial \"%.48s\": must be 40 hex digits", serial);
		key[i] = (char)tolower((unsigned char)serial[i]);
	}
	key[40] = '\0';
	return GC_OK;
}

static gc_result insert_revocation(struct gc_db *db, const struct gc_revocation *r, int64_t ca_id,
                                   const char *actor)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "INSERT INTO revocations (serial, scope, ca_id, dp, reason,"
	                           " requested_at, revoked_at, not_after, actor)"
	                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &st));
	if ((rc = gc_stmt_bind_text(st, 1, r->serial)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 2, r->scope)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 3, ca_id)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 4, r->dp[0] ? r->dp : NULL)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 5, r->reason)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 6, r->requested_at)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 7, r->revoked_at)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 8, r->not_after)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 9, actor)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

/* Refuses (GC_E_ALREADY_REVOKED) when serial is on a revocation already. */
static gc_result check_not_revoked(struct gc_db *db, const char *serial, const char *what)
{
	struct gc_stmt *st;
	char when[21];
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT revoked_at, reason FROM revocations WHERE serial = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, serial)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK &&
	    row) {
		gc_time_format(gc_stmt_int64(st, 0), when);
		rc = gc_fail(GC_E_ALREADY_REVOKED, "%s %s: already revoked on %s (%s); CPS §4.4.2: a "
		             "revocation is permanent and is not repeated", what, serial, when,
		             gc_reason_name((int)gc_stmt_int64(st, 1)));
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result is_ca_cert(struct gc_db *db, const char *serial, bool *yes)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT 1 FROM ca_certs WHERE serial = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, serial)) == GC_OK)
		rc = gc_stmt_step(st, yes);
	gc_stmt_free(st);
	return rc;
}

/* Every check that needs the database; fills r and the CA the CRL entry goes on. */
static gc_result check_revocable(struct gc_db *db, struct gc_revocation *r, int64_t *ca_id,
                                 const char *configured_dp)
{
	struct gc_stmt *st;
	const void *der;
	size_t n;
	bool row, ca;
	gc_result rc;

	GC_GUARD(check_not_revoked(db, r->serial, "certificate"));
	GC_GUARD(gc_db_prepare(db, "SELECT status, der, ca_id, not_after FROM certificates WHERE serial = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, r->serial)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK) {
		if (!row) {
			rc = is_ca_cert(db, r->serial, &ca);
			if (rc == GC_OK && ca)
				rc = gc_fail(GC_E_NOT_REVOCABLE, "certificate %s: is a CA certificate; CPS "
				             "§4.8.2: a CA certificate is revoked only by `gcert ca compromise`",
				             r->serial);
			else if (rc == GC_OK)
				rc = gc_fail(GC_E_NOT_FOUND, "certificate %s: no such certificate", r->serial);
		} else if (strcmp(gc_stmt_text(st, 0), "abandoned") == 0) {
			/* issue 10: an issuance interrupted before its signature was kept was never
			 * handed out, but its serial is retired and may still be revoked so that it is
			 * listed; its TBS named the partition configured for this CA */
			snprintf(r->dp, sizeof(r->dp), "%s", configured_dp);
			*ca_id = gc_stmt_int64(st, 2);
			r->not_after = gc_stmt_int64(st, 3);
		} else if (strcmp(gc_stmt_text(st, 0), "issued") != 0) {
			rc = gc_fail(GC_E_NOT_REVOCABLE, "certificate %s: is being issued right now; revoke "
			             "it once it is issued (or retired by recovery)", r->serial);
		} else {
			der = gc_stmt_blob(st, 1, &n);
			gc_cert_dp_url(der, n, r->dp, sizeof(r->dp));
			*ca_id = gc_stmt_int64(st, 2);
			r->not_after = gc_stmt_int64(st, 3);
		}
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result audit_revocation(struct gc_ca *ca, const struct gc_revocation *r)
{
	char detail[600], req[21];

	gc_time_format(r->requested_at, req);
	snprintf(detail, sizeof(detail), "reason %d (%s), request received %s, partition %s", r->reason,
	         gc_reason_name(r->reason), req, r->dp[0] ? r->dp : "(none)");
	return gc_audit_append(ca->audit, ca->actor, GC_EV_CERT_REVOKED, r->serial, true, detail);
}

/* A refused revocation request leaves only its audit record (§4.5.1). */
static void audit_refusal(struct gc_ca *ca, const char *serial, gc_result code)
{
	char detail[1100], saved[1024];

	snprintf(saved, sizeof(saved), "%s", gc_err_detail());
	snprintf(detail, sizeof(detail), "%s: %s", gc_code_name(code), saved);
	if (gc_db_begin(ca->db) != GC_OK)
		goto restore;
	if (gc_audit_append(ca->audit, ca->actor, GC_EV_REVOKE_REJECTED, serial, false, detail) != GC_OK ||
	    gc_db_commit(ca->db) != GC_OK)
		gc_db_rollback(ca->db);
restore:
	gc_fail(code, "%s", saved); /* the refusal, not the audit step, is what the caller sees */
}

gc_result gc_ca_revoke(struct gc_ca *ca, const char *serial, int reason, int64_t requested_at,
                       int64_t now, struct gc_revocation *out)
{
	struct gc_revocation r = {0};
	int64_t ca_id = 0;
	char when[21];
	gc_result rc;

	GC_GUARD(normalise_serial(serial, r.serial));
	gc_time_format(requested_at, when);
	if (gc_reason_name(reason) == NULL)
		rc = gc_fail(GC_E_BAD_REASON, "certificate %s: reason %d: CPS App. C I reason codes are "
		             "0..6", r.serial, reason);
	else if (requested_at > now)
		rc = gc_fail(GC_E_BAD_TIME, "certificate %s: request received at %s is in the future",
		             r.serial, when);
	else
		rc = GC_OK;
	if (rc != GC_OK) {
		audit_refusal(ca, r.serial, rc);
		return rc;
	}
	snprintf(r.scope, sizeof(r.scope), "ee");
	r.reason = reason;
	r.requested_at = requested_at;
	r.revoked_at = now;
	GC_GUARD(gc_db_begin(ca->db));
	if ((rc = check_revocable(ca->db, &r, &ca_id, ca->cfg.crl_dp)) != GC_OK) {
		gc_db_rollback(ca->db);
		if (rc != GC_E_DB && rc != GC_E_NOMEM)
			audit_refusal(ca, r.serial, rc);
		return rc;
	}
	GC_GUARD_OUT(rc, insert_revocation(ca->db, &r, ca_id, ca->actor));
	GC_GUARD_OUT(rc, audit_revocation(ca, &r));
	GC_GUARD_OUT(rc, gc_db_commit(ca->db));
	if (out != NULL)
		*out = r;
	return GC_OK;
out:
	gc_db_rollback(ca->db);
	return rc;
}

/* ---- §4.4.3 service level ---- */

static gc_result add_calendar_file(const struct gc_ca *ca, const char *rel, bool required,
                                   struct gc_calendar *cal)
{
	char path[GC_MAX_PATH];
	unsigned char *buf = NULL;
	size_t len;
	gc_result rc;

	if (rel[0] == '/')
		snprintf(path, sizeof(path), "%s", rel);
	else
		GC_GUARD(gc_path_join(path, sizeof(path), ca->dir, rel));
	if (!gc_path_exists(path)) {
		GC_ENSURE(!required, GC_E_CALENDAR, "%s: the public holiday calendar is missing; "
		          "CPS §4.4.3 working days cannot be counted (copy data/hk-public-holidays.txt)", path);
		return GC_OK;
	}
	GC_GUARD(gc_file_read(path, GC_MAX_CALENDAR_FILE, &buf, &len));
	rc = gc_calendar_add_text(cal, path, (const char *)buf, len);
	free(buf);
	return rc;
}

gc_result gc_ca_calendar(const struct gc_ca *ca, struct gc_calendar *out)
{
	gc_calendar_init(out);
	GC_GUARD(add_calendar_file(ca, ca->cfg.holidays_file, true, out));
	/* warning days are added by the operator as they happen; none is normal */
	return add_calendar_file(ca, ca->cfg.warning_days_file, false, out);
}

static gc_result warning_path(const struct gc_ca *ca, char *path, size_t n)
{
	if (ca->cfg.warning_days_file[0] == '/')
		return (size_t)snprintf(path, n, "%s", ca->cfg.warning_days_file) < n
		           ? GC_OK : gc_fail(GC_E_CONFIG, "calendar.warning_days: path too long");
	return gc_path_join(path, n, ca->dir, ca->cfg.warning_days_file);
}

gc_result gc_ca_add_warning_day(struct gc_ca *ca, const char *day, const char *note)
{
	struct gc_calendar *cal = NULL;
	unsigned char *old = NULL;
	char path[GC_MAX_PATH], line[128], detail[160];
	size_t oldsz = 0, i;
	int64_t d;
	char *buf = NULL;
	gc_result rc = GC_OK;

	GC_ENSURE(gc_day_parse(day, strlen(day), &d), GC_E_BAD_TIME, "warning day \"%.32s\": expected "
	          "YYYY-MM-DD", day);
	GC_ENSURE(strlen(note) <= 100, GC_E_REQUEST_FIELD, "warning day note: at most 100 characters");
	for (i = 0; note[i]; i++)
		GC_ENSURE(note[i] >= 0x20 && note[i] < 0x7f, GC_E_REQUEST_FIELD,
		          "warning day note: printable ASCII only, one line");
	GC_GUARD(warning_path(ca, path, sizeof(path)));
	if (gc_path_exists(path))
		GC_GUARD(gc_file_read(path, GC_MAX_CALENDAR_FILE, &old, &oldsz));
	GC_NOMEM_OUT(rc, cal = malloc(sizeof(*cal)));
	gc_calendar_init(cal);
	GC_GUARD_OUT(rc, gc_calendar_add_text(cal, path, (const char *)old, oldsz));
	for (i = 0; i < cal->n; i++)
		GC_ENSURE_OUT(rc, cal->days[i] != d, GC_E_CALENDAR, "%s: %s is already listed", path, day);
	snprintf(line, sizeof(line), "%s  %s\n", day, note[0] ? note : "warning hoisted");
	GC_NOMEM_OUT(rc, buf = malloc(oldsz + strlen(line) + 2));
	memcpy(buf, old ? (const char *)old : "", oldsz);
	if (oldsz > 0 && buf[oldsz - 1] != '\n')
		buf[oldsz++] = '\n';
	memcpy(buf + oldsz, line, strlen(line));
	GC_GUARD_OUT(rc, gc_file_write(path, buf, oldsz + strlen(line), 0640, 0));
	snprintf(detail, sizeof(detail), "%s added to the §4.4.3 warning days: %s", day, note);
	GC_GUARD_OUT(rc, gc_db_begin(ca->db));
	if ((rc = gc_audit_append(ca->audit, ca->actor, GC_EV_CALENDAR_CHANGED, "calendar", true,
	                          detail)) != GC_OK || (rc = gc_db_commit(ca->db)) != GC_OK)
		gc_db_rollback(ca->db);
out:
	free(buf);
	free(old);
	free(cal);
	return rc;
}

gc_result gc_ca_holidays_cover(const struct gc_ca *ca, int year, bool *covered)
{
	struct gc_calendar *cal = malloc(sizeof(*cal));
	gc_result rc;

	GC_ENSURE(cal != NULL, GC_E_NOMEM, "out of memory");
	gc_calendar_init(cal);
	if ((rc = add_calendar_file(ca, ca->cfg.holidays_file, true, cal)) == GC_OK)
		*covered = gc_calendar_has_year(cal, year);
	free(cal);
	return rc;
}

gc_result gc_revocations_list(struct gc_ca *ca, const struct gc_calendar *cal, bool overdue_only,
                              int64_t now, long limit,
                              void (*fn)(const struct gc_revocation *, void *), void *arg)
{
	struct gc_stmt *st;
	struct gc_revocation r;
	long shown = 0;
	bool row;
	gc_result rc = GC_OK;

	/* A revocation published within two calendar days is on time whatever the calendar
	 * says, so --overdue need only look at the others. */
	GC_GUARD(gc_db_prepare(ca->db, overdue_only
	        ? "SELECT serial, scope, reason, requested_at, revoked_at, not_after,"
	          " coalesce(published_at, 0), coalesce(dp, '') FROM revocation_status"
	          " WHERE published_at IS NULL OR published_at - requested_at >= 172800"
	          " ORDER BY requested_at DESC, serial"
	        : "SELECT serial, scope, reason, requested_at, revoked_at, not_after,"
	          " coalesce(published_at, 0), coalesce(dp, '') FROM revocation_status"
	          " ORDER BY requested_at DESC, serial", &st));
	while (shown < limit && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		memset(&r, 0, sizeof(r));
		snprintf(r.serial, sizeof(r.serial), "%s", gc_stmt_text(st, 0));
		snprintf(r.scope, sizeof(r.scope), "%s", gc_stmt_text(st, 1));
		r.reason = (int)gc_stmt_int64(st, 2);
		r.requested_at = gc_stmt_int64(st, 3);
		r.revoked_at = gc_stmt_int64(st, 4);
		r.not_after = gc_stmt_int64(st, 5);
		r.published_at = gc_stmt_int64(st, 6);
		snprintf(r.dp, sizeof(r.dp), "%s", gc_stmt_text(st, 7));
		r.deadline = gc_calendar_deadline(cal, r.requested_at, CPS_REVOCATION_WORKING_DAYS);
		r.overdue = (r.published_at ? r.published_at : now) >= r.deadline;
		if (overdue_only && !r.overdue)
			continue;
		fn(&r, arg);
		shown++;
	}
	if (shown >= limit)
		rc = GC_OK;
	gc_stmt_free(st);
	return rc;
}
