/*
 * db_int.h - what a database driver provides (db.c dispatches through it). Two drivers:
 * db_sqlite.c (embedded default) and db_pg.c (libpq, for several CA service nodes).
 * Not for use outside store/.
 */
#ifndef GCERT_STORE_DB_INT_H
#define GCERT_STORE_DB_INT_H

#include "store/db.h"

struct gc_db_ops {
	enum gc_db_kind kind;
	void (*close)(struct gc_db *);
	gc_result (*exec)(struct gc_db *, const char *sql);
	/* a migration's text, with the types of the portable subset mapped (db.h) */
	gc_result (*exec_schema)(struct gc_db *, const char *sql);
	gc_result (*begin)(struct gc_db *, bool relaxed);
	gc_result (*commit)(struct gc_db *);
	void (*rollback)(struct gc_db *);
	gc_result (*prepare)(struct gc_db *, const char *sql, struct gc_stmt **out);
	void (*stmt_free)(struct gc_stmt *);
	void (*reset)(struct gc_stmt *);
	gc_result (*bind_text)(struct gc_stmt *, int idx, const char *s);
	gc_result (*bind_int64)(struct gc_stmt *, int idx, int64_t v);
	gc_result (*bind_blob)(struct gc_stmt *, int idx, const void *p, size_t n);
	gc_result (*bind_zeroblob)(struct gc_stmt *, int idx, size_t n);
	gc_result (*step)(struct gc_stmt *, bool *row);
	const char *(*text)(struct gc_stmt *, int col);
	int64_t (*int64)(struct gc_stmt *, int col);
	const void *(*blob)(struct gc_stmt *, int col, size_t *n);
	bool (*is_null)(struct gc_stmt *, int col);
	int64_t (*changes)(struct gc_db *);
	gc_result (*blob_open)(struct gc_db *, const char *table, const char *column, int64_t rowid,
	                       struct gc_blob **out);
	gc_result (*blob_write)(struct gc_blob *, const void *data, size_t n, size_t offset);
	gc_result (*blob_flush)(struct gc_blob *);
	void (*blob_close)(struct gc_blob *);
	gc_result (*has_table)(struct gc_db *, const char *name, bool *yes);
	/* the schema version of one migration list (0: none applied yet) */
	gc_result (*version_get)(struct gc_db *, const char *list, int *v);
	gc_result (*version_set)(struct gc_db *, const char *list, int v);
	/* around the migration transaction (SQLite: foreign keys off; PostgreSQL: nothing) */
	gc_result (*migrate_prepare)(struct gc_db *);
	gc_result (*migrate_check)(struct gc_db *);
	gc_result (*migrate_finish)(struct gc_db *);
	gc_result (*try_lock)(struct gc_db *, int64_t key, bool shared, bool *got);
	gc_result (*lock)(struct gc_db *, int64_t key, bool shared);
	void (*unlock)(struct gc_db *, int64_t key);
	gc_result (*uptime)(struct gc_db *, int64_t *seconds);
	bool (*broken)(struct gc_db *); /* NULL: never */
};

/* Every driver's connection and statement begin with these. */
struct gc_db {
	const struct gc_db_ops *ops;
};
struct gc_stmt {
	struct gc_db *db;
};
struct gc_blob {
	struct gc_db *db;
};

gc_result gc_sqlite_open(const char *path, bool create, struct gc_db **out) GC_MUST_CHECK;
gc_result gc_sqlite_snapshot(struct gc_db *, unsigned char **bytes, size_t *n) GC_MUST_CHECK;
gc_result gc_pg_open(const char *conninfo, struct gc_db **out) GC_MUST_CHECK;
gc_result gc_pg_export(struct gc_db *, unsigned char **bytes, size_t *n) GC_MUST_CHECK;
gc_result gc_pg_import(struct gc_db *, const unsigned char *bytes, size_t n) GC_MUST_CHECK;

#endif
