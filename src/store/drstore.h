/*
 * drstore.h - what the recovery site (CPS §4.8.1) needs of a PostgreSQL server: the
 * figures a drill compares between the live database and its hot standby, the server's
 * replication state, and promotion of a standby. PostgreSQL only (streaming replication);
 * every function refuses a SQLite database with GC_E_CONFIG.
 */
#ifndef GCERT_STORE_DRSTORE_H
#define GCERT_STORE_DRSTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

struct gc_db;

/* The tables a drill compares: every row, as PostgreSQL writes it out (row text, bytea in
 * hex), hashed one by one; the table's hash is SHA-256 over the sorted row hashes, so it
 * depends on the rows alone, not on their physical order. */
#define GC_DR_TABLES 9
struct gc_dr_table {
	const char *name;
	int64_t rows;
	char sha256[65];
};
struct gc_dr_figures {
	struct gc_dr_table t[GC_DR_TABLES];
	int64_t audit_head_id; /* the last audit record (0: none) and its chain hash */
	char audit_head_hash[65];
	int64_t crl_number_max; /* the highest cRLNumber of any CA (0: none) */
};
/* Reads the figures (in the caller's transaction, if any). */
gc_result gc_drstore_figures(struct gc_db *, struct gc_dr_figures *) GC_MUST_CHECK;

/* The server's side of replication. */
struct gc_dr_server {
	bool in_recovery;            /* a standby (or a server still replaying) */
	char system_identifier[32];  /* pg_control_system(): one for a primary and its standbys */
	char lsn[32];                /* primary: pg_current_wal_lsn(); standby: last replayed */
	bool replay_paused;          /* standby: pg_wal_replay_pause() in force */
	int sync_standbys;           /* primary: standbys streaming as synchronous */
	double replay_lag_seconds;   /* primary: the largest replay_lag of its standbys (-1: none) */
};
gc_result gc_drstore_server(struct gc_db *, struct gc_dr_server *) GC_MUST_CHECK;
/* How many bytes of WAL the standby has still to replay to reach lsn (<= 0: there). */
gc_result gc_drstore_behind(struct gc_db *standby, const char *lsn, int64_t *bytes) GC_MUST_CHECK;
/*
 * Promotes a standby (pg_promote, waited for up to wait_seconds; needs a superuser or a
 * role granted pg_promote), then clears synchronous_standby_names (ALTER SYSTEM, reloaded)
 * when no synchronous standby streams to it: a promoted server has none yet, and a
 * commit must not wait for one. A server that is not in recovery is only given the latter.
 */
gc_result gc_drstore_promote(struct gc_db *, int wait_seconds, bool *promoted_now) GC_MUST_CHECK;
/* Whether the CA database ever recorded a gcert.json of this SHA-256 (config_versions). */
gc_result gc_drstore_config_seen(struct gc_db *, const char *sha256, bool *yes) GC_MUST_CHECK;
/* The last audit record of event (its id, 0: none, and detail). */
gc_result gc_drstore_last_event(struct gc_db *, const char *event, int64_t *id, char *detail,
                                size_t detailsz) GC_MUST_CHECK;
/* target with a connection timeout of seconds added (libpq URL or key=value form). */
gc_result gc_drstore_with_timeout(const char *target, int seconds, char *out, size_t outsz) GC_MUST_CHECK;

#endif
