/*
 * service/service.h - the long-running CA service (`gcert ca serve`): an ordered list of
 * workers (service.c) and the workers that are not the repository's or the interface's:
 * the CRL scheduler (crl_sched.c), the node watch of a multi-node PostgreSQL setup
 * (nodewatch.c), the audit sealer (sealer.c) and the owner-only control socket through
 * which custodians activate the keys (control.c). Workers call into the CA engine
 * (src/ca/); the engine never calls back.
 */
#ifndef GCERT_SERVICE_SERVICE_H
#define GCERT_SERVICE_SERVICE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "ca/ca.h"
#include "core/error.h"

/*
 * service.c - a long-running service (`gcert ca serve`) as an ordered list of workers:
 * the HTTP repository, the LDAP publisher, the CRL file poller, and later the CRL
 * scheduler and the interface endpoint. Workers start in the order added and stop in
 * the reverse order, so a worker may rely on those started before it.
 */

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

/*
 * crl_sched.c - the CRL scheduler as a worker of the CA service (`gcert ca serve
 * --crl-schedule`): CPS App. C I CRLs at the configured times (01:15, 06:15, 11:00 UTC),
 * a slot missed while the service was down at once on start, the ARL yearly (App. C II).
 * Each round is gc_crl_run_due on the worker's own database connection; a failed round is
 * audited (crl.issued, outcome failure) and retried a minute later.
 */

struct gc_crl_sched;

/* ca must have its token open; the scheduler works on a gc_ca_worker of it. */
gc_result gc_crl_sched_new(const struct gc_ca *ca, const char *actor,
                           struct gc_crl_sched **out) GC_MUST_CHECK;
gc_result gc_crl_sched_start(void *sched) GC_MUST_CHECK;
void gc_crl_sched_stop(void *sched);
void gc_crl_sched_free(struct gc_crl_sched *);
/* CRL runs done since start (for tests and the operator's status line). */
long gc_crl_sched_runs(struct gc_crl_sched *);

/*
 * nodewatch.c - a CA service node among several on one PostgreSQL database
 * (docs/issuance-safety.md "Several nodes"): every GC_NODE_WATCH_MS it speaks to the
 * database on a connection of its own, which takes the node's session locks back after
 * the server restarted, and resolves the reservations of nodes whose process is gone
 * (gc_ca_recover_dead). When this node's locks cannot be taken back (another node took
 * it for dead), it writes why into failure and stops the service with SIGTERM.
 */

struct gc_node_watch;

/* failure: failuresz bytes the watch fills (once, before SIGTERM) when the node must stop. */
gc_result gc_node_watch_new(const struct gc_ca *, char *failure, size_t failuresz,
                            struct gc_node_watch **out) GC_MUST_CHECK;
gc_result gc_node_watch_start(void *arg) GC_MUST_CHECK;
void gc_node_watch_stop(void *arg);
void gc_node_watch_free(struct gc_node_watch *);

/*
 * sealer.c - the audit worker of a long-running service (`gcert ca serve`): every
 * interval it seals the audit trail with a checkpoint signed by the audit key (when the
 * service holds the token; CPS §4.5.4) and queues and sends the significant-event alerts
 * (§4.5.7), so neither waits for the service to stop. A checkpoint refused because the
 * trail does not verify is itself alerted.
 */

struct gc_sealer;

/* A worker on its own database connection (gc_ca_worker); close it before ca. */
gc_result gc_sealer_new(const struct gc_ca *, long interval_seconds, struct gc_sealer **out) GC_MUST_CHECK;
gc_result gc_sealer_start(void *sealer) GC_MUST_CHECK;
void gc_sealer_stop(void *sealer);
void gc_sealer_free(struct gc_sealer *);

/*
 * control.c - the control channel of a running CA service (`gcert ca serve`): a unix
 * socket DIR/run/control.sock, mode 0600 in a 0700 directory, that accepts only
 * connections from the service's own uid (SO_PEERCRED). One JSON object per line each
 * way. `gcert ca activate` hands the rebuilt PIN to the service through it (CPS §6.4), so
 * the PIN never touches the disk; `ca deactivate` and `ca status` use it too.
 *
 *   {"op":"status"}                              -> {"status":"ok","activated":bool,...}
 *   {"op":"activate","pin":P,"custodians":"a, b"} -> {"status":"ok"} or an error object
 *   {"op":"deactivate"}                          -> {"status":"ok"} or an error object
 */

/* The largest request or reply line. */
#define GC_CONTROL_MAX_LINE 4096

/* Creates and listens on DIR/run/control.sock; refused while another service answers
 * on it (a stale socket of a dead one is replaced). */
gc_result gc_control_listen(const char *dir, int *fd) GC_MUST_CHECK;
/* Removes the socket file (the service is stopping). */
void gc_control_unlink(const char *dir);
/* Accepts one connection; a peer of another uid is closed and refused. */
gc_result gc_control_accept(int lfd, int *cfd) GC_MUST_CHECK;
/* Reads one request line (bounded, with a timeout) as a JSON object. */
gc_result gc_control_read(int fd, json_t **req) GC_MUST_CHECK;
/* Writes one reply line; takes the reference to reply. */
gc_result gc_control_write(int fd, json_t *reply) GC_MUST_CHECK;
/*
 * The client: sends req to the service of dir and reads its reply. GC_E_CONTROL with
 * running=false when no service listens. Does not take the reference to req.
 */
gc_result gc_control_call(const char *dir, json_t *req, json_t **reply, bool *running) GC_MUST_CHECK;

#endif
