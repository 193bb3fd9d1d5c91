/*
 * db.c - the SQLite driver: WAL journal, synchronous FULL (a commit survives power
 * loss), foreign keys on, a busy timeout so several processes can share the file.
 */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

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

static gc_result db_open(const char *path, bool create, bool migrate, struct gc_db **out);

gc_result gc_db_open(const char *path, bool create, struct gc_db **out)
{
	return db_open(path, create, true, out);
}

gc_result gc_db_open_plain(const char *path, bool create, struct gc_db **out)
{
	return db_open(path, create, false, out);
}

static gc_result db_open(const char *path, bool create, bool migrate, struct gc_db **out)
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
	    (migrate && (r = gc_schema_migrate(db)) != GC_OK)) {
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

gc_result gc_db_snapshot(struct gc_db *db, unsigned char **bytes, size_t *n)
{
	sqlite3 *mem = NULL;
	sqlite3_backup *b;
	sqlite3_int64 size = 0;
	unsigned char *img;
	gc_result r = GC_OK;
	int rc;

	if ((rc = sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL)) != SQLITE_OK) {
		sqlite3_close(mem);
		return gc_fail(GC_E_NOMEM, "database snapshot: %s", sqlite3_errstr(rc));
	}
	/* one step of all pages: the copy is of a single instant of the source */
	if ((b = sqlite3_backup_init(mem, "main", db->h, "main")) == NULL) {
		r = gc_fail(GC_E_DB, "database snapshot: %s", sqlite3_errmsg(mem));
	} else {
		while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(10);
		if (rc != SQLITE_DONE)
			r = gc_fail(GC_E_DB, "database snapshot: %s", sqlite3_errstr(rc));
		sqlite3_backup_finish(b);
	}
	if (r == GC_OK) {
		if ((img = sqlite3_serialize(mem, "main", &size, 0)) == NULL || size <= 0) {
			r = gc_fail(GC_E_NOMEM, "database snapshot: cannot serialise");
		} else if ((*bytes = malloc((size_t)size)) == NULL) {
			r = gc_fail(GC_E_NOMEM, "database snapshot: out of memory");
		} else {
			memcpy(*bytes, img, (size_t)size);
			*n = (size_t)size;
		}
		sqlite3_free(img);
	}
	sqlite3_close(mem);
	return r;
}

gc_result gc_db_has_table(struct gc_db *db, const char *name, bool *yes)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, name)) == GC_OK)
		rc = gc_stmt_step(st, yes);
	gc_stmt_free(st);
	return rc;
}

int64_t gc_db_last_rowid(struct gc_db *db)
{
	return sqlite3_last_insert_rowid(db->h);
}

gc_result gc_stmt_bind_zeroblob(struct gc_stmt *s, int idx, size_t n)
{
	int rc = sqlite3_bind_zeroblob64(s->st, idx, n);
	return rc == SQLITE_OK ? GC_OK : db_err(s->db, rc, "bind");
}

struct gc_blob {
	struct gc_db *db;
	sqlite3_blob *b;
};

gc_result gc_db_blob_open(struct gc_db *db, const char *table, const char *column, int64_t rowid,
                          struct gc_blob **out)
{
	struct gc_blob *b;
	int rc;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	b->db = db;
	if ((rc = sqlite3_blob_open(db->h, "main", table, column, rowid, 1, &b->b)) != SQLITE_OK) {
		free(b);
		return db_err(db, rc, "blob open");
	}
	*out = b;
	return GC_OK;
}

gc_result gc_blob_write(struct gc_blob *b, const void *data, size_t n, size_t offset)
{
	int rc;

	if (n > INT32_MAX || offset > INT32_MAX)
		return gc_fail(GC_E_TOO_LARGE, "database: blob write beyond 2 GiB");
	rc = sqlite3_blob_write(b->b, data, (int)n, (int)offset);
	return rc == SQLITE_OK ? GC_OK : db_err(b->db, rc, "blob write");
}

void gc_blob_close(struct gc_blob *b)
{
	if (b == NULL)
		return;
	sqlite3_blob_close(b->b);
	free(b);
}
