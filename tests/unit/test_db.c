/* test_db.c - the database target: which driver, and a password never shown (store/db.c);
 * incremental blob writes (gc_db_blob_open) on SQLite, and with GCERT_TEST_DB=pg and
 * GCERT_TEST_PG (scripts/pg.sh) on a fresh PostgreSQL database of that server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "store/schema.h"

static void targets_choose_the_driver(void **state)
{
	(void)state;
	assert_true(gc_db_target_is_pg("postgresql://gcert@127.0.0.1:5432/ca"));
	assert_true(gc_db_target_is_pg("postgres://db/ca"));
	assert_true(gc_db_target_is_pg("host=db dbname=ca user=gcert"));
	assert_false(gc_db_target_is_pg("gcert.db"));
	assert_false(gc_db_target_is_pg("/srv/ca/gcert.db"));
}

static void passwords_are_redacted(void **state)
{
	char out[256];

	(void)state;
	gc_db_target_redact("postgresql://gcert:s3cret@db:5432/ca", out, sizeof(out));
	assert_string_equal(out, "postgresql://gcert:***@db:5432/ca");
	gc_db_target_redact("host=db password=s3cret dbname=ca", out, sizeof(out));
	assert_string_equal(out, "host=db password=*** dbname=ca");
	gc_db_target_redact("postgresql://db/ca?password=s3cret&sslmode=require", out, sizeof(out));
	assert_string_equal(out, "postgresql://db/ca?password=***&sslmode=require");
	gc_db_target_redact("postgresql://gcert@db/ca", out, sizeof(out));
	assert_string_equal(out, "postgresql://gcert@db/ca");
	gc_db_target_redact("/srv/ca/gcert.db", out, sizeof(out));
	assert_string_equal(out, "/srv/ca/gcert.db");
}

static void a_refused_connection_never_shows_the_password(void **state)
{
	struct gc_db *db = NULL;

	(void)state;
	/* port 1 on loopback: nobody listens; the message names the target, redacted */
	assert_int_equal(gc_db_open("postgresql://gcert:s3cret@127.0.0.1:1/ca?connect_timeout=2", false, &db),
	                 GC_E_DB_CONN);
	assert_null(strstr(gc_err_detail(), "s3cret"));
	assert_non_null(strstr(gc_err_detail(), "gcert:***@127.0.0.1:1/ca"));
}

/* ---- blobs written in pieces (the CRL archive, ca/crl.c) ---- */

static char path[1024]; /* the SQLite file, or the PostgreSQL database's URL */
static char pgdb[64];

static const char *pg_server(void)
{
	const char *kind = getenv("GCERT_TEST_DB"), *url = getenv("GCERT_TEST_PG");

	return kind && strcmp(kind, "pg") == 0 && url && url[0] ? url : NULL;
}

static void pg_admin(const char *verb, const char *tail)
{
	struct gc_db *db;
	char sql[160];

	snprintf(sql, sizeof(sql), "%s%s%s", verb, pgdb, tail);
	assert_int_equal(gc_db_connect(pg_server(), false, &db), GC_OK);
	assert_int_equal(gc_db_exec(db, sql), GC_OK);
	gc_db_close(db);
}

static const struct gc_migration blob_schema[] = {
	{"CREATE TABLE blobs (id INTEGER PRIMARY KEY, v BLOB NOT NULL)", NULL},
};

static int blob_setup(void **state)
{
	const char *server = pg_server(), *slash;
	struct gc_db *db;
	static int n;

	if (server != NULL) {
		snprintf(pgdb, sizeof(pgdb), "u_db_%d_%d", (int)getpid(), ++n);
		pg_admin("DROP DATABASE IF EXISTS ", " WITH (FORCE)");
		pg_admin("CREATE DATABASE ", "");
		slash = strrchr(server, '/');
		assert_non_null(slash);
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - server), server, pgdb);
	} else {
		snprintf(path, sizeof(path), "/tmp/test_db.%d.db", (int)getpid());
		unlink(path);
	}
	assert_int_equal(gc_db_connect(path, true, &db), GC_OK);
	assert_int_equal(gc_db_migrate(db, blob_schema, 1, "test_db"), GC_OK);
	*state = db;
	return 0;
}

static int blob_teardown(void **state)
{
	gc_db_close(*state);
	if (pg_server() != NULL)
		pg_admin("DROP DATABASE IF EXISTS ", " WITH (FORCE)");
	else
		unlink(path);
	return 0;
}

/* A row whose v is a zeroblob of n octets, as the CRL archive's row is made: its id. */
static int64_t blob_row(struct gc_db *db, size_t n)
{
	struct gc_stmt *st;
	bool row = false;
	int64_t id;

	assert_int_equal(gc_db_prepare(db, "INSERT INTO blobs (v) VALUES (?) RETURNING id", &st), GC_OK);
	assert_int_equal(gc_stmt_bind_zeroblob(st, 1, n), GC_OK);
	assert_int_equal(gc_stmt_step(st, &row), GC_OK);
	assert_true(row);
	id = gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	return id;
}

/* The stored value of row id equals want (n octets), byte for byte. */
static void assert_blob(struct gc_db *db, int64_t id, const unsigned char *want, size_t n)
{
	struct gc_stmt *st;
	const void *got;
	size_t len = 0;
	bool row = false;

	assert_int_equal(gc_db_prepare(db, "SELECT v FROM blobs WHERE id = ?", &st), GC_OK);
	assert_int_equal(gc_stmt_bind_int64(st, 1, id), GC_OK);
	assert_int_equal(gc_stmt_step(st, &row), GC_OK);
	assert_true(row);
	assert_false(gc_stmt_is_null(st, 0));
	got = gc_stmt_blob(st, 0, &len);
	assert_int_equal(len, n);
	if (n > 0)
		assert_memory_equal(got, want, n);
	gc_stmt_free(st);
}

/* Bytes no piece boundary can hide: each octet differs from its neighbours. */
static unsigned char *pattern(size_t n)
{
	unsigned char *p = malloc(n);
	uint32_t x = 2463534242u;

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		p[i] = (unsigned char)x;
	}
	return p;
}

/* Pieces of the sizes a CRL's re-read gives (1 MiB) and odd ones, empty included; two
 * blobs in one transaction, and an empty one: each stored exactly as written. */
static void a_blob_written_in_pieces_is_stored_byte_for_byte(void **state)
{
	static const size_t pieces[] = {1u << 20, 1, 0, 700 * 1024 + 3, 1u << 20, 1u << 20, 12345};
	struct gc_db *db = *state;
	struct gc_blob *b;
	size_t total = 0, off = 0, i;
	unsigned char *want;
	int64_t id1, id2, id3;

	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++)
		total += pieces[i];
	want = pattern(total);
	assert_int_equal(gc_db_begin(db), GC_OK);
	id1 = blob_row(db, total);
	assert_int_equal(gc_db_blob_open(db, "blobs", "v", id1, &b), GC_OK);
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); off += pieces[i++])
		assert_int_equal(gc_blob_write(b, want + off, pieces[i], off), GC_OK);
	assert_int_equal(gc_blob_flush(b), GC_OK);
	gc_blob_close(b);
	id2 = blob_row(db, 5);
	assert_int_equal(gc_db_blob_open(db, "blobs", "v", id2, &b), GC_OK);
	assert_int_equal(gc_blob_write(b, want + 7, 5, 0), GC_OK);
	assert_int_equal(gc_blob_flush(b), GC_OK);
	gc_blob_close(b);
	id3 = blob_row(db, 0);
	assert_int_equal(gc_db_blob_open(db, "blobs", "v", id3, &b), GC_OK);
	assert_int_equal(gc_blob_flush(b), GC_OK);
	gc_blob_close(b);
	assert_int_equal(gc_db_commit(db), GC_OK);
	assert_blob(db, id1, want, total);
	assert_blob(db, id2, want + 7, 5);
	assert_blob(db, id3, want, 0);
	free(want);
}

/* On PostgreSQL the gcert schema stores a certificate's TBS and DER as they are
 * (migration 15): the server tries no compression on values that do not compress. The
 * values themselves are compared byte for byte by the integration tests' PostgreSQL pass. */
static void certificate_der_is_stored_uncompressed(void **state)
{
	struct gc_db *db = *state;
	struct gc_stmt *st;
	bool row = false;

	if (gc_db_kind(db) != GC_DB_POSTGRESQL)
		skip();
	if (gc_schema_migrate(db) != GC_OK)
		fail_msg("%s", gc_err_detail());
	assert_int_equal(gc_db_prepare(db,
	                               "SELECT string_agg(attname || '=' || CAST(attstorage AS text), ','"
	                               "  ORDER BY attname) FROM pg_attribute"
	                               " WHERE attrelid = 'certificates'::regclass AND attname IN ('der', 'tbs')",
	                               &st),
	                 GC_OK);
	if (gc_stmt_step(st, &row) != GC_OK)
		fail_msg("%s", gc_err_detail());
	assert_true(row);
	assert_string_equal(gc_stmt_text(st, 0), "der=e,tbs=e");
	gc_stmt_free(st);
}

/* PostgreSQL sends each write as it comes (db.h): a write out of order is refused, and
 * a statement between open and flush, or a close without flush, fails the transaction
 * instead of storing part of the value. */
static void a_pg_blob_fails_whole(void **state)
{
	struct gc_db *db = *state;
	struct gc_blob *b;
	struct gc_stmt *st;
	unsigned char *want = pattern(4096);
	bool row = false;
	int64_t id;

	if (gc_db_kind(db) != GC_DB_POSTGRESQL) {
		free(want);
		skip();
	}
	assert_int_equal(gc_db_begin(db), GC_OK);
	id = blob_row(db, 4096);
	assert_int_equal(gc_db_commit(db), GC_OK);

	/* the flush stores with lz4 when the server has it, and puts the setting back */
	assert_int_equal(gc_db_begin(db), GC_OK);
	assert_int_equal(gc_db_exec(db, "SET LOCAL default_toast_compression = pglz"), GC_OK);
	assert_int_equal(gc_db_blob_open(db, "blobs", "v", id, &b), GC_OK);
	assert_int_equal(gc_blob_write(b, want, 4096, 0), GC_OK);
	assert_int_equal(gc_blob_flush(b), GC_OK);
	gc_blob_close(b);
	assert_int_equal(gc_db_prepare(db, "SELECT current_setting('default_toast_compression')", &st), GC_OK);
	assert_int_equal(gc_stmt_step(st, &row), GC_OK);
	assert_true(row);
	assert_string_equal(gc_stmt_text(st, 0), "pglz");
	gc_stmt_free(st);
	gc_db_rollback(db);

	assert_int_equal(gc_db_blob_open(db, "blobs", "v", id, &b), GC_E_INTERNAL); /* no transaction */

	assert_int_equal(gc_db_begin(db), GC_OK);
	assert_int_equal(gc_db_blob_open(db, "blobs", "v", id, &b), GC_OK);
	assert_int_equal(gc_blob_write(b, want, 100, 0), GC_OK);
	assert_int_equal(gc_blob_write(b, want + 200, 100, 200), GC_E_INTERNAL);
	assert_non_null(strstr(gc_err_detail(), "each write follows the last"));
	assert_int_equal(gc_db_prepare(db, "SELECT count(*) FROM blobs", &st), GC_OK);
	assert_int_not_equal(gc_stmt_run(st), GC_OK); /* the blob's COPY is aborted first */
	gc_stmt_free(st);
	assert_int_equal(gc_blob_write(b, want + 100, 100, 100), GC_E_DB);
	assert_non_null(strstr(gc_err_detail(), "another statement ran"));
	assert_int_equal(gc_blob_flush(b), GC_E_DB);
	gc_blob_close(b);
	assert_int_not_equal(gc_db_commit(db), GC_OK);
	assert_blob(db, id, want, 0);

	assert_int_equal(gc_db_begin(db), GC_OK);
	assert_int_equal(gc_db_blob_open(db, "blobs", "v", id, &b), GC_OK);
	assert_int_equal(gc_blob_write(b, want, 4096, 0), GC_OK);
	gc_blob_close(b); /* never flushed */
	assert_int_not_equal(gc_db_commit(db), GC_OK);
	assert_blob(db, id, want, 0);
	free(want);
}

/* ---- one statement for many rows (gc_db_prepare_rows, issue.c's chunks) ---- */

static void many_rows_in_one_statement(void **state)
{
	struct gc_db *db = *state;
	unsigned char v[4];
	struct gc_stmt *st;
	const void *got;
	int64_t sum = 0;
	size_t n;
	bool row;
	int i;

	/* 300 rows of two parameters: numbered in order across the rows */
	assert_int_equal(gc_db_prepare_rows(db, "INSERT INTO blobs (id, v) VALUES ", "(?, ?)", 300, "", &st),
	                 GC_OK);
	for (i = 0; i < 300; i++) {
		memcpy(v, (unsigned char[]){(unsigned char)i, (unsigned char)(i >> 8), 0xab, 0}, 4);
		assert_int_equal(gc_stmt_bind_int64(st, 2 * i + 1, i + 1), GC_OK);
		assert_int_equal(gc_stmt_bind_blob(st, 2 * i + 2, v, 3), GC_OK);
	}
	assert_int_equal(gc_stmt_run(st), GC_OK);
	assert_int_equal(gc_db_changes(db), 300);
	gc_stmt_free(st);
	/* the rows of a VALUES list joined to the table (the kept certificates) */
	assert_int_equal(gc_db_prepare_rows(db, "UPDATE blobs SET v = x.column2 FROM (VALUES ", "(?, ?)", 2,
	                                    ") AS x WHERE blobs.id = x.column1", &st), GC_OK);
	assert_int_equal(gc_stmt_bind_int64(st, 1, 7), GC_OK);
	assert_int_equal(gc_stmt_bind_blob(st, 2, "seven", 5), GC_OK);
	assert_int_equal(gc_stmt_bind_int64(st, 3, 300), GC_OK);
	assert_int_equal(gc_stmt_bind_blob(st, 4, "last", 4), GC_OK);
	assert_int_equal(gc_stmt_run(st), GC_OK);
	assert_int_equal(gc_db_changes(db), 2);
	gc_stmt_free(st);
	/* a parameter before the rows and an IN list */
	assert_int_equal(gc_db_prepare_rows(db, "SELECT id, v FROM blobs WHERE id > ? AND id IN (", "?", 3, ")"
	                                    " ORDER BY id", &st), GC_OK);
	assert_int_equal(gc_stmt_bind_int64(st, 1, 5), GC_OK);
	assert_int_equal(gc_stmt_bind_int64(st, 2, 7), GC_OK);
	assert_int_equal(gc_stmt_bind_int64(st, 3, 2), GC_OK);
	assert_int_equal(gc_stmt_bind_int64(st, 4, 300), GC_OK);
	for (i = 0; gc_stmt_step(st, &row) == GC_OK && row; i++) {
		got = gc_stmt_blob(st, 1, &n);
		sum += gc_stmt_int64(st, 0);
		if (gc_stmt_int64(st, 0) == 7)
			assert_memory_equal(got, "seven", n);
		else
			assert_memory_equal(got, "last", n);
	}
	gc_stmt_free(st);
	assert_int_equal(i, 2);
	assert_int_equal(sum, 307);
	/* no rows, or more parameters than a statement may have: refused before any SQL */
	assert_int_equal(gc_db_prepare_rows(db, "SELECT 1 WHERE 1 IN (", "?", 0, ")", &st), GC_E_INTERNAL);
	assert_int_equal(gc_db_prepare_rows(db, "INSERT INTO blobs (id, v) VALUES ", "(?, ?)",
	                                    GC_DB_MAX_PARAMS / 2 + 1, "", &st), GC_E_INTERNAL);
	assert_non_null(strstr(gc_err_detail(), "more than"));
}

/* A statement prepared again after its free (SQLite keeps it, db_sqlite.c) starts with
 * no bindings and no pending rows; a freed statement left mid-result blocks nothing;
 * more distinct statements than are kept all run right; closing with kept ones is clean. */
static void a_statement_prepared_again_starts_clean(void **state)
{
	struct gc_db *db = *state;
	struct gc_stmt *st;
	char sql[80];
	bool row;
	int i;

	if (pg_server() != NULL)
		skip(); /* SQLite's own: PostgreSQL statements are not kept */

	assert_int_equal(gc_db_prepare(db, "INSERT INTO blobs (id, v) VALUES (?, ?)", &st), GC_OK);
	assert_int_equal(gc_stmt_bind_int64(st, 1, 1), GC_OK);
	assert_int_equal(gc_stmt_bind_blob(st, 2, "one", 3), GC_OK);
	assert_int_equal(gc_stmt_run(st), GC_OK);
	gc_stmt_free(st);
	/* the same text: v unbound this time, so NULL (refused), not "one" again */
	assert_int_equal(gc_db_prepare(db, "INSERT INTO blobs (id, v) VALUES (?, ?)", &st), GC_OK);
	assert_int_equal(gc_stmt_bind_int64(st, 1, 2), GC_OK);
	assert_int_equal(gc_stmt_run(st), GC_E_DB_CONSTRAINT);
	gc_stmt_free(st);
	assert_int_equal(gc_db_prepare(db, "INSERT INTO blobs (id, v) VALUES (?, ?)", &st), GC_OK);
	assert_int_equal(gc_stmt_bind_int64(st, 1, 2), GC_OK);
	assert_int_equal(gc_stmt_bind_blob(st, 2, "two", 3), GC_OK);
	assert_int_equal(gc_stmt_run(st), GC_OK);
	gc_stmt_free(st);
	assert_blob(db, 2, (const unsigned char *)"two", 3);
	/* freed with a row pending: the next use starts from the first row again, and a
	 * write transaction is not held off by it */
	assert_int_equal(gc_db_prepare(db, "SELECT id FROM blobs ORDER BY id", &st), GC_OK);
	assert_int_equal(gc_stmt_step(st, &row), GC_OK);
	gc_stmt_free(st);
	assert_int_equal(gc_db_begin(db), GC_OK);
	assert_int_equal(gc_db_exec(db, "DELETE FROM blobs WHERE id = 2"), GC_OK);
	assert_int_equal(gc_db_commit(db), GC_OK);
	assert_int_equal(gc_db_prepare(db, "SELECT id FROM blobs ORDER BY id", &st), GC_OK);
	assert_int_equal(gc_stmt_step(st, &row), GC_OK);
	assert_true(row);
	assert_int_equal(gc_stmt_int64(st, 0), 1);
	assert_int_equal(gc_stmt_step(st, &row), GC_OK);
	assert_false(row);
	gc_stmt_free(st);
	/* many distinct texts, each twice: every one gives its own answer */
	for (i = 0; i < 40; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d + ?", i);
		assert_int_equal(gc_db_prepare(db, sql, &st), GC_OK);
		assert_int_equal(gc_stmt_bind_int64(st, 1, 1000), GC_OK);
		assert_int_equal(gc_stmt_step(st, &row), GC_OK);
		assert_true(row);
		assert_int_equal(gc_stmt_int64(st, 0), 1000 + i);
		gc_stmt_free(st);
		assert_int_equal(gc_db_prepare(db, i % 2 ? sql : "SELECT 7", &st), GC_OK);
		assert_int_equal(gc_stmt_step(st, &row), GC_OK);
		assert_true(row);
		assert_true(i % 2 ? gc_stmt_is_null(st, 0) : gc_stmt_int64(st, 0) == 7);
		gc_stmt_free(st);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(targets_choose_the_driver),
		cmocka_unit_test(passwords_are_redacted),
		cmocka_unit_test(a_refused_connection_never_shows_the_password),
		cmocka_unit_test_setup_teardown(a_blob_written_in_pieces_is_stored_byte_for_byte, blob_setup,
		                                blob_teardown),
		cmocka_unit_test_setup_teardown(a_pg_blob_fails_whole, blob_setup, blob_teardown),
		cmocka_unit_test_setup_teardown(many_rows_in_one_statement, blob_setup, blob_teardown),
		cmocka_unit_test_setup_teardown(a_statement_prepared_again_starts_clean, blob_setup,
		                                blob_teardown),
		cmocka_unit_test_setup_teardown(certificate_der_is_stored_uncompressed, blob_setup,
		                                blob_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
