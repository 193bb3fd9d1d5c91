/*
 * nodewatch.h - a CA service node among several on one PostgreSQL database
 * (docs/issuance-safety.md "Several nodes"): every GC_NODE_WATCH_MS it speaks to the
 * database on a connection of its own, which takes the node's session locks back after
 * the server restarted, and resolves the reservations of nodes whose process is gone
 * (gc_ca_recover_dead). When this node's locks cannot be taken back (another node took
 * it for dead), it writes why into failure and stops the service with SIGTERM.
 */
#ifndef GCERT_CA_NODEWATCH_H
#define GCERT_CA_NODEWATCH_H

#include "ca/ca.h"

struct gc_node_watch;

/* failure: failuresz bytes the watch fills (once, before SIGTERM) when the node must stop. */
gc_result gc_node_watch_new(const struct gc_ca *, char *failure, size_t failuresz,
                            struct gc_node_watch **out) GC_MUST_CHECK;
gc_result gc_node_watch_start(void *arg) GC_MUST_CHECK;
void gc_node_watch_stop(void *arg);
void gc_node_watch_free(struct gc_node_watch *);

#endif
