/* crl_sched.c - the CRL scheduler worker (see crl_sched.h). */
#include "service/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/alert.h"
#include "ca/crl.h"
#include "core/calendar.h"

/* Even with no slot near, look again this often: a clock step or config drill is seen. */
#define SCHED_MAX_SLEEP_MS 60000L
/* A node that does not lead asks this often whether the leader is gone. */
#define SCHED_FOLLOWER_POLL_MS 1000L
/* after a lost database connection, the next try */
#define SCHED_RECONNECT_MS 2000L

struct gc_crl_sched {
	struct gc_ca *ca; /* a worker: its own database connection */
	struct gc_schedule sc;
	struct gc_loop loop;
	char actor[128];
	pthread_mutex_t mu;
	long runs;
	int64_t refused_slot; /* the last slot refused while the keys were not activated */
};

gc_result gc_crl_sched_new(const struct gc_ca *ca, const char *actor, struct gc_crl_sched **out)
{
	struct gc_crl_sched *s;
	gc_result rc;

	/* CPS §6.4: a CA under M-of-N activation runs the schedule locked until activated */
	GC_ENSURE(ca->hsm != NULL || gc_config_custodial(&ca->cfg), GC_E_HSM,
	          "crl schedule: the token is not open");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return gc_fail(GC_E_NOMEM, "crl schedule: out of memory");
	pthread_mutex_init(&s->mu, NULL);
	snprintf(s->actor, sizeof(s->actor), "%s", actor);
	if ((rc = gc_schedule_parse(ca->cfg.crl_schedule, &s->sc)) != GC_OK ||
	    (rc = gc_ca_worker(ca, &s->ca)) != GC_OK) {
		gc_crl_sched_free(s);
		return rc;
	}
	snprintf(s->ca->actor, sizeof(s->ca->actor), "%s", s->actor);
	*out = s;
	return GC_OK;
}

/* A failed round leaves its reason in the audit trail (CPS §4.5.1: CRL compilation). */
static void audit_failure(struct gc_crl_sched *s, gc_result rc)
{
	char detail[1100];

	snprintf(detail, sizeof(detail), "scheduled CRL run failed: %s: %s", gc_code_name(rc),
	         gc_err_detail());
	if (gc_db_begin(s->ca->db) != GC_OK)
		return;
	if (gc_audit_append(s->ca->audit, s->actor, GC_EV_CRL_ISSUED, "schedule", false, detail) != GC_OK ||
	    gc_db_commit(s->ca->db) != GC_OK)
		gc_db_rollback(s->ca->db);
}

/*
 * Keys not activated (CPS §6.4): a due CRL cannot be signed. Each missed slot is recorded
 * as a failed crl.issued and mailed to the operators (§4.5.7) once, not every minute.
 */
static void locked_round(struct gc_crl_sched *s, int64_t now)
{
	char msg[256], body[512];
	bool crls = false, arl = false;
	int64_t slot = gc_schedule_prev(&s->sc, now);

	if (gc_crl_due(s->ca, &s->sc, now, &crls, &arl) != GC_OK || (!crls && !arl) || slot == s->refused_slot) {
		gc_err_clear();
		return;
	}
	s->refused_slot = slot;
	gc_activation_refusal(&s->ca->cfg, msg, sizeof(msg));
	gc_fail(GC_E_NOT_ACTIVATED, "%s%s not signed: %s", crls ? "scheduled CRLs" : "",
	        arl ? (crls ? " and the ARL" : "the scheduled ARL") : "", msg);
	audit_failure(s, GC_E_NOT_ACTIVATED);
	snprintf(body, sizeof(body), "%s\n\nRelying parties keep the last CRL until its nextUpdate "
	         "(CPS App. C); activate the keys so the schedule can sign.\n", gc_err_detail());
	if (gc_alerts_queue(s->ca, "scheduled CRL NOT SIGNED: CA keys are not activated", body) != GC_OK)
		gc_err_clear();
}

static void *sched_main(void *arg)
{
	struct gc_crl_sched *s = arg;
	struct gc_crl_result *res = calloc(GC_CRL_MAX_RESULTS + 1, sizeof(*res));
	int64_t now, next;
	long ms;
	size_t n = 0;
	bool leader = false;
	gc_result rc;

	do {
		now = (int64_t)time(NULL);
		n = 0;
		/* a node whose keys are not activated never leads: an activated one can */
		if (s->ca->hsm == NULL) {
			if (leader) { /* deactivated while leading: let an activated node lead */
				gc_db_unlock(s->ca->db, GC_LOCK_CRL);
				leader = false;
			}
			locked_round(s, now);
			ms = SCHED_MAX_SLEEP_MS;
			continue; /* to the loop condition, which sleeps */
		}
		/* several nodes on one database: the one holding GC_LOCK_CRL (for its whole
		 * session) makes the CRLs; another takes over when that connection ends */
		if ((rc = gc_db_try_lock(s->ca->db, GC_LOCK_CRL, &leader)) == GC_OK && !leader) {
			ms = SCHED_FOLLOWER_POLL_MS;
			continue;
		}
		if (rc == GC_OK)
			rc = res ? gc_crl_run_due(s->ca, &s->sc, now, res, GC_CRL_MAX_RESULTS + 1, &n)
			         : gc_fail(GC_E_NOMEM, "crl schedule: out of memory");
		if (rc != GC_OK)
			audit_failure(s, rc);
		else if (n > 0) {
			pthread_mutex_lock(&s->mu);
			s->runs++;
			pthread_mutex_unlock(&s->mu);
		}
		next = gc_schedule_next(&s->sc, (int64_t)time(NULL));
		ms = (long)(next - (int64_t)time(NULL)) * 1000L;
		if (ms > SCHED_MAX_SLEEP_MS || rc != GC_OK)
			ms = SCHED_MAX_SLEEP_MS;
		/* the database away (a server restart): leadership is contested again as soon
		 * as it is back, not a whole round later */
		if (rc == GC_E_DB_CONN)
			ms = SCHED_RECONNECT_MS;
		if (ms < 1000)
			ms = 1000;
	} while (gc_loop_sleep(&s->loop, ms));
	free(res);
	return NULL;
}

gc_result gc_crl_sched_start(void *arg)
{
	struct gc_crl_sched *s = arg;

	return gc_loop_start(&s->loop, sched_main, s);
}

void gc_crl_sched_stop(void *arg)
{
	struct gc_crl_sched *s = arg;

	gc_loop_stop(&s->loop);
}

long gc_crl_sched_runs(struct gc_crl_sched *s)
{
	long n;

	pthread_mutex_lock(&s->mu);
	n = s->runs;
	pthread_mutex_unlock(&s->mu);
	return n;
}

void gc_crl_sched_free(struct gc_crl_sched *s)
{
	if (s == NULL)
		return;
	gc_ca_close(s->ca);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
