/* repo_alerts.c - audit records of rate-limited clients (see repo_alerts.h). */
#include "repo/repo.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "sys/worker.h"
#include "core/limits.h"
#include "store/db.h"

struct pending {
	char addr[48];
	long count;
};

struct gc_repo_alerts {
	char actor[128];
	struct gc_db *db;
	struct gc_audit *audit;
	struct gc_loop loop;
	pthread_mutex_t mu;
	struct pending list[GC_RATE_ALERTS];
	size_t n;
	long dropped; /* refusals beyond GC_RATE_ALERTS clients in one second */
};

void gc_repo_alerts_note(struct gc_repo_alerts *a, const char *addr)
{
	size_t i;

	pthread_mutex_lock(&a->mu);
	for (i = 0; i < a->n && strcmp(a->list[i].addr, addr) != 0; i++)
		;
	if (i < a->n) {
		a->list[i].count++;
	} else if (a->n < GC_RATE_ALERTS) {
		snprintf(a->list[a->n].addr, sizeof(a->list[a->n].addr), "%s", addr);
		a->list[a->n++].count = 1;
	} else {
		a->dropped++;
	}
	pthread_mutex_unlock(&a->mu);
}

static gc_result write_batch(struct gc_repo_alerts *a, const struct pending *p, size_t n, long dropped)
{
	char detail[160];
	gc_result rc;
	size_t i;

	GC_GUARD(gc_db_begin(a->db));
	for (i = 0; i < n; i++) {
		snprintf(detail, sizeof(detail), "%ld certificate lookups refused: rate limit "
		         "(CPS §2.7: no enumeration of subscribers)", p[i].count);
		GC_GUARD_OUT(rc, gc_audit_append(a->audit, a->actor, GC_EV_REPO_LOOKUP_LIMITED, p[i].addr,
		                                 false, detail));
	}
	if (dropped > 0) {
		snprintf(detail, sizeof(detail), "%ld more refusals from further clients", dropped);
		GC_GUARD_OUT(rc, gc_audit_append(a->audit, a->actor, GC_EV_REPO_LOOKUP_LIMITED,
		                                 "(many clients)", false, detail));
	}
	return gc_db_commit(a->db);
out:
	gc_db_rollback(a->db);
	return rc;
}

static void flush(struct gc_repo_alerts *a)
{
	static _Thread_local struct pending copy[GC_RATE_ALERTS];
	size_t n;
	long dropped;

	pthread_mutex_lock(&a->mu);
	n = a->n, dropped = a->dropped;
	memcpy(copy, a->list, n * sizeof(copy[0]));
	a->n = 0, a->dropped = 0;
	pthread_mutex_unlock(&a->mu);
	if ((n > 0 || dropped > 0) && write_batch(a, copy, n, dropped) != GC_OK) {
		/* the database refused: put the counts back for the next second */
		while (n-- > 0)
			gc_repo_alerts_note(a, copy[n].addr);
	}
}

static void *alerts_main(void *arg)
{
	struct gc_repo_alerts *a = arg;

	while (gc_loop_sleep(&a->loop, 1000))
		flush(a);
	flush(a);
	return NULL;
}

gc_result gc_repo_alerts_new(const char *dbpath, const char *actor, struct gc_repo_alerts **out)
{
	struct gc_repo_alerts *a;
	gc_result rc;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return gc_fail(GC_E_NOMEM, "out of memory");
	pthread_mutex_init(&a->mu, NULL);
	snprintf(a->actor, sizeof(a->actor), "%s", actor);
	GC_GUARD_OUT(rc, gc_db_open(dbpath, false, &a->db));
	GC_GUARD_OUT(rc, gc_audit_open(a->db, &a->audit));
	*out = a;
	return GC_OK;
out:
	gc_repo_alerts_free(a);
	return rc;
}

void gc_repo_alerts_free(struct gc_repo_alerts *a)
{
	if (a == NULL)
		return;
	gc_loop_stop(&a->loop);
	gc_audit_free(a->audit);
	gc_db_close(a->db);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

gc_result gc_repo_alerts_start(void *arg)
{
	struct gc_repo_alerts *a = arg;

	return gc_loop_start(&a->loop, alerts_main, a);
}

void gc_repo_alerts_stop(void *arg)
{
	gc_loop_stop(&((struct gc_repo_alerts *)arg)->loop);
}
