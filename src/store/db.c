/*
 * db.c - the database interface: chooses the driver from the target, runs migration
 * lists, and passes every call to the driver (db_int.h).
 */
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_int.h"
#include "store/schema.h"

bool gc_db_target_is_pg(const char *t)
{
	return strncmp(t, "postgresql://", 13) == 0 || strncmp(t, "postgres://", 11) == 0 ||
	       strstr(t, "dbname=") != NULL || strstr(t, "host=") != NULL;
}

/*
 * Replaces what follows "password=" (key=value form) or the ":secret@" of a URI's user
 * part by "***": a password in a connection string is never printed or logged.
 */
void gc_db_target_redact(const char *t, char *out, size_t outsz)
{
	const char *pw = strstr(t, "password="), *at, *colon, *end;

	if (pw != NULL) {
		end = pw + 9;
		while (*end != '\0' && *end != ' ' && *end != '&')
			end++;
		snprintf(out, outsz, "%.*spassword=***%s", (int)(pw - t), t, end);
		return;
	}
	if (gc_db_target_is_pg(t) && (end = strstr(t, "://")) != NULL &&
	    (at = strchr(end + 3, '@')) != NULL &&
	    (colon = memchr(end + 3, ':', (size_t)(at - end - 3))) != NULL) {
		snprintf(out, outsz, "%.*s:***%s", (int)(colon - t), t, at);
		return;
	}
	snprintf(out, outsz, "%s", t);
}

gc_result gc_db_connect(const char *target, bool create, struct gc_db **out)
{
	if (gc_db_target_is_pg(target))
		return gc_pg_open(target, out);
	return gc_sqlite_open(target, create, out);
}

gc_result gc_db_open(const char *target, bool create, struct gc_db **out)
{
	struct gc_db *db;
	gc_result rc;

	GC_GUARD(gc_db_connect(target, create, &db));
	if ((rc = gc_schema_migrate(db)) != GC_OK) {
		gc_db_close(db);
		return rc;
	}
	*out = db;
	return GC_OK;
}

void gc_db_close(struct gc_db *db)
{
	if (db != NULL)
		db->ops->close(db);
}

enum gc_db_kind gc_db_kind(const struct gc_db *db)
{
	return db->ops->kind;
}

static gc_result migrate(struct gc_db *db, const struct gc_migration *list, int n, const char *name)
{
	int v, i;
	gc_result rc;

	GC_GUARD(gc_db_begin(db));
	if ((rc = db->ops->version_get(db, name, &v)) != GC_OK)
		goto fail;
	if (v > n) {
		rc = gc_fail(GC_E_DB, "database: %s schema version %d is newer than this gcert (%d)", name,
		             v, n);
		goto fail;
	}
	for (i = v; i < n; i++) {
		const char *sql = db->ops->kind == GC_DB_POSTGRESQL && list[i].pg ? list[i].pg : list[i].sql;
		if (sql[0] != '\0' && (rc = db->ops->exec_schema(db, sql)) != GC_OK) {
			gc_fail(gc_err_code(), "%s migration %d: %s", name, i + 1, gc_err_detail());
			goto fail;
		}
	}
	if (v < n && ((rc = db->ops->migrate_check(db)) != GC_OK ||
	              (rc = db->ops->version_set(db, name, n)) != GC_OK))
		goto fail;
	return gc_db_commit(db);
fail:
	gc_db_rollback(db);
	return rc;
}

gc_result gc_db_migrate(struct gc_db *db, const struct gc_migration *list, int n, const char *name)
{
	gc_result rc;

	GC_GUARD(db->ops->migrate_prepare(db));
	rc = migrate(db, list, n, name);
	if (db->ops->migrate_finish(db) != GC_OK && rc == GC_OK)
		rc = gc_err_code();
	return rc;
}

gc_result gc_db_exec(struct gc_db *db, const char *sql) { return db->ops->exec(db, sql); }
gc_result gc_db_begin(struct gc_db *db) { return db->ops->begin(db, false); }
gc_result gc_db_begin_relaxed(struct gc_db *db) { return db->ops->begin(db, true); }
gc_result gc_db_commit(struct gc_db *db) { return db->ops->commit(db); }
void gc_db_rollback(struct gc_db *db) { db->ops->rollback(db); }
int64_t gc_db_changes(struct gc_db *db) { return db->ops->changes(db); }

gc_result gc_db_prepare(struct gc_db *db, const char *sql, struct gc_stmt **out)
{
	return db->ops->prepare(db, sql, out);
}

static size_t count_params(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '?';
	return n;
}

gc_result gc_db_prepare_rows(struct gc_db *db, const char *head, const char *row, size_t nrows,
                             const char *tail, struct gc_stmt **out)
{
	size_t lh = strlen(head), lr = strlen(row), lt = strlen(tail), o, i;
	char *sql;
	gc_result rc;

	GC_ENSURE(nrows > 0, GC_E_INTERNAL, "database: a statement of no rows");
	GC_ENSURE(count_params(head) + count_params(tail) + nrows * count_params(row) <=
	              GC_DB_MAX_PARAMS,
	          GC_E_INTERNAL, "database: %zu rows are more than %d parameters", nrows,
	          GC_DB_MAX_PARAMS);
	if ((sql = malloc(lh + nrows * (lr + 2) + lt + 1)) == NULL)
		return gc_fail(GC_E_NOMEM, "database: out of memory");
	memcpy(sql, head, lh);
	o = lh;
	for (i = 0; i < nrows; i++) {
		if (i > 0) {
			memcpy(sql + o, ", ", 2);
			o += 2;
		}
		memcpy(sql + o, row, lr);
		o += lr;
	}
	memcpy(sql + o, tail, lt + 1);
	rc = db->ops->prepare(db, sql, out);
	free(sql);
	return rc;
}

void gc_stmt_free(struct gc_stmt *s)
{
	if (s != NULL)
		s->db->ops->stmt_free(s);
}

void gc_stmt_reset(struct gc_stmt *s) { s->db->ops->reset(s); }

gc_result gc_stmt_bind_text(struct gc_stmt *s, int idx, const char *v)
{
	return s->db->ops->bind_text(s, idx, v);
}

gc_result gc_stmt_bind_int64(struct gc_stmt *s, int idx, int64_t v)
{
	return s->db->ops->bind_int64(s, idx, v);
}

gc_result gc_stmt_bind_blob(struct gc_stmt *s, int idx, const void *p, size_t n)
{
	return s->db->ops->bind_blob(s, idx, p, n);
}

gc_result gc_stmt_bind_zeroblob(struct gc_stmt *s, int idx, size_t n)
{
	return s->db->ops->bind_zeroblob(s, idx, n);
}

gc_result gc_stmt_step(struct gc_stmt *s, bool *row) { return s->db->ops->step(s, row); }

gc_result gc_stmt_run(struct gc_stmt *s)
{
	bool row;
	gc_result rc = gc_stmt_step(s, &row);

	gc_stmt_reset(s);
	return rc;
}

const char *gc_stmt_text(struct gc_stmt *s, int col) { return s->db->ops->text(s, col); }
int64_t gc_stmt_int64(struct gc_stmt *s, int col) { return s->db->ops->int64(s, col); }
bool gc_stmt_is_null(struct gc_stmt *s, int col) { return s->db->ops->is_null(s, col); }

const void *gc_stmt_blob(struct gc_stmt *s, int col, size_t *n)
{
	return s->db->ops->blob(s, col, n);
}

gc_result gc_db_blob_open(struct gc_db *db, const char *table, const char *column, int64_t rowid,
                          struct gc_blob **out)
{
	return db->ops->blob_open(db, table, column, rowid, out);
}

gc_result gc_blob_write(struct gc_blob *b, const void *data, size_t n, size_t offset)
{
	return b->db->ops->blob_write(b, data, n, offset);
}

gc_result gc_blob_flush(struct gc_blob *b) { return b->db->ops->blob_flush(b); }

void gc_blob_close(struct gc_blob *b)
{
	if (b != NULL)
		b->db->ops->blob_close(b);
}

gc_result gc_db_has_table(struct gc_db *db, const char *name, bool *yes)
{
	return db->ops->has_table(db, name, yes);
}

gc_result gc_db_try_lock(struct gc_db *db, int64_t key, bool *got)
{
	return db->ops->try_lock(db, key, false, got);
}

gc_result gc_db_try_lock_shared(struct gc_db *db, int64_t key, bool *got)
{
	return db->ops->try_lock(db, key, true, got);
}

gc_result gc_db_uptime(struct gc_db *db, int64_t *seconds) { return db->ops->uptime(db, seconds); }
bool gc_db_broken(struct gc_db *db) { return db->ops->broken != NULL && db->ops->broken(db); }

gc_result gc_db_lock(struct gc_db *db, int64_t key) { return db->ops->lock(db, key, false); }
gc_result gc_db_lock_shared(struct gc_db *db, int64_t key) { return db->ops->lock(db, key, true); }
void gc_db_unlock(struct gc_db *db, int64_t key) { db->ops->unlock(db, key); }

gc_result gc_db_snapshot(struct gc_db *db, unsigned char **bytes, size_t *n)
{
	if (db->ops->kind == GC_DB_POSTGRESQL)
		return gc_pg_export(db, bytes, n);
	return gc_sqlite_snapshot(db, bytes, n);
}

gc_result gc_db_load(struct gc_db *db, const unsigned char *bytes, size_t n)
{
	GC_ENSURE(db->ops->kind == GC_DB_POSTGRESQL, GC_E_INTERNAL,
	          "database: a SQLite snapshot is a file, not loaded");
	return gc_pg_import(db, bytes, n);
}
