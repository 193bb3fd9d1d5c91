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
/* Whose database a take-over promotes (what the standby must hold). */
enum gc_dr_owner { GC_DR_CA, GC_DR_RA };
/* The connection timeout for the old primary (it is expected dead) and the standby. */
#define GC_DR_CONNECT_SECONDS 5
/* How long promotion waits for the standby to leave recovery. */
#define GC_DR_PROMOTE_WAIT_SECONDS 60
/*
 * The server side of `gcert dr promote` (ca/drill.h, ra/ra.h), for a directory whose
 * database.postgresql is old and is to be `to`:
 *   1. unless old is to: the server at old must not answer as a primary (GC_E_DR_STATE:
 *      two primaries would split the records; stop or fence it first);
 *   2. unless old is to: `to` must hold this owner's database (a CA: one that recorded
 *      the gcert.json of SHA-256 cfg_sha; an RA: the RA's schema);
 *   3. `to` promoted (gc_drstore_promote); *ms the time it took (0 when done already).
 */
gc_result gc_drstore_take_over(const char *old, const char *to, enum gc_dr_owner, const char *cfg_sha,
                               bool *promoted_now, int64_t *ms) GC_MUST_CHECK;
/* Connects to target (no migrations: a standby is read-only) with GC_DR_CONNECT_SECONDS. */
gc_result gc_drstore_connect(const char *target, struct gc_db **out) GC_MUST_CHECK;
/* target with a connection timeout of seconds added (libpq URL or key=value form). */
gc_result gc_drstore_with_timeout(const char *target, int seconds, char *out, size_t outsz) GC_MUST_CHECK;

#endif
