/*
 * service/service.h - the long-running CA service (`gcert ca serve`): an ordered list of
 * workers (on sys/worker.h) and those that are not the repository's or the interface's:
 * the CRL scheduler (crl_sched.c), the node watch of a multi-node PostgreSQL setup
 * (nodewatch.c), the audit sealer (sealer.c) and the owner-only control socket through
 * which custodians activate the keys (control.c). Workers call into the CA engine
 * (src/ca/); the engine never calls back.
 */
#ifndef GCERT_SERVICE_SERVICE_H
#define GCERT_SERVICE_SERVICE_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "ca/ca.h"
#include "core/error.h"
#include "sys/worker.h"

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

/*
 * serve.c - the whole CA service of `gcert ca serve`: its workers built from the CA and
 * the options, the control socket, the main loop that waits for a stop signal or a
 * custodian's request, and the audit records of its start and stop.
 */
struct gc_serve;
struct gc_serve_options {
	const char *listen;       /* the repository's HOST:PORT (port 0: any) */
	const char *ldap_uri;     /* NULL or "": no LDAP publication */
	const char *iface_listen; /* the interface endpoint's HOST:PORT; NULL: none (SPEC §3) */
	bool crl_schedule;        /* App. C: CRLs and the ARL on the schedule */
	const char *actor;        /* who started it, for the audit trail */
};
/* Starts every worker and records the start; on a failure nothing keeps running. */
gc_result gc_serve_open(struct gc_ca *, const struct gc_serve_options *, struct gc_serve **out) GC_MUST_CHECK;
/* The addresses as bound ("host:port"); the interface's and LDAP's NULL when off. */
const char *gc_serve_repo_address(const struct gc_serve *);
const char *gc_serve_iface_address(const struct gc_serve *);
const char *gc_serve_ldap_uri(const struct gc_serve *);
bool gc_serve_crl_scheduled(const struct gc_serve *);
/* Serves until a signal of stop (blocked by the caller) arrives; returns its number. */
int gc_serve_run(struct gc_serve *, const sigset_t *stop);
/* Stops the workers, records the stop and frees s; an error when this node had to stop. */
gc_result gc_serve_close(struct gc_serve *, int sig);
/* `gcert repo republish`: every certificate and CRL file queued again for LDAP. */
gc_result gc_serve_republish(struct gc_ca *, const char *actor, int64_t *rows) GC_MUST_CHECK;

#endif
