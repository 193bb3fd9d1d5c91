/*
 * ra_worker.c - the RA service's background worker: sends the mail outbox through the
 * configured SMTP server with backoff (nothing is lost while the server is down), queues
 * the §3.2 renewal notices (each lead time once per certificate), and sends again what
 * could not reach the CA / collects batch results (ra_flow.c).
 */
#include "ra/ra_worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/timeutil.h"
#include "ra/ra_flow.h"
#include "store/db.h"
#include "sys/smtp.h"

#define MAIL_BATCH 16
#define FLOW_EVERY_SECONDS 10
#define SEAL_EVERY_SECONDS 60

struct mail {
	int64_t id, attempts;
	char *to, *subject, *body;
};

static void mail_free(struct mail *m)
{
	free(m->to);
	free(m->subject);
	free(m->body);
}

static int due_mails(struct gc_ra *ra, struct mail *m, int max)
{
	struct gc_stmt *st;
	bool row;
	int n = 0;

	if (gc_db_prepare(ra->db, "SELECT id, to_addr, subject, body, attempts FROM outbox WHERE sent_at IS NULL"
	                          " AND next_at <= ? ORDER BY id LIMIT ?", &st) != GC_OK)
		return 0;
	if (gc_stmt_bind_int64(st, 1, (int64_t)time(NULL)) == GC_OK && gc_stmt_bind_int64(st, 2, max) == GC_OK)
		while (n < max && gc_stmt_step(st, &row) == GC_OK && row) {
			m[n].id = gc_stmt_int64(st, 0);
			m[n].to = strdup(gc_stmt_text(st, 1));
			m[n].subject = strdup(gc_stmt_text(st, 2));
			m[n].body = strdup(gc_stmt_text(st, 3));
			m[n].attempts = gc_stmt_int64(st, 4);
			n++;
		}
	gc_stmt_free(st);
	return n;
}

/* RFC 5322 text: headers, a blank line, the body (CRLF line ends, UTF-8). */
static char *compose(const struct gc_ra *ra, const struct mail *m, size_t *len)
{
	char date[64], *msg;
	time_t now = time(NULL);
	struct tm tm;
	size_t n = strlen(m->body) + strlen(m->subject) + strlen(m->to) + 512;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if ((msg = malloc(n)) == NULL)
		return NULL;
	*len = (size_t)snprintf(msg, n, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <ra-%lld@%s>\r\n"
	                        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	                        "Content-Transfer-Encoding: 8bit\r\n\r\n%s",
	                        ra->cfg.mail_from, m->to, m->subject, date, (long long)m->id, ra->cfg.name, m->body);
	return msg;
}

static void mark(struct gc_ra *ra, const struct mail *m, gc_result rc)
{
	struct gc_stmt *st;
	int64_t now = (int64_t)time(NULL), delay;
	bool ok;

	/* backoff 2, 4, 8 ... seconds up to mail_retry_max_seconds */
	delay = m->attempts >= 20 ? ra->cfg.mail_retry_max_seconds : (int64_t)2 << m->attempts;
	if (delay > ra->cfg.mail_retry_max_seconds)
		delay = ra->cfg.mail_retry_max_seconds;
	if (rc == GC_OK)
		ok = gc_db_prepare(ra->db, "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL"
		                           " WHERE id = ?", &st) == GC_OK &&
		     gc_stmt_bind_int64(st, 1, now) == GC_OK && gc_stmt_bind_int64(st, 2, m->id) == GC_OK;
	else
		ok = gc_db_prepare(ra->db, "UPDATE outbox SET next_at = ?, attempts = attempts + 1, last_error = ?"
		                           " WHERE id = ?", &st) == GC_OK &&
		     gc_stmt_bind_int64(st, 1, now + delay) == GC_OK && gc_stmt_bind_text(st, 2, gc_err_detail()) == GC_OK &&
		     gc_stmt_bind_int64(st, 3, m->id) == GC_OK;
	if (ok && gc_stmt_run(st) != GC_OK)
		gc_err_clear();
	if (ok)
		gc_stmt_free(st);
}

int gc_ra_worker_send_mail(struct gc_ra *ra)
{
	struct mail m[MAIL_BATCH];
	int n, i, sent = 0;

	pthread_mutex_lock(&ra->mu);
	n = ra->cfg.smtp_url[0] ? due_mails(ra, m, MAIL_BATCH) : 0;
	pthread_mutex_unlock(&ra->mu);
	for (i = 0; i < n; i++) {
		size_t len = 0;
		char *msg = compose(ra, &m[i], &len);
		/* the network is used without the lock: the API keeps answering meanwhile */
		gc_result rc = msg ? gc_smtp_send(ra->cfg.smtp_url, ra->cfg.mail_from, m[i].to, msg, len)
		                   : gc_fail(GC_E_NOMEM, "mail: out of memory");
		free(msg);
		sent += rc == GC_OK;
		pthread_mutex_lock(&ra->mu);
		mark(ra, &m[i], rc);
		pthread_mutex_unlock(&ra->mu);
		mail_free(&m[i]);
	}
	return sent;
}

/* §3.2: one notice per certificate and lead time, queued with its record. */
static void remind(struct gc_ra *ra, const char *serial, int days, int64_t not_after, const char *to, const char *cn)
{
	struct gc_stmt *st;
	char subject[160], body[600], subject_zh[160], body_zh[600], na[24], obj[64];
	gc_result rc;

	if (gc_db_begin(ra->db) != GC_OK)
		return;
	rc = gc_db_prepare(ra->db, "INSERT INTO reminders (serial, days, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
	                   &st);
	if (rc == GC_OK) {
		if ((rc = gc_stmt_bind_text(st, 1, serial)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, days)) == GC_OK &&
		    (rc = gc_stmt_bind_int64(st, 3, (int64_t)time(NULL))) == GC_OK)
			rc = gc_stmt_run(st);
		gc_stmt_free(st);
	}
	if (rc == GC_OK && gc_db_changes(ra->db) == 1) {
		gc_ra_hk_time(not_after, na);
		snprintf(subject, sizeof(subject), "[g-Cert] renewal notice: %s expires on %.10s", cn, na);
		snprintf(body, sizeof(body), "The g-Cert of %s (serial %s) expires at %s.\r\nIt is not renewed "
		         "automatically: a requester of your B/D submits the renewal in CMMP (CPS §3.2).\r\n", cn, serial, na);
		snprintf(subject_zh, sizeof(subject_zh), "[政府電子證書] 續期通知：%s 將於 %.10s 屆滿", cn, na);
		snprintf(body_zh, sizeof(body_zh), "%s 的政府電子證書（序號 %s）將於 %s 屆滿。\r\n證書不會自動續期："
		         "請由 貴局／部門／辦公室的提出要求者在中央管理通訊系統提交續期申請（核證作業準則第 3.2 節）。\r\n",
		         cn, serial, na);
		snprintf(obj, sizeof(obj), "certificate %.40s", serial);
		rc = gc_ra_notify(ra, to, obj, subject, subject_zh, body, body_zh);
		if (rc == GC_OK)
			rc = gc_ra_audit(ra, "ra:worker", GC_EV_RA_REMINDER, obj, true, subject);
	}
	if (rc != GC_OK || gc_db_commit(ra->db) != GC_OK) {
		gc_db_rollback(ra->db);
		gc_err_clear();
	}
}

void gc_ra_worker_reminders(struct gc_ra *ra)
{
	struct gc_stmt *st;
	int64_t now = (int64_t)time(NULL);
	int i;
	bool row;
	struct {
		char serial[41], to[256], cn[128];
		int64_t not_after;
	} due[32];
	int n, k;

	pthread_mutex_lock(&ra->mu);
	for (i = 0; i < ra->cfg.n_reminders; i++) {
		int days = ra->cfg.reminder_days[i];
		n = 0;
		if (gc_db_prepare(ra->db, "SELECT c.serial, coalesce(c.email, u.email), c.subject_cn, c.not_after FROM"
		                          " certificates c JOIN applications a ON a.id = c.application_id JOIN users u ON"
		                          " u.id = a.requested_by WHERE c.status = 'active' AND c.not_after > ? AND"
		                          " c.not_after <= ? AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.serial ="
		                          " c.serial AND r.days = ?) LIMIT 32", &st) != GC_OK) {
			gc_err_clear();
			continue;
		}
		if (gc_stmt_bind_int64(st, 1, now) == GC_OK && gc_stmt_bind_int64(st, 2, now + (int64_t)days * 86400) == GC_OK &&
		    gc_stmt_bind_int64(st, 3, days) == GC_OK)
			while (n < 32 && gc_stmt_step(st, &row) == GC_OK && row) {
				snprintf(due[n].serial, sizeof(due[n].serial), "%s", gc_stmt_text(st, 0));
				snprintf(due[n].to, sizeof(due[n].to), "%s", gc_stmt_text(st, 1));
				snprintf(due[n].cn, sizeof(due[n].cn), "%s", gc_stmt_text(st, 2));
				due[n].not_after = gc_stmt_int64(st, 3);
				n++;
			}
		gc_stmt_free(st);
		for (k = 0; k < n; k++)
			remind(ra, due[k].serial, days, due[k].not_after, due[k].to, due[k].cn);
	}
	pthread_mutex_unlock(&ra->mu);
}

void gc_ra_worker_seal(struct gc_ra *ra, bool wait)
{
	bool made;
	gc_result rc;

	pthread_mutex_lock(&ra->mu);
	if ((rc = gc_ra_checkpoint(ra, wait, &made)) == GC_E_RA_PENDING) {
		gc_err_clear(); /* the token is busy with the CA: next time */
	} else if (rc != GC_OK) {
		fprintf(stderr, "gcert: warning: RA audit checkpoint not taken: %s [%s]\n", gc_err_detail(),
		        gc_code_name(gc_err_code()));
		gc_err_clear();
	}
	pthread_mutex_unlock(&ra->mu);
}

static void *worker_main(void *arg)
{
	struct gc_ra_worker *w = arg;
	time_t last_flow = 0, last_seal = time(NULL);

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		pthread_mutex_unlock(&w->mu);
		gc_ra_worker_reminders(w->ra);
		(void)gc_ra_worker_send_mail(w->ra);
		if (time(NULL) - last_flow >= FLOW_EVERY_SECONDS) {
			pthread_mutex_lock(&w->ra->mu);
			gc_ra_flow_retry(w->ra);
			pthread_mutex_unlock(&w->ra->mu);
			last_flow = time(NULL);
		}
		if (time(NULL) - last_seal >= SEAL_EVERY_SECONDS) {
			gc_ra_worker_seal(w->ra, false);
			last_seal = time(NULL);
		}
		pthread_mutex_lock(&w->mu);
		if (!w->stop) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&w->cv, &w->mu, &ts);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

gc_result gc_ra_worker_start(struct gc_ra_worker *w, struct gc_ra *ra)
{
	memset(w, 0, sizeof(*w));
	w->ra = ra;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	GC_ENSURE(pthread_create(&w->thread, NULL, worker_main, w) == 0, GC_E_INTERNAL, "RA worker: cannot start");
	w->running = true;
	return GC_OK;
}

void gc_ra_worker_stop(struct gc_ra_worker *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->running = false;
}
