/* test_ra_db.c - the RA database's migrations and the constraints that hold segregation
 * of duties (ra/ra_db.c; CPS §2.1.3 c, §2.2.10, App. E II) whatever the code does.
 * SQLite by default; with GCERT_TEST_DB=pg and GCERT_TEST_PG (scripts/pg.sh), each case
 * runs on a fresh PostgreSQL database of that server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ra/ra_db.h"
#include "store/db.h"

static char path[1024]; /* the SQLite file, or the PostgreSQL database's URL */
static char pgdb[64];   /* that database's name */

static const char *pg_server(void)
{
	const char *kind = getenv("GCERT_TEST_DB"), *url = getenv("GCERT_TEST_PG");

	return kind && strcmp(kind, "pg") == 0 && url && url[0] ? url : NULL;
}

/* SQL on the server's maintenance database: "CREATE DATABASE " or "DROP DATABASE ", the
 * name, then tail */
static void pg_admin(const char *verb, const char *name, const char *tail)
{
	struct gc_db *db;
	char sql[160];

	snprintf(sql, sizeof(sql), "%s%s%s", verb, name, tail);
	assert_int_equal(gc_db_connect(pg_server(), false, &db), GC_OK);
	assert_int_equal(gc_db_exec(db, sql), GC_OK);
	gc_db_close(db);
}

static int setup(void **state)
{
	struct gc_db *db;
	const char *server = pg_server(), *slash;

	if (server != NULL) {
		static int n;
		snprintf(pgdb, sizeof(pgdb), "u_ra_db_%d_%d", (int)getpid(), ++n);
		pg_admin("DROP DATABASE IF EXISTS ", pgdb, " WITH (FORCE)");
		pg_admin("CREATE DATABASE ", pgdb, "");
		slash = strrchr(server, '/');
		assert_non_null(slash);
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - server), server, pgdb);
	} else {
		snprintf(path, sizeof(path), "/tmp/test_ra_db.%d.db", (int)getpid());
		unlink(path);
	}
	assert_int_equal(gc_ra_db_open(path, true, &db), GC_OK);
	/* two B/Ds; OGCIO: admin 1, requester 2, business managers 3 and 4; CSB: manager 5 */
	assert_int_equal(gc_db_exec(db, "INSERT INTO orgs (id, code, name_en, name_zh) VALUES"
	                                " (1, 'OGCIO', 'O', 'O'), (2, 'CSB', 'C', 'C');"
	                                "INSERT INTO users (id, org_id, username, name, email, pw_hash, duty,"
	                                " bd_admin, created_at) VALUES"
	                                " (1, 1, 'admin1', 'A', 'a@x', 'h', NULL, 1, 0),"
	                                " (2, 1, 'req1', 'R', 'r@x', 'h', 'requester', 0, 0),"
	                                " (3, 1, 'bm1', 'B', 'b@x', 'h', 'business_manager', 0, 0),"
	                                " (4, 1, 'bm2', 'B', 'c@x', 'h', 'business_manager', 0, 0),"
	                                " (5, 2, 'bm9', 'B', 'd@x', 'h', 'business_manager', 0, 0);"
	                                "INSERT INTO applicants (id, number, org_id, created_at) VALUES"
	                                " (1, 'A000000001', 1, 0);"
	                                "INSERT INTO applications (id, org_id, applicant_id, cert_type,"
	                                " validity_years, terms_accepted, subject, status, requested_by,"
	                                " requested_at) VALUES (1, 1, 1, 'individual', 2, 1, '{}', 'pending', 2, 0);"),
	                 GC_OK);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	gc_db_close(*state);
	if (pg_server() != NULL)
		pg_admin("DROP DATABASE IF EXISTS ", pgdb, " WITH (FORCE)");
	else
		unlink(path);
	return 0;
}

/* One certificate row (its DER bound: a blob literal differs between the two databases). */
static gc_result insert_cert(struct gc_db *db, const char *serial, const char *label)
{
	static const unsigned char der[1] = {0};
	struct gc_stmt *st;
	gc_result rc;

	assert_int_equal(gc_db_prepare(db, "INSERT INTO certificates (serial, application_id, org_id, key_label,"
	                                   " subject_cn, cert_type, not_before, not_after, der, status, bound_at)"
	                                   " VALUES (?, 1, 1, ?, 'X', 'individual', 0, 1, ?, 'active', 0)", &st),
	                 GC_OK);
	assert_int_equal(gc_stmt_bind_text(st, 1, serial), GC_OK);
	assert_int_equal(gc_stmt_bind_text(st, 2, label), GC_OK);
	assert_int_equal(gc_stmt_bind_blob(st, 3, der, sizeof(der)), GC_OK);
	rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

static void reopening_keeps_the_schema(void **state)
{
	struct gc_db *again;
	struct gc_stmt *st;
	bool row;

	(void)state;
	assert_int_equal(gc_ra_db_open(path, false, &again), GC_OK);
	assert_int_equal(gc_db_prepare(again, gc_db_kind(again) == GC_DB_POSTGRESQL
	                                          ? "SELECT version FROM gc_schema_version WHERE name = 'ra'"
	                                          : "PRAGMA user_version",
	                               &st),
	                 GC_OK);
	assert_int_equal(gc_stmt_step(st, &row), GC_OK);
	assert_true(row);
	assert_true(gc_stmt_int64(st, 0) >= 1);
	gc_stmt_free(st);
	gc_db_close(again);
}

static void one_duty_only(void **state)
{
	struct gc_db *db = *state;

	assert_int_equal(gc_db_exec(db, "UPDATE users SET duty = 'requester,business_manager' WHERE id = 2"),
	                 GC_E_DB_CONSTRAINT);
	assert_int_equal(gc_db_exec(db, "UPDATE users SET duty = 'both' WHERE id = 2"), GC_E_DB_CONSTRAINT);
	assert_int_equal(gc_db_exec(db, "UPDATE users SET bd_admin = 2 WHERE id = 2"), GC_E_DB_CONSTRAINT);
	assert_int_equal(gc_db_exec(db, "UPDATE users SET duty = 'business_manager' WHERE id = 2"), GC_OK);
	assert_int_equal(gc_db_exec(db, "UPDATE users SET duty = 'requester' WHERE id = 2"), GC_OK);
}

static void nobody_decides_their_own_request(void **state)
{
	struct gc_db *db = *state;

	assert_int_equal(gc_db_exec(db, "UPDATE applications SET status = 'rejected', decided_by = 2,"
	                                " decided_at = 1 WHERE id = 1"),
	                 GC_E_DB_CONSTRAINT);
	/* a decider of another B/D */
	assert_int_equal(gc_db_exec(db, "UPDATE applications SET status = 'rejected', decided_by = 5,"
	                                " decided_at = 1 WHERE id = 1"),
	                 GC_E_DB_CONSTRAINT);
	/* approved without the identity check recorded */
	assert_int_equal(gc_db_exec(db, "UPDATE applications SET status = 'approved', decided_by = 3,"
	                                " decided_at = 1 WHERE id = 1"),
	                 GC_E_DB_CONSTRAINT);
	/* more than the last four characters of a proof number */
	assert_int_equal(gc_db_exec(db, "UPDATE applications SET proof_last4 = 'A123456' WHERE id = 1"),
	                 GC_E_DB_CONSTRAINT);
	assert_int_equal(gc_db_exec(db, "UPDATE applications SET status = 'rejected', decided_by = 3,"
	                                " decided_at = 1 WHERE id = 1"),
	                 GC_OK);
}

static void application_rules(void **state)
{
	struct gc_db *db = *state;
	static const char *const bad[] = {
		"VALUES (2, 1, 1, 'individual', 0, 1, '{}', 'pending', 2, 0)",      /* 0 years */
		"VALUES (2, 1, 1, 'individual', 4, 1, '{}', 'pending', 2, 0)",      /* 4 years */
		"VALUES (2, 1, 1, 'individual', 1, 0, '{}', 'pending', 2, 0)",      /* terms not accepted */
		"VALUES (2, 1, 1, 'server', 1, 1, '{}', 'pending', 2, 0)",          /* no such type */
		"VALUES (2, 2, 1, 'individual', 1, 1, '{}', 'pending', 2, 0)",      /* requester of another B/D */
	};
	char sql[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO applications (id, org_id, applicant_id, cert_type,"
		                           " validity_years, terms_accepted, subject, status, requested_by,"
		                           " requested_at) %s", bad[i]);
		assert_int_equal(gc_db_exec(db, sql), GC_E_DB_CONSTRAINT);
	}
}

static void key_custody_needs_two_other_officers(void **state)
{
	struct gc_db *db = *state;

	assert_int_equal(insert_cert(db, "0000000000000000000000000000000000000001", "k"), GC_OK);
	assert_int_equal(gc_db_exec(db, "INSERT INTO key_requests (id, serial, org_id, asked_by, reason, status,"
	                                " created_at) VALUES (1, '0000000000000000000000000000000000000001', 1,"
	                                " 3, 'r', 'pending', 0)"),
	                 GC_OK);
	/* the asker */
	assert_int_equal(gc_db_exec(db, "INSERT INTO key_approvals (request, officer, asked_by, org_id, at)"
	                                " VALUES (1, 3, 3, 1, 0)"),
	                 GC_E_DB_CONSTRAINT);
	/* an asker that is not the request's */
	assert_int_equal(gc_db_exec(db, "INSERT INTO key_approvals (request, officer, asked_by, org_id, at)"
	                                " VALUES (1, 3, 4, 1, 0)"),
	                 GC_E_DB_CONSTRAINT);
	/* an officer of another B/D */
	assert_int_equal(gc_db_exec(db, "INSERT INTO key_approvals (request, officer, asked_by, org_id, at)"
	                                " VALUES (1, 5, 3, 1, 0)"),
	                 GC_E_DB_CONSTRAINT);
	assert_int_equal(gc_db_exec(db, "INSERT INTO key_approvals (request, officer, asked_by, org_id, at)"
	                                " VALUES (1, 4, 3, 1, 0)"),
	                 GC_OK);
	/* the same officer twice */
	assert_int_equal(gc_db_exec(db, "INSERT INTO key_approvals (request, officer, asked_by, org_id, at)"
	                                " VALUES (1, 4, 3, 1, 0)"),
	                 GC_E_DB_CONSTRAINT);
	assert_int_equal(gc_db_exec(db, "INSERT INTO key_approvals (request, officer, asked_by, org_id, at)"
	                                " VALUES (1, 1, 3, 1, 0)"),
	                 GC_OK);
}

static void one_open_revocation_and_reminder_once(void **state)
{
	struct gc_db *db = *state;
	struct gc_stmt *st;

	assert_int_equal(insert_cert(db, "0000000000000000000000000000000000000001", "k"), GC_OK);
	assert_int_equal(insert_cert(db, "0000000000000000000000000000000000000002", "k2"),
	                 GC_E_DB_CONSTRAINT); /* one certificate per application */
	assert_int_equal(gc_db_exec(db, "INSERT INTO revocations (serial, org_id, reason, note, status,"
	                                " requested_by, requested_at, due) VALUES"
	                                " ('0000000000000000000000000000000000000001', 1, 0, '', 'pending', 2, 0, 1)"),
	                 GC_OK);
	assert_int_equal(gc_db_exec(db, "INSERT INTO revocations (serial, org_id, reason, note, status,"
	                                " requested_by, requested_at, due) VALUES"
	                                " ('0000000000000000000000000000000000000001', 1, 0, '', 'pending', 2, 0, 1)"),
	                 GC_E_DB_CONSTRAINT);
	assert_int_equal(gc_db_exec(db, "INSERT INTO revocations (serial, org_id, reason, note, status,"
	                                " requested_by, requested_at, due) VALUES"
	                                " ('0000000000000000000000000000000000000001', 1, 7, '', 'rejected', 2, 0, 1)"),
	                 GC_E_DB_CONSTRAINT); /* reason code outside App. C */
	assert_int_equal(gc_db_exec(db, "UPDATE revocations SET decided_by = 2 WHERE id = 1"), GC_E_DB_CONSTRAINT);
	assert_int_equal(gc_db_exec(db, "INSERT INTO reminders (serial, days, sent_at) VALUES"
	                                " ('0000000000000000000000000000000000000001', 30, 0)"),
	                 GC_OK);
	/* gc_db_changes counts the rows of gc_db_exec on both databases ... */
	assert_int_equal(gc_db_changes(db), 1);
	assert_int_equal(gc_db_exec(db, "INSERT INTO reminders (serial, days, sent_at) VALUES"
	                                " ('0000000000000000000000000000000000000001', 30, 9) ON CONFLICT DO NOTHING"),
	                 GC_OK);
	assert_int_equal(gc_db_changes(db), 0);
	/* ... and of a statement, as ra_worker.c runs it */
	assert_int_equal(gc_db_prepare(db, "INSERT INTO reminders (serial, days, sent_at) VALUES"
	                                   " ('0000000000000000000000000000000000000001', 30, 5) ON CONFLICT DO NOTHING",
	                               &st),
	                 GC_OK);
	assert_int_equal(gc_stmt_run(st), GC_OK);
	gc_stmt_free(st);
	assert_int_equal(gc_db_changes(db), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reopening_keeps_the_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(one_duty_only, setup, teardown),
		cmocka_unit_test_setup_teardown(nobody_decides_their_own_request, setup, teardown),
		cmocka_unit_test_setup_teardown(application_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(key_custody_needs_two_other_officers, setup, teardown),
		cmocka_unit_test_setup_teardown(one_open_revocation_and_reminder_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
