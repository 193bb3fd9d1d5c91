/*
 * db.h - the one small database interface of gcert (DESIGN.md "store"): prepare, bind,
 * step, transaction. SQL is written once with "?" placeholders; this file's SQLite
 * driver is the embedded default. Only store/ speaks SQL.
 */
#ifndef GCERT_STORE_DB_H
#define GCERT_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct gc_db;
struct gc_stmt;

/* Opens (create: or creates) the database and brings its schema up to date. */
gc_result gc_db_open(const char *path, bool create, struct gc_db **out) GC_MUST_CHECK;
/* Opens (create: or creates) a database of another schema, migrated by its owner (the
 * RA's database, src/ra/ra_db.c): the CA's migrations are not applied. */
gc_result gc_db_open_plain(const char *path, bool create, struct gc_db **out) GC_MUST_CHECK;
void gc_db_close(struct gc_db *);

gc_result gc_db_exec(struct gc_db *, const char *sql) GC_MUST_CHECK;
/* A write transaction, taken at once (so reads inside it see a stable state). */
gc_result gc_db_begin(struct gc_db *) GC_MUST_CHECK;
/*
 * A write transaction whose commit a power failure may undo, but never half-applies and
 * a process crash never loses: for state that only shortens recovery (issue.c keeps
 * signed certificates this way before their durable commit). SQLite: synchronous=NORMAL
 * in WAL mode; PostgreSQL: SET LOCAL synchronous_commit = off.
 */
gc_result gc_db_begin_relaxed(struct gc_db *) GC_MUST_CHECK;
gc_result gc_db_commit(struct gc_db *) GC_MUST_CHECK;
void gc_db_rollback(struct gc_db *);

gc_result gc_db_prepare(struct gc_db *, const char *sql, struct gc_stmt **out) GC_MUST_CHECK;
void gc_stmt_free(struct gc_stmt *);
void gc_stmt_reset(struct gc_stmt *);
/* Binds are 1-based, as in SQL. NULL text binds SQL NULL. */
gc_result gc_stmt_bind_text(struct gc_stmt *, int idx, const char *s) GC_MUST_CHECK;
gc_result gc_stmt_bind_int64(struct gc_stmt *, int idx, int64_t v) GC_MUST_CHECK;
gc_result gc_stmt_bind_blob(struct gc_stmt *, int idx, const void *p, size_t n) GC_MUST_CHECK;
/* Binds a zero-filled blob of n bytes, to be filled by gc_db_blob_* (large objects). */
gc_result gc_stmt_bind_zeroblob(struct gc_stmt *, int idx, size_t n) GC_MUST_CHECK;
/* *row is true when a row is ready to read, false when the statement is done.
 * A constraint violation is GC_E_DB_CONSTRAINT. */
gc_result gc_stmt_step(struct gc_stmt *, bool *row) GC_MUST_CHECK;
/* Runs a statement that returns no rows, then resets it. */
gc_result gc_stmt_run(struct gc_stmt *) GC_MUST_CHECK;

/* Column readers (0-based), valid until the next step or reset. */
const char *gc_stmt_text(struct gc_stmt *, int col);
int64_t gc_stmt_int64(struct gc_stmt *, int col);
const void *gc_stmt_blob(struct gc_stmt *, int col, size_t *n);
bool gc_stmt_is_null(struct gc_stmt *, int col);
int64_t gc_db_changes(struct gc_db *);
int64_t gc_db_last_rowid(struct gc_db *);

/* Incremental writes into one blob cell (a CRL of a million entries is ~53 MiB): memory
 * stays flat. Inside the caller's transaction. */
struct gc_blob;
gc_result gc_db_blob_open(struct gc_db *, const char *table, const char *column, int64_t rowid,
                          struct gc_blob **out) GC_MUST_CHECK;
gc_result gc_blob_write(struct gc_blob *, const void *data, size_t n, size_t offset) GC_MUST_CHECK;
void gc_blob_close(struct gc_blob *);

/*
 * An online, consistent copy of the whole database (CPS §4.8.1 daily backup) through
 * SQLite's backup API, taken in one read transaction while other connections and
 * processes go on writing (WAL). *bytes (caller frees) is a database file image.
 */
gc_result gc_db_snapshot(struct gc_db *, unsigned char **bytes, size_t *n) GC_MUST_CHECK;
/* Whether a table exists (for data another module's migration adds, e.g. crls). */
gc_result gc_db_has_table(struct gc_db *, const char *name, bool *yes) GC_MUST_CHECK;

#endif
