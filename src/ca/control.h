/*
 * control.h - the control channel of a running CA service (`gcert ca serve`): a unix
 * socket DIR/run/control.sock, mode 0600 in a 0700 directory, that accepts only
 * connections from the service's own uid (SO_PEERCRED). One JSON object per line each
 * way. `gcert ca activate` hands the rebuilt PIN to the service through it (CPS §6.4), so
 * the PIN never touches the disk; `ca deactivate` and `ca status` use it too.
 *
 *   {"op":"status"}                              -> {"status":"ok","activated":bool,...}
 *   {"op":"activate","pin":P,"custodians":"a, b"} -> {"status":"ok"} or an error object
 *   {"op":"deactivate"}                          -> {"status":"ok"} or an error object
 */
#ifndef GCERT_CA_CONTROL_H
#define GCERT_CA_CONTROL_H

#include <jansson.h>
#include <stdbool.h>

#include "core/error.h"

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
