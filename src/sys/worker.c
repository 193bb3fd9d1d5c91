/* worker.c - ordered start and reverse-ordered stop of a service's workers. */
#include "sys/worker.h"

#include <time.h>

gc_result gc_service_add(struct gc_service *s, const struct gc_worker *w)
{
	GC_ENSURE(s->n < GC_SERVICE_MAX_WORKERS, GC_E_INTERNAL, "service: more than %d workers",
	          GC_SERVICE_MAX_WORKERS);
	s->workers[s->n++] = *w;
	return GC_OK;
}

gc_result gc_service_start(struct gc_service *s)
{
	gc_result rc;

	while (s->started < s->n) {
		struct gc_worker *w = &s->workers[s->started];
		if ((rc = w->start(w->arg)) != GC_OK) {
			gc_service_stop(s);
			return rc;
		}
		s->started++;
	}
	return GC_OK;
}

void gc_service_stop(struct gc_service *s)
{
	while (s->started > 0) {
		struct gc_worker *w = &s->workers[--s->started];
		w->stop(w->arg);
	}
}

gc_result gc_loop_start(struct gc_loop *l, void *(*fn)(void *), void *arg)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	l->stop = false;
	if (pthread_create(&l->thread, NULL, fn, arg) != 0) {
		pthread_cond_destroy(&l->cv);
		pthread_mutex_destroy(&l->mu);
		return gc_fail(GC_E_INTERNAL, "service: cannot start a thread");
	}
	l->running = true;
	return GC_OK;
}

bool gc_loop_sleep(struct gc_loop *l, long ms)
{
	struct timespec until;
	bool go;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L)
		until.tv_sec++, until.tv_nsec -= 1000000000L;
	pthread_mutex_lock(&l->mu);
	while (!l->stop && pthread_cond_timedwait(&l->cv, &l->mu, &until) == 0)
		;
	go = !l->stop;
	pthread_mutex_unlock(&l->mu);
	return go;
}

void gc_loop_stop(struct gc_loop *l)
{
	if (!l->running)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thread, NULL);
	l->running = false;
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
}
