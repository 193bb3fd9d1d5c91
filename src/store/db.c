/*
 * db.c - the SQLite driver: WAL journal, synchronous FULL (a commit survives power
 * loss), foreign keys on, a busy timeout so several processes can share the file.
 */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>

#include "store/schema.h"

struct gc_db {
	sqlite3 *h;
	bool relaxed; /* the open transaction commits with synchronous=NORMAL */
};

struct gc_stmt {
	struct gc_db *db;
	sqlite3_stmt *st;
};

static gc_result db_err(struct gc_db *db, int rc, const char *what)
{
	int ext = db && db->h ? sqlite3_extended_errcode(db->h) : rc;
	const char *msg = db && db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);

	if ((ext & 0xff) == SQLITE_CONSTRAINT)
		return gc_fail(GC_E_DB_CONSTRAINT, "database: %s: %s", what, msg);
	return gc_fail(GC_E_DB, "database: %s: %s", what, msg);
}

gc_result gc_db_open(const char *path, bool create, struct gc_db **out)
{
	struct gc_db *db;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc;
	gc_result r;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	if ((rc = sqlite3_open_v2(path, &db->h, flags, NULL)) != SQLITE_OK) {
		r = db_err(db, rc, path);
		gc_db_close(db);
		return r;
	}
	sqlite3_busy_timeout(db->h, 30000);
	sqlite3_extended_result_codes(db->h, 1);
	if ((r = gc_db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
	                        "PRAGMA foreign_keys=ON;")) != GC_OK ||
	    (r = gc_schema_migrate(db)) != GC_OK) {
		gc_db_close(db);
		return r;
	}
	*out = db;
	return GC_OK;
}

void gc_db_close(struct gc_db *db)
{
	if (db == NULL)
		return;
	sqlite3_close_v2(db->h);
	free(db);
}

gc_result gc_db_exec(struct gc_db *db, const char *sql)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? GC_OK : db_err(db, rc, "exec");
}

gc_result gc_db_begin(struct gc_db *db)
{
	return gc_db_exec(db, "BEGIN IMMEDIATE");
}

gc_result gc_db_begin_relaxed(struct gc_db *db)
{
	/* PRAGMA synchronous cannot change inside a transaction: set it first */
	GC_GUARD(gc_db_exec(db, "PRAGMA synchronous=NORMAL"));
	db->relaxed = true;
	if (gc_db_begin(db) != GC_OK) {
		gc_result r = gc_err_code();
		(void)sqlite3_exec(db->h, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
		db->relaxed = false;
		return r;
	}
	return GC_OK;
}

/* Every other transaction is durable again (synchronous=FULL, see gc_db_open). */
static void end_relaxed(struct gc_db *db)
{
	if (db->relaxed) {
		(void)sqlite3_exec(db->h, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
		db->relaxed = false;
	}
}

gc_result gc_db_commit(struct gc_db *db)
{
	int rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		gc_result r = db_err(db, rc, "commit");
		gc_db_rollback(db);
		return r;
	}
	end_relaxed(db);
	return GC_OK;
}

void gc_db_rollback(struct gc_db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	end_relaxed(db);
}

gc_result gc_db_prepare(struct gc_db *db, const char *sql, struct gc_stmt **out)
{
	struct gc_stmt *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	s->db = db;
	if ((rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL)) !=
	    SQLITE_OK) {
		free(s);
		return db_err(db, rc, "prepare");
	}
	*out = s;
	return GC_OK;
}

void gc_stmt_free(struct gc_stmt *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->st);
	free(s);
}

void gc_stmt_reset(struct gc_stmt *s)
{
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
}

gc_result gc_stmt_bind_text(struct gc_stmt *s, int idx, const char *v)
{
	int rc = v ? sqlite3_bind_text(s->st, idx, v, -1, SQLITE_TRANSIENT)
	           : sqlite3_bind_null(s->st, idx);
	return rc == SQLITE_OK ? GC_OK : db_err(s->db, rc, "bind");
}

gc_result gc_stmt_bind_int64(struct gc_stmt *s, int idx, int64_t v)
{
	int rc = sqlite3_bind_int64(s->st, idx, v);
	return rc == SQLITE_OK ? GC_OK : db_err(s->db, rc, "bind");
}

gc_result gc_stmt_bind_blob(struct gc_stmt *s, int idx, const void *p, size_t n)
{
	int rc = p ? sqlite3_bind_blob64(s->st, idx, p, n, SQLITE_TRANSIENT)
	           : sqlite3_bind_null(s->st, idx);
	return rc == SQLITE_OK ? GC_OK : db_err(s->db, rc, "bind");
}

gc_result gc_stmt_step(struct gc_stmt *s, bool *row)
{
	int rc = sqlite3_step(s->st);

	if (rc == SQLITE_ROW) {
		*row = true;
		return GC_OK;
	}
	if (rc == SQLITE_DONE) {
		*row = false;
		return GC_OK;
	}
	gc_result r = db_err(s->db, rc, "step");
	sqlite3_reset(s->st);
	return r;
}

gc_result gc_stmt_run(struct gc_stmt *s)
{
	bool row;
	gc_result rc = gc_stmt_step(s, &row);

	gc_stmt_reset(s);
	return rc;
}

const char *gc_stmt_text(struct gc_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s->st, col);
}

int64_t gc_stmt_int64(struct gc_stmt *s, int col)
{
	return sqlite3_column_int64(s->st, col);
}

const void *gc_stmt_blob(struct gc_stmt *s, int col, size_t *n)
{
	const void *p = sqlite3_column_blob(s->st, col);

	*n = (size_t)sqlite3_column_bytes(s->st, col);
	return p;
}

bool gc_stmt_is_null(struct gc_stmt *s, int col)
{
	return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

int64_t gc_db_changes(struct gc_db *db)
{
	return sqlite3_changes64(db->h);
}
