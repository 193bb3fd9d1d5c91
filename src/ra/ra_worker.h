/* ra_worker.h - the RA service's background worker (ra_worker.c): mail, reminders, retries. */
#ifndef GCERT_RA_RA_WORKER_H
#define GCERT_RA_RA_WORKER_H

#include <pthread.h>
#include <stdbool.h>

#include "ra/ra.h"

struct gc_ra_worker {
	struct gc_ra *ra;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, running;
};

gc_result gc_ra_worker_start(struct gc_ra_worker *, struct gc_ra *) GC_MUST_CHECK;
void gc_ra_worker_stop(struct gc_ra_worker *);
/* One pass each (the worker calls them every second). Returns the mails sent. */
int gc_ra_worker_send_mail(struct gc_ra *);
void gc_ra_worker_reminders(struct gc_ra *);
/* Seals the RA's audit trail with a checkpoint of the RA audit key (CPS §4.5.4): every
 * minute from the worker (not waiting for a busy token), and when the service stops
 * (wait); a failure is a warning on stderr. */
void gc_ra_worker_seal(struct gc_ra *, bool wait);

#endif
