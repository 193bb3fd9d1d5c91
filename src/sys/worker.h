/*
 * worker.h - a long-running service (`gcert ca serve`) as an ordered list of workers:
 * the HTTP repository, the LDAP publisher, the CRL file poller, and later the CRL
 * scheduler and the interface endpoint. Workers start in the order added and stop in
 * the reverse order, so a worker may rely on those started before it.
 */
#ifndef GCERT_SYS_WORKER_H
#define GCERT_SYS_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define GC_SERVICE_MAX_WORKERS 16

struct gc_worker {
	const char *name;
	/* Starts the worker's thread(s); returns once it is running (or failed, changing nothing). */
	gc_result (*start)(void *arg);
	/* Asks it to finish its current step, joins its threads. Called only after start succeeded. */
	void (*stop)(void *arg);
	void *arg;
};

struct gc_service {
	struct gc_worker workers[GC_SERVICE_MAX_WORKERS];
	size_t n, started;
};

gc_result gc_service_add(struct gc_service *, const struct gc_worker *) GC_MUST_CHECK;
/* Starts every worker; on a failure stops those already started and returns it. */
gc_result gc_service_start(struct gc_service *) GC_MUST_CHECK;
/* Stops the started workers, last first. Safe to call twice. */
void gc_service_stop(struct gc_service *);

/* A worker's thread that sleeps between steps and wakes at once when asked to stop. */
struct gc_loop {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, running;
};
/* Runs fn(arg) on a new thread; fn loops while gc_loop_sleep returns true. */
gc_result gc_loop_start(struct gc_loop *, void *(*fn)(void *), void *arg) GC_MUST_CHECK;
/* Sleeps ms milliseconds; false when the loop is to stop (at once, not after ms). */
bool gc_loop_sleep(struct gc_loop *, long ms);
/* Asks the thread to stop and joins it. Safe on a loop never started. */
void gc_loop_stop(struct gc_loop *);

#endif
