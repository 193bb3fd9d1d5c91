/*
 * alert.c - significant-event alerts by mail (CPS §4.5.7). See alert.h.
 */
#include "ca/alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/review.h"
#include "core/timeutil.h"
#include "sys/smtp.h"

static bool alerts_on(const struct gc_ca *ca)
{
	return ca->cfg.alert_smtp_url[0] != '\0';
}

/* Header-safe text: printable ASCII only, so no record can inject a header line. */
static void header_safe(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

static gc_result insert_mail(struct gc_db *db, int64_t audit_id, const char *subject, const char *body)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "INSERT INTO alert_outbox (audit_id, subject, body, queued_at)"
	                           " VALUES (?, ?, ?, ?)", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, audit_id)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 2, subject)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, body)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 4, (int64_t)time(NULL))) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

gc_result gc_alerts_queue(struct gc_ca *ca, const char *subject, const char *body)
{
	char subj[256];

	if (!alerts_on(ca))
		return GC_OK;
	snprintf(subj, sizeof(subj), "[gcert] %s", subject);
	header_safe(subj);
	return insert_mail(ca->db, 0, subj, body);
}

struct rec {
	int64_t id, at;
	const char *actor, *event, *object, *outcome, *detail;
};

static gc_result queue_significant(struct gc_ca *ca, const struct rec *r)
{
	char subject[256], body[2048], at[21];

	gc_time_format(r->at, at);
	snprintf(subject, sizeof(subject), "[gcert] significant event: %s %s (audit record %lld)",
	         r->event, r->object, (long long)r->id);
	header_safe(subject);
	snprintf(body, sizeof(body),
	         "A significant event was recorded in the audit trail of the CA in %s\n"
	         "(CPS 4.5.7: significant audit events are reported automatically).\n\n"
	         "record   %lld\ntime     %s\nactor    %s\nevent    %s\nobject   %s\noutcome  %s\n"
	         "detail   %s\n",
	         ca->dir, (long long)r->id, at, r->actor, r->event, r->object, r->outcome, r->detail);
	return insert_mail(ca->db, r->id, subject, body);
}

/* §4.5.1 repeated failed access: the threshold-th failure of one event in the window. */
static gc_result check_burst(struct gc_ca *ca, struct gc_stmt *count, const struct rec *r)
{
	char subject[256], body[1024], at[21];
	int64_t n;
	bool row;

	GC_GUARD(gc_stmt_bind_text(count, 1, r->event));
	GC_GUARD(gc_stmt_bind_int64(count, 2, r->at - ca->cfg.alert_window));
	GC_GUARD(gc_stmt_bind_int64(count, 3, r->id));
	GC_GUARD(gc_stmt_step(count, &row));
	n = row ? gc_stmt_int64(count, 0) : 0;
	gc_stmt_reset(count);
	if (n != ca->cfg.alert_failures)
		return GC_OK;
	gc_time_format(r->at, at);
	snprintf(subject, sizeof(subject), "[gcert] repeated failures: %lld x %s within %d s",
	         (long long)n, r->event, ca->cfg.alert_window);
	header_safe(subject);
	snprintf(body, sizeof(body),
	         "Repeated failures were recorded in the audit trail of the CA in %s\n"
	         "(CPS 4.5.1 repeated failed access; 4.5.7 automatic report).\n\n"
	         "event    %s\nfailures %lld within %d seconds, the last at %s (audit record %lld)\n"
	         "last object %s\nlast detail %s\n",
	         ca->dir, r->event, (long long)n, ca->cfg.alert_window, at, (long long)r->id,
	         r->object, r->detail);
	return insert_mail(ca->db, r->id, subject, body);
}

static gc_result scanned_mark(struct gc_db *db, int64_t *mark)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT scanned_id FROM alert_state WHERE id = 1", &st));
	rc = gc_stmt_step(st, &row);
	*mark = rc == GC_OK && row ? gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

static gc_result set_mark(struct gc_db *db, int64_t mark)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "INSERT INTO alert_state (id, scanned_id) VALUES (1, ?)"
	                           " ON CONFLICT (id) DO UPDATE SET scanned_id = excluded.scanned_id", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, mark)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

static gc_result last_record(struct gc_db *db, int64_t *id)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT coalesce(max(id), 0) FROM audit_log", &st));
	rc = gc_stmt_step(st, &row);
	*id = rc == GC_OK && row ? gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

static gc_result scan_from(struct gc_ca *ca, int64_t mark, int64_t *last, long *queued)
{
	struct gc_stmt *st = NULL, *count = NULL;
	struct rec r;
	bool row;
	gc_result rc;

	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "SELECT id, at, actor, event, object, outcome, detail"
	                                       " FROM audit_log WHERE id > ? ORDER BY id", &st));
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "SELECT count(*) FROM audit_log WHERE event = ? AND"
	                                       " outcome = 'failure' AND at > ? AND id <= ?", &count));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 1, mark));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		r = (struct rec){gc_stmt_int64(st, 0), gc_stmt_int64(st, 1), gc_stmt_text(st, 2),
		                 gc_stmt_text(st, 3), gc_stmt_text(st, 4), gc_stmt_text(st, 5),
		                 gc_stmt_text(st, 6)};
		*last = r.id;
		if (gc_audit_event_significant(r.event)) {
			GC_GUARD_OUT(rc, queue_significant(ca, &r));
			(*queued)++;
		}
		if (strcmp(r.outcome, "failure") == 0)
			GC_GUARD_OUT(rc, check_burst(ca, count, &r));
	}
out:
	gc_stmt_free(st);
	gc_stmt_free(count);
	return rc;
}

gc_result gc_alerts_scan(struct gc_ca *ca, long *queued)
{
	int64_t mark, last;
	gc_result rc;

	*queued = 0;
	/* a cheap read first: most commands leave nothing new worth a write transaction */
	GC_GUARD(scanned_mark(ca->db, &mark));
	GC_GUARD(last_record(ca->db, &last));
	if (last <= mark)
		return GC_OK;
	GC_GUARD(gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, scanned_mark(ca->db, &mark));
	if (alerts_on(ca)) {
		last = mark;
		GC_GUARD_OUT(rc, scan_from(ca, mark, &last, queued));
	} else {
		GC_GUARD_OUT(rc, last_record(ca->db, &last));
	}
	GC_GUARD_OUT(rc, set_mark(ca->db, last));
	rc = gc_db_commit(ca->db);
out:
	if (rc != GC_OK) {
		gc_db_rollback(ca->db);
		*queued = 0;
	}
	return rc;
}

static char *compose(const struct gc_ca *ca, int64_t id, const char *subject, const char *body)
{
	char date[64], host[128] = "localhost", *msg = NULL;
	time_t now = time(NULL);
	struct tm tm;
	size_t cap, n = 0;
	const char *p;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	gethostname(host, sizeof(host) - 1);
	cap = strlen(body) * 2 + 2048;
	if ((msg = malloc(cap)) == NULL)
		return NULL;
	n = (size_t)snprintf(msg, cap,
	                     "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\n"
	                     "Message-ID: <gcert-alert-%lld-%lld@%s>\r\nMIME-Version: 1.0\r\n"
	                     "Content-Type: text/plain; charset=utf-8\r\n"
	                     "Content-Transfer-Encoding: 8bit\r\n\r\n",
	                     date, ca->cfg.alert_from, ca->cfg.alert_to, subject, (long long)id,
	                     (long long)now, host);
	/* body lines end in CRLF, as RFC 5321 wants */
	for (p = body; *p != '\0' && n + 3 < cap; p++) {
		if (*p == '\n')
			msg[n++] = '\r';
		msg[n++] = *p;
	}
	msg[n] = '\0';
	return msg;
}

static gc_result mark_result(struct gc_db *db, int64_t id, gc_result sent)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, sent == GC_OK
	                               ? "UPDATE alert_outbox SET sent_at = ?, attempts = attempts + 1,"
	                                 " last_error = NULL WHERE id = ?"
	                               : "UPDATE alert_outbox SET last_error = ?, attempts = attempts + 1"
	                                 " WHERE id = ?", &st));
	if (sent == GC_OK)
		rc = gc_stmt_bind_int64(st, 1, (int64_t)time(NULL));
	else
		rc = gc_stmt_bind_text(st, 1, gc_err_detail());
	if (rc == GC_OK && (rc = gc_stmt_bind_int64(st, 2, id)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

gc_result gc_alerts_send(struct gc_ca *ca, long *sent, long *waiting)
{
	struct gc_stmt *st;
	int64_t ids[GC_ALERT_MAX_SEND];
	char *msgs[GC_ALERT_MAX_SEND];
	size_t n = 0, i;
	bool row;
	gc_result rc, send_rc = GC_OK;

	*sent = *waiting = 0;
	GC_GUARD(gc_db_prepare(ca->db, "SELECT id, subject, body FROM alert_outbox WHERE sent_at IS NULL"
	                               " ORDER BY id", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		(*waiting)++;
		if (n < GC_ALERT_MAX_SEND && alerts_on(ca) &&
		    (msgs[n] = compose(ca, gc_stmt_int64(st, 0), gc_stmt_text(st, 1), gc_stmt_text(st, 2))) != NULL)
			ids[n++] = gc_stmt_int64(st, 0);
	}
	gc_stmt_free(st);
	/* the statement is closed before the network: no read lock held while we wait */
	for (i = 0; i < n && rc == GC_OK; i++) {
		if (send_rc == GC_OK)
			send_rc = gc_smtp_send(ca->cfg.alert_smtp_url, ca->cfg.alert_from, ca->cfg.alert_to,
			                       msgs[i], strlen(msgs[i]));
		else
			continue;
		if ((rc = mark_result(ca->db, ids[i], send_rc)) == GC_OK && send_rc == GC_OK) {
			(*sent)++;
			(*waiting)--;
		}
	}
	for (i = 0; i < n; i++)
		free(msgs[i]);
	if (rc != GC_OK)
		return rc;
	if (*waiting > 0 && alerts_on(ca)) {
		char why[512];
		snprintf(why, sizeof(why), "%s", send_rc != GC_OK ? gc_err_detail() : "not tried yet");
		return gc_fail(GC_E_SMTP, "%ld alert mail(s) wait in the outbox (%s)", *waiting, why);
	}
	return GC_OK;
}
