/* nodewatch.c - liveness and dead-node recovery of a CA service node (nodewatch.h). */
#include "service/service.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>


struct gc_node_watch {
	struct gc_ca *w;
	struct gc_loop loop;
	char *failure;
	size_t failuresz;
};

gc_result gc_node_watch_new(const struct gc_ca *ca, char *failure, size_t failuresz,
                            struct gc_node_watch **out)
{
	struct gc_node_watch *nw = calloc(1, sizeof(*nw));
	gc_result rc;

	GC_ENSURE(nw != NULL, GC_E_NOMEM, "node watch: out of memory");
	nw->failure = failure;
	nw->failuresz = failuresz;
	if ((rc = gc_ca_worker(ca, &nw->w)) != GC_OK) {
		free(nw);
		return rc;
	}
	*out = nw;
	return GC_OK;
}

/* This node cannot go on: why, then the stop signal the service's main loop waits for. */
static void must_stop(struct gc_node_watch *nw)
{
	snprintf(nw->failure, nw->failuresz, "node %lld: %s", (long long)gc_ca_node_id(nw->w),
	         gc_err_detail());
	kill(getpid(), SIGTERM);
}

static bool step(struct gc_node_watch *nw)
{
	struct gc_recovery rec;
	int64_t uptime;

	if (gc_db_kind(nw->w->db) != GC_DB_POSTGRESQL || gc_ca_node_id(nw->w) == 0)
		return true; /* not issuing (yet: keys not activated), or one machine */
	/* a connection made before this node began issuing takes its share now */
	if (gc_ca_node_hold(nw->w) != GC_OK) {
		must_stop(nw);
		return false;
	}
	/* speaking makes a lost connection again, with its locks, or says why it cannot */
	if (gc_db_uptime(nw->w->db, &uptime) != GC_OK) {
		if (gc_db_broken(nw->w->db)) {
			must_stop(nw);
			return false;
		}
		gc_err_clear(); /* the server is away: next step */
		return true;
	}
	if (gc_ca_recover_dead(nw->w, &rec) != GC_OK)
		gc_err_clear(); /* audited when it succeeds; tried again next step */
	return true;
}

static void *run(void *arg)
{
	struct gc_node_watch *nw = arg;

	while (gc_loop_sleep(&nw->loop, GC_NODE_WATCH_MS) && step(nw))
		;
	return NULL;
}

gc_result gc_node_watch_start(void *arg)
{
	struct gc_node_watch *nw = arg;

	return gc_loop_start(&nw->loop, run, nw);
}

void gc_node_watch_stop(void *arg)
{
	gc_loop_stop(&((struct gc_node_watch *)arg)->loop);
}

void gc_node_watch_free(struct gc_node_watch *nw)
{
	if (nw == NULL)
		return;
	gc_ca_close(nw->w);
	free(nw);
}
