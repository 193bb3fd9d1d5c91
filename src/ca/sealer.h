/*
 * sealer.h - the audit worker of a long-running service (`gcert ca serve`): every
 * interval it seals the audit trail with a checkpoint signed by the audit key (when the
 * service holds the token; CPS §4.5.4) and queues and sends the significant-event alerts
 * (§4.5.7), so neither waits for the service to stop. A checkpoint refused because the
 * trail does not verify is itself alerted.
 */
#ifndef GCERT_CA_SEALER_H
#define GCERT_CA_SEALER_H

#include "ca/ca.h"

struct gc_sealer;

/* A worker on its own database connection (gc_ca_worker); close it before ca. */
gc_result gc_sealer_new(const struct gc_ca *, long interval_seconds, struct gc_sealer **out) GC_MUST_CHECK;
gc_result gc_sealer_start(void *sealer) GC_MUST_CHECK;
void gc_sealer_stop(void *sealer);
void gc_sealer_free(struct gc_sealer *);

#endif
