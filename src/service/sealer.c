/* sealer.c - periodic checkpoints and alerts inside a long-running service (sealer.h). */
#include "service/service.h"

#include <stdio.h>
#include <stdlib.h>

#include "ca/alert.h"
#include "ca/auditkey.h"

struct gc_sealer {
	struct gc_ca *w;
	struct gc_loop loop;
	long interval_ms;
};

gc_result gc_sealer_new(const struct gc_ca *ca, long interval_seconds, struct gc_sealer **out)
{
	struct gc_sealer *s = calloc(1, sizeof(*s));
	gc_result rc;

	GC_ENSURE(s != NULL, GC_E_NOMEM, "audit sealer: out of memory");
	s->interval_ms = interval_seconds * 1000;
	if ((rc = gc_ca_worker(ca, &s->w)) != GC_OK) {
		free(s);
		return rc;
	}
	*out = s;
	return GC_OK;
}

static void step(struct gc_sealer *s)
{
	char why[1024];
	long queued, sent, waiting;
	bool made;

	if (s->w->audit_key != NULL && gc_ca_checkpoint(s->w, &made) != GC_OK) {
		snprintf(why, sizeof(why), "%s", gc_err_detail());
		if (gc_alerts_queue(s->w, "audit checkpoint REFUSED", why) != GC_OK)
			gc_err_clear();
	}
	/* a mail server that is down only leaves mail waiting for the next step */
	if (gc_alerts_scan(s->w, &queued) != GC_OK || gc_alerts_send(s->w, &sent, &waiting) != GC_OK)
		gc_err_clear();
}

static void *run(void *arg)
{
	struct gc_sealer *s = arg;

	while (gc_loop_sleep(&s->loop, s->interval_ms))
		step(s);
	step(s); /* what happened up to the stop is sealed before the service ends */
	return NULL;
}

gc_result gc_sealer_start(void *arg)
{
	struct gc_sealer *s = arg;

	return gc_loop_start(&s->loop, run, s);
}

void gc_sealer_stop(void *arg)
{
	gc_loop_stop(&((struct gc_sealer *)arg)->loop);
}

void gc_sealer_free(struct gc_sealer *s)
{
	if (s == NULL)
		return;
	gc_ca_close(s->w);
	free(s);
}
