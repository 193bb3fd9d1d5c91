/*
 * ra.h - the RA service (CMMP side, SPEC §1, §3, §4; CPS §2.1.3, §3.1, §3.2, §4.4,
 * App. E): its directory, configuration and database, and the workflows behind the
 * JSON API of docs/ra-api.md. Keys and the CA are reached only through link.h.
 *
 * The RA directory:
 *   ra.json      configuration (no secrets), strict: an unknown key is an error
 *   ra.db        the RA's database (ra_db.c): people, workflows, outbox, audit trail;
 *                or, when ra.json names one (database.postgresql), a PostgreSQL database
 *   link.json, token/, ra-service.pem   the token and CA link (link.h)
 */
#ifndef GCERT_RA_RA_H
#define GCERT_RA_RA_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/error.h"
#include "core/limits.h"

struct gc_db;
struct gc_audit;
struct gc_ra_link;

/* Limits on what a browser or a designated application sends (named once here). */
#define GC_RA_MAX_BODY 65536          /* one API request body, bytes */
#define GC_RA_MAX_FIELD 256           /* a free-text field (names, reasons), bytes */
#define GC_RA_MAX_NAME 64             /* RFC 5280 ub-name fields of the subject, characters */
#define GC_RA_MAX_EMAIL 255           /* an email address */
#define GC_RA_MIN_PASSWORD 8
#define GC_RA_MAX_REMINDERS 8
#define GC_RA_MAX_STATIC_FILE (8L << 20)

struct gc_ra_config {
	char name[GC_MAX_PEER_ID + 1]; /* the RA's name at the CA (gcert ca pin --ra) */
	int max_failed_logins;         /* ra.max_failed_logins, default 5 */
	int session_seconds;           /* a session's lifetime, default 8 hours */
	int reminder_days[GC_RA_MAX_REMINDERS]; /* §3.2 renewal notices, default 30 and 7 */
	int n_reminders;
	int revoke_working_days;       /* §4.4.2 default for a B/D that sets none */
	char smtp_url[512];            /* mail.smtp_url; empty: mail waits in the outbox */
	char mail_from[256];
	char web_root[GC_MAX_PATH];    /* the web UI's static files; "": the installed ones */
	bool cookie_secure;            /* served behind HTTPS: cookies get Secure */
	int mail_retry_max_seconds;    /* backoff cap of the outbox */
	char postgresql[GC_MAX_PATH];  /* database.postgresql; empty: RADIR/ra.db (SQLite) */
	char public_url[512];          /* the web UI as users reach it, for links in mails; may be empty */
};

struct gc_ra {
	char dir[GC_MAX_PATH];
	struct gc_ra_config cfg;
	struct gc_db *db;
	struct gc_audit *audit;
	struct gc_ra_link *link;   /* NULL until gc_ra_open_link */
	int64_t audit_key_id;      /* the RA audit key in audit_keys (after gc_ra_open_link) */
	struct gc_calendar cal;    /* §4.4.3 working days */
	/* The database (db, audit): one thread at a time, for one short step. Never held
	 * across a wait on the CA: ra_flow.c gives it back around every call to the token or
	 * the CA; the token has its own lock inside link (link.h). Order: mu, then link. */
	pthread_mutex_t mu;
};

/*
 * `gcert ra init`: the directory, its config, database and B/Ds (bds is data/bds.json).
 * postgresql: NULL for RADIR/ra.db, or the connection string of an empty PostgreSQL
 * database made by its administrator (one that holds an RA or a CA is refused).
 */
gc_result gc_ra_create(const char *dir, const char *name, const char *bds_path,
                       const char *postgresql, const char *actor) GC_MUST_CHECK;
gc_result gc_ra_open(const char *dir, struct gc_ra **out) GC_MUST_CHECK;
/* Opens the token and the CA link (link.h); needed to approve, revoke, export, check.
 * Also the RA audit key in the token (made and registered the first time). */
gc_result gc_ra_open_link(struct gc_ra *) GC_MUST_CHECK;
/* Seals the RA's audit trail with a checkpoint signed by the RA audit key (CPS §4.5.4),
 * as `gcert audit checkpoint` does the CA's; *made false when nothing was new. Without
 * wait, GC_E_RA_PENDING (nothing done) when the token is busy. */
gc_result gc_ra_checkpoint(struct gc_ra *, bool wait, bool *made) GC_MUST_CHECK;
/* The token alone (the web server's TLS key, issue 15), even before link.json exists;
 * gc_ra_open_link completes the link later. */
gc_result gc_ra_open_token(struct gc_ra *) GC_MUST_CHECK;
void gc_ra_close(struct gc_ra *);
/* Runs one statement of the RA database with int64/text binds given as a format ("i"
 * int64, "s" text); *changes (unless NULL) the rows it changed. */
gc_result gc_ra_exec(struct gc_ra *, const char *sql, int64_t *changes, const char *fmt, ...) GC_MUST_CHECK;

/* `gcert dr promote` for an RA directory (ra_dr.c; CPS §4.8.1, store/drstore.h
 * gc_drstore_take_over): the standby at `to` promoted (unless it was) and ra.json's
 * database.postgresql rewritten to it, recorded as dr.promoted in the RA's trail. */
struct gc_ra_promotion {
	bool promoted_now, repointed;
	int64_t promote_ms, audit_id;
};
gc_result gc_ra_dr_promote(const char *dir, const char *actor, const char *to,
                           struct gc_ra_promotion *) GC_MUST_CHECK;

/* Roles as stored: one duty (never both, §2.1.3 c) and the B/D administrator flag. */
enum gc_ra_duty { GC_RA_DUTY_NONE, GC_RA_DUTY_REQUESTER, GC_RA_DUTY_BM };

/* `gcert ra user add`: a user of B/D org_code (a bootstrap B/D administrator). */
gc_result gc_ra_user_add(struct gc_ra *, const char *actor, const char *org_code,
                         const char *username, const char *name, const char *email,
                         const char *password, bool bd_admin, enum gc_ra_duty,
                         bool must_change, int64_t *id) GC_MUST_CHECK;
/* `gcert ra app-token`: a new bearer token for a designated application (§2.1.3 n);
 * only its hash is stored. token gets 64 hex digits + NUL. */
/* Sets user's password (argon2id): must_change asks for a new one at the next login (an
 * initial or reset password); a reset (by another) also unlocks the account and ends its
 * sessions. event is GC_EV_RA_PASSWORD_CHANGED or GC_EV_RA_PASSWORD_RESET. */
gc_result gc_ra_user_set_password(struct gc_ra *, const char *actor, int64_t user, const char *password,
                                  bool must_change, int event) GC_MUST_CHECK;
/* The way back for a B/D whose last administrator is locked out or forgot the password
 * (`gcert ra user reset-admin`): the user becomes an enabled, unlocked B/D administrator
 * with this password, to be changed at the next login; audited. */
gc_result gc_ra_user_recover_admin(struct gc_ra *, const char *actor, const char *username,
                                   const char *password) GC_MUST_CHECK;
gc_result gc_ra_app_token(struct gc_ra *, const char *actor, const char *app_name,
                          char token[65]) GC_MUST_CHECK;

/* Appends an audit record in the caller's transaction. */
gc_result gc_ra_audit(struct gc_ra *, const char *actor, int event, const char *object,
                      bool success, const char *detail) GC_MUST_CHECK;
/* Records one audit event in a transaction of its own (failures, refusals). */
void gc_ra_audit_now(struct gc_ra *, const char *actor, int event, const char *object,
                     bool success, const char *detail);
/* A message to one address, in English and Traditional Chinese: queued as a mail in the
 * recipient's language (the RA user's choice of POST /api/me/lang; English for a
 * subscriber who is no user) with a link back to the web UI (ra.json public_url), and
 * added to the notification list of every RA user of that address. object names what it
 * is about ("application 7"). In the caller's transaction. Times in the texts are Hong
 * Kong time (gc_ra_hk_time). */
gc_result gc_ra_notify(struct gc_ra *, const char *to, const char *object, const char *subject_en,
                       const char *subject_zh, const char *body_en, const char *body_zh) GC_MUST_CHECK;
/* "2026-12-03 21:14 HKT": Hong Kong time (UTC+8, no summer time), as the B/Ds read it. */
void gc_ra_hk_time(int64_t t, char out[24]);
/* Queues one mail in the caller's transaction (the outbox worker sends it). */
gc_result gc_ra_mail_queue(struct gc_ra *, const char *to, const char *subject,
                           const char *body) GC_MUST_CHECK;

/* SHA-256 of text, lower-case hex. */
void gc_ra_sha256_hex(const void *data, size_t n, char out[65]);
/* 32 random bytes as 64 hex digits. */
void gc_ra_random_hex(char out[65]);

#endif
