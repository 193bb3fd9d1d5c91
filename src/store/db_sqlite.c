/*
 * db_sqlite.c - the SQLite driver: WAL journal, synchronous FULL (a commit survives power
 * loss), foreign keys on, a busy timeout so several processes can share the file.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_int.h"

/*
 * Statements freed by their user are kept, reset and unbound, for the next prepare of the
 * same text (issue 18: issuance prepares its multi-row statements for every chunk, and
 * compiling them cost more CPU than running them). A handful is enough for a batch's
 * statements; the oldest is finalized to make room.
 */
#define SQ_KEPT 12

struct sq_db {
	struct gc_db base;
	sqlite3 *h;
	bool relaxed; /* the open transaction commits with synchronous=NORMAL */
	sqlite3_stmt *kept[SQ_KEPT]; /* NULL: free slot */
	unsigned next;               /* the slot to reuse when all are taken */
};

struct sq_stmt {
	struct gc_stmt base;
	sqlite3_stmt *st;
};

struct sq_blob {
	struct gc_blob base;
	sqlite3_blob *b;
};

static const struct gc_db_ops sqlite_ops;
#define H(d) (((struct sq_db *)(d))->h)
#define ST(s) (((struct sq_stmt *)(s))->st)

static gc_result db_err(struct gc_db *db, int rc, const char *what)
{
	sqlite3 *h = db ? H(db) : NULL;
	int ext = h ? sqlite3_extended_errcode(h) : rc;
	const char *msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);

	if ((ext & 0xff) == SQLITE_CONSTRAINT)
		return gc_fail(GC_E_DB_CONSTRAINT, "database: %s: %s", what, msg);
	return gc_fail(GC_E_DB, "database: %s: %s", what, msg);
}

static void sq_close(struct gc_db *db)
{
	struct sq_db *d = (struct sq_db *)db;
	unsigned i;

	for (i = 0; i < SQ_KEPT; i++)
		sqlite3_finalize(d->kept[i]);
	sqlite3_close_v2(d->h);
	free(db);
}

/* A kept statement of exactly this text, taken out of the cache; NULL if none. */
static sqlite3_stmt *kept_take(struct sq_db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;
	unsigned i;

	sqlite3_mutex_enter(sqlite3_db_mutex(d->h));
	for (i = 0; i < SQ_KEPT && st == NULL; i++)
		if (d->kept[i] != NULL && strcmp(sqlite3_sql(d->kept[i]), sql) == 0) {
			st = d->kept[i];
			d->kept[i] = NULL;
		}
	sqlite3_mutex_leave(sqlite3_db_mutex(d->h));
	return st;
}

static void kept_put(struct sq_db *d, sqlite3_stmt *st)
{
	sqlite3_stmt *old = NULL;
	unsigned i;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_mutex_enter(sqlite3_db_mutex(d->h));
	for (i = 0; i < SQ_KEPT && d->kept[i] != NULL; i++)
		;
	if (i == SQ_KEPT) {
		i = d->next;
		d->next = (d->next + 1) % SQ_KEPT;
		old = d->kept[i];
	}
	d->kept[i] = st;
	sqlite3_mutex_leave(sqlite3_db_mutex(d->h));
	sqlite3_finalize(old);
}

gc_result gc_sqlite_open(const char *path, bool create, struct gc_db **out)
{
	struct sq_db *db;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc;
	gc_result r;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	db->base.ops = &sqlite_ops;
	if ((rc = sqlite3_open_v2(path, &db->h, flags, NULL)) != SQLITE_OK) {
		r = db_err(&db->base, rc, path);
		sq_close(&db->base);
		return r;
	}
	sqlite3_busy_timeout(db->h, 30000);
	sqlite3_extended_result_codes(db->h, 1);
	if ((r = gc_db_exec(&db->base, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
	                               "PRAGMA foreign_keys=ON;")) != GC_OK) {
		sq_close(&db->base);
		return r;
	}
	*out = &db->base;
	return GC_OK;
}

static gc_result sq_exec(struct gc_db *db, const char *sql)
{
	int rc = sqlite3_exec(H(db), sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? GC_OK : db_err(db, rc, "exec");
}

/* Every other transaction is durable again (synchronous=FULL, see gc_sqlite_open). */
static void end_relaxed(struct gc_db *db)
{
	struct sq_db *d = (struct sq_db *)db;

	if (d->relaxed) {
		(void)sqlite3_exec(d->h, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
		d->relaxed = false;
	}
}

/* IMMEDIATE: the write lock at once, so reads inside see a stable state. */
static gc_result sq_begin(struct gc_db *db, bool relaxed)
{
	gc_result r;

	if (relaxed) {
		/* PRAGMA synchronous cannot change inside a transaction: set it first */
		GC_GUARD(sq_exec(db, "PRAGMA synchronous=NORMAL"));
		((struct sq_db *)db)->relaxed = true;
	}
	if ((r = sq_exec(db, "BEGIN IMMEDIATE")) != GC_OK)
		end_relaxed(db);
	return r;
}

static void sq_rollback(struct gc_db *db)
{
	if (!sqlite3_get_autocommit(H(db)))
		sqlite3_exec(H(db), "ROLLBACK", NULL, NULL, NULL);
	end_relaxed(db);
}

static gc_result sq_commit(struct gc_db *db)
{
	int rc = sqlite3_exec(H(db), "COMMIT", NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		gc_result r = db_err(db, rc, "commit");
		sq_rollback(db);
		return r;
	}
	end_relaxed(db);
	return GC_OK;
}

static gc_result sq_prepare(struct gc_db *db, const char *sql, struct gc_stmt **out)
{
	struct sq_stmt *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	s->base.db = db;
	if ((s->st = kept_take((struct sq_db *)db, sql)) != NULL) {
		*out = &s->base;
		return GC_OK;
	}
	if ((rc = sqlite3_prepare_v3(H(db), sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL)) !=
	    SQLITE_OK) {
		free(s);
		return db_err(db, rc, "prepare");
	}
	*out = &s->base;
	return GC_OK;
}

static void sq_stmt_free(struct gc_stmt *s)
{
	kept_put((struct sq_db *)s->db, ST(s));
	free(s);
}

static void sq_reset(struct gc_stmt *s)
{
	sqlite3_reset(ST(s));
	sqlite3_clear_bindings(ST(s));
}

static gc_result sq_bind_text(struct gc_stmt *s, int idx, const char *v)
{
	int rc = v ? sqlite3_bind_text(ST(s), idx, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(ST(s), idx);
	return rc == SQLITE_OK ? GC_OK : db_err(s->db, rc, "bind");
}

static gc_result sq_bind_int64(struct gc_stmt *s, int idx, int64_t v)
{
	int rc = sqlite3_bind_int64(ST(s), idx, v);
	return rc == SQLITE_OK ? GC_OK : db_err(s->db, rc, "bind");
}

static gc_result sq_bind_blob(struct gc_stmt *s, int idx, const void *p, size_t n)
{
	int rc = p ? sqlite3_bind_blob64(ST(s), idx, p, n, SQLITE_TRANSIENT) : sqlite3_bind_null(ST(s), idx);
	return rc == SQLITE_OK ? GC_OK : db_err(s->db, rc, "bind");
}

static gc_result sq_bind_zeroblob(struct gc_stmt *s, int idx, size_t n)
{
	int rc = sqlite3_bind_zeroblob64(ST(s), idx, n);
	return rc == SQLITE_OK ? GC_OK : db_err(s->db, rc, "bind");
}

static gc_result sq_step(struct gc_stmt *s, bool *row)
{
	int rc = sqlite3_step(ST(s));

	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		*row = rc == SQLITE_ROW;
		return GC_OK;
	}
	gc_result r = db_err(s->db, rc, "step");
	sqlite3_reset(ST(s));
	return r;
}

static const char *sq_text(struct gc_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(ST(s), col);
}

static int64_t sq_int64(struct gc_stmt *s, int col)
{
	return sqlite3_column_int64(ST(s), col);
}

static const void *sq_blob(struct gc_stmt *s, int col, size_t *n)
{
	const void *p = sqlite3_column_blob(ST(s), col);

	*n = (size_t)sqlite3_column_bytes(ST(s), col);
	return p;
}

static bool sq_is_null(struct gc_stmt *s, int col)
{
	return sqlite3_column_type(ST(s), col) == SQLITE_NULL;
}

static int64_t sq_changes(struct gc_db *db)
{
	return sqlite3_changes64(H(db));
}

gc_result gc_sqlite_snapshot(struct gc_db *db, unsigned char **bytes, size_t *n)
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
	if ((b = sqlite3_backup_init(mem, "main", H(db), "main")) == NULL) {
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

static gc_result sq_has_table(struct gc_db *db, const char *name, bool *yes)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, name)) == GC_OK)
		rc = gc_stmt_step(st, yes);
	gc_stmt_free(st);
	return rc;
}

static gc_result sq_blob_open(struct gc_db *db, const char *table, const char *column, int64_t rowid,
                              struct gc_blob **out)
{
	struct sq_blob *b;
	int rc;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	b->base.db = db;
	if ((rc = sqlite3_blob_open(H(db), "main", table, column, rowid, 1, &b->b)) != SQLITE_OK) {
		free(b);
		return db_err(db, rc, "blob open");
	}
	*out = &b->base;
	return GC_OK;
}

static gc_result sq_blob_write(struct gc_blob *b, const void *data, size_t n, size_t offset)
{
	int rc;

	if (n > INT32_MAX || offset > INT32_MAX)
		return gc_fail(GC_E_TOO_LARGE, "database: blob write beyond 2 GiB");
	rc = sqlite3_blob_write(((struct sq_blob *)b)->b, data, (int)n, (int)offset);
	return rc == SQLITE_OK ? GC_OK : db_err(b->db, rc, "blob write");
}

/* Each write went into the row already. */
static gc_result sq_blob_flush(struct gc_blob *b)
{
	(void)b;
	return GC_OK;
}

static void sq_blob_close(struct gc_blob *b)
{
	sqlite3_blob_close(((struct sq_blob *)b)->b);
	free(b);
}

/* One list per database on SQLite (the RA has a database of its own): user_version. */
static gc_result sq_version_get(struct gc_db *db, const char *list, int *v)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	(void)list;
	GC_GUARD(gc_db_prepare(db, "PRAGMA user_version", &st));
	rc = gc_stmt_step(st, &row);
	*v = rc == GC_OK && row ? (int)gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

static gc_result sq_version_set(struct gc_db *db, const char *list, int v)
{
	char sql[64];

	(void)list;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	return sq_exec(db, sql);
}

/*
 * Foreign keys are off while migrating (the pragma has no effect inside a transaction,
 * so it is set around it), because a migration that rebuilds a table drops the old one
 * while others still refer to it; PRAGMA foreign_key_check proves every reference
 * before the commit.
 */
static gc_result sq_migrate_prepare(struct gc_db *db)
{
	return sq_exec(db, "PRAGMA foreign_keys=OFF");
}

/* After a table rebuild: every reference must still hold (SQLite ALTER TABLE §7). */
static gc_result sq_migrate_check(struct gc_db *db)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "PRAGMA foreign_key_check", &st));
	rc = gc_stmt_step(st, &row);
	if (rc == GC_OK && row)
		rc = gc_fail(GC_E_DB, "database: migration broke a reference from table %s",
		             gc_stmt_text(st, 0));
	gc_stmt_free(st);
	return rc;
}

static gc_result sq_migrate_finish(struct gc_db *db)
{
	return sq_exec(db, "PRAGMA foreign_keys=ON");
}

/* One SQLite file has one writer at a time anyway: a lock is always granted. The CA's
 * file locks (issuance.lock) order the processes of one machine. */
static gc_result sq_try_lock(struct gc_db *db, int64_t key, bool shared, bool *got)
{
	(void)db;
	(void)key;
	(void)shared;
	*got = true;
	return GC_OK;
}

static gc_result sq_lock(struct gc_db *db, int64_t key, bool shared)
{
	(void)db;
	(void)key;
	(void)shared;
	return GC_OK;
}

static void sq_unlock(struct gc_db *db, int64_t key)
{
	(void)db;
	(void)key;
}

/* The file is the server: it has been up as long as anyone can tell. */
static gc_result sq_uptime(struct gc_db *db, int64_t *seconds)
{
	(void)db;
	*seconds = INT64_MAX;
	return GC_OK;
}

static const struct gc_db_ops sqlite_ops = {
	.kind = GC_DB_SQLITE,
	.close = sq_close,
	.exec = sq_exec,
	.exec_schema = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.prepare = sq_prepare,
	.stmt_free = sq_stmt_free,
	.reset = sq_reset,
	.bind_text = sq_bind_text,
	.bind_int64 = sq_bind_int64,
	.bind_blob = sq_bind_blob,
	.bind_zeroblob = sq_bind_zeroblob,
	.step = sq_step,
	.text = sq_text,
	.int64 = sq_int64,
	.blob = sq_blob,
	.is_null = sq_is_null,
	.changes = sq_changes,
	.blob_open = sq_blob_open,
	.blob_write = sq_blob_write,
	.blob_flush = sq_blob_flush,
	.blob_close = sq_blob_close,
	.has_table = sq_has_table,
	.version_get = sq_version_get,
	.version_set = sq_version_set,
	.migrate_prepare = sq_migrate_prepare,
	.migrate_check = sq_migrate_check,
	.migrate_finish = sq_migrate_finish,
	.try_lock = sq_try_lock,
	.lock = sq_lock,
	.unlock = sq_unlock,
	.uptime = sq_uptime,
};
