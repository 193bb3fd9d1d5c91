/*
 * test_repostore.c - store/repostore.c and schema migration 4 against a real SQLite file:
 * the LDAP outbox is filled by triggers in the issuing transaction (CPS §2.5.3), read in
 * order, and lookups answer issued certificates only, by exact key (CPS §2.7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/repostore.h"

static char path[64];

static struct gc_db *fresh_db(void)
{
	struct gc_db *db;
	int fd;

	snprintf(path, sizeof(path), "/tmp/gcert-repostore-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(gc_db_open(path, true, &db), GC_OK);
	return db;
}

static void drop_db(struct gc_db *db)
{
	char p[80];

	gc_db_close(db);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path), unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path), unlink(p);
}

#define SERIAL(c) c c c c c c c c c c /* 40 hex digits from a 4-digit block */

static void add_ca(struct gc_db *db)
{
	assert_int_equal(gc_db_exec(db, "INSERT INTO ca_certs (role, subject_cn, key_label, serial,"
	                                " not_before, not_after, der, created_at) VALUES ('root',"
	                                " 'Hongkong Post Root CA 2', 'r', '" SERIAL("0aaa") "', 1, 2,"
	                                " x'3000', 1)"), GC_OK);
	assert_int_equal(gc_db_exec(db, "INSERT INTO subscribers (ref, created_at) VALUES"
	                                " ('0123456789', 1)"), GC_OK);
}

static void reserve(struct gc_db *db, const char *serial, const char *req, const char *email)
{
	char sql[1024];

	snprintf(sql, sizeof(sql), "INSERT INTO certificates (serial, ca_id, request_id, subscriber_ref,"
	         " cert_type, subject_cn, email, organisation, validity_years, spki_sha256, not_before,"
	         " not_after, status, tbs, created_at) VALUES ('%s', 1, '%s', '0123456789', 'individual',"
	         " 'CHAN Tai Man', '%s', 'OGCIO', 1, 'x', 1, 2, 'reserved', x'00', 1)", serial, req, email);
	assert_int_equal(gc_db_exec(db, sql), GC_OK);
}

static void issue(struct gc_db *db, const char *serial, int at)
{
	char sql[256];

	/* as issue.c does: reserved -> signed (DER kept) -> issued (migration 5) */
	snprintf(sql, sizeof(sql), "UPDATE certificates SET status = 'signed', der = x'30%02x'"
	         " WHERE serial = '%s'", at, serial);
	assert_int_equal(gc_db_exec(db, sql), GC_OK);
	snprintf(sql, sizeof(sql), "UPDATE certificates SET status = 'issued', issued_at = %d"
	         " WHERE serial = '%s'", at, serial);
	assert_int_equal(gc_db_exec(db, sql), GC_OK);
}

static void test_outbox_triggers(void **state)
{
	struct gc_db *db = fresh_db();
	struct gc_outbox_op ops[8];
	int64_t count;
	size_t n;

	(void)state;
	add_ca(db);
	reserve(db, SERIAL("1111"), "r1", "a@example.gov.hk");
	reserve(db, SERIAL("2222"), "r2", "a@example.gov.hk");
	/* a reservation is not published */
	assert_int_equal(gc_outbox_count(db, &count), GC_OK);
	assert_int_equal(count, 1); /* the CA certificate */
	issue(db, SERIAL("2222"), 7);
	issue(db, SERIAL("1111"), 8);
	assert_int_equal(gc_outbox_pending(db, ops, 8, &n), GC_OK);
	assert_int_equal(n, 3);
	/* in the order of the changes, with what the publisher needs */
	assert_int_equal(ops[0].kind, GC_OUTBOX_CA_CERT);
	assert_string_equal(ops[0].c.subject_cn, "Hongkong Post Root CA 2");
	assert_string_equal(ops[0].c.role, "root");
	assert_int_equal(ops[1].kind, GC_OUTBOX_CERT);
	assert_string_equal(ops[1].object, SERIAL("2222"));
	assert_int_equal(ops[1].c.dersz, 2);
	assert_int_equal(ops[1].c.der[1], 7);
	assert_string_equal(ops[1].c.email, "a@example.gov.hk");
	assert_string_equal(ops[2].object, SERIAL("1111"));
	assert_true(ops[0].id < ops[1].id && ops[1].id < ops[2].id);
	/* a failure keeps the row first in line, and says why */
	assert_int_equal(gc_outbox_note_failure(db, ops[0].id, "slapd down"), GC_OK);
	assert_int_equal(gc_outbox_note_head_failure(db, "still down"), GC_OK);
	gc_outbox_ops_clear(ops, n);
	assert_int_equal(gc_outbox_pending(db, ops, 1, &n), GC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ops[0].attempts, 2);
	/* applied: gone; twice: an error (two publishers would be a bug) */
	assert_int_equal(gc_outbox_delete(db, ops[0].id), GC_OK);
	assert_int_equal(gc_outbox_delete(db, ops[0].id), GC_E_DB);
	gc_outbox_ops_clear(ops, n);
	assert_int_equal(gc_outbox_count(db, &count), GC_OK);
	assert_int_equal(count, 2);
	drop_db(db);
}

static void test_outbox_files(void **state)
{
	struct gc_db *db = fresh_db();
	struct gc_outbox_op ops[4];
	char sha[65];
	bool found;
	size_t n;

	(void)state;
	assert_int_equal(gc_repo_file_last(db, "eCertCA2-17CRL1.crl", sha, &found), GC_OK);
	assert_false(found);
	assert_int_equal(gc_outbox_queue_file(db, "eCertCA2-17CRL1.crl", (const unsigned char *)"v1", 2,
	                                      "1111111111111111111111111111111111111111111111111111111111111111"),
	                 GC_OK);
	assert_int_equal(gc_outbox_queue_file(db, "eCertCA2-17CRL1.crl", (const unsigned char *)"v2!", 3,
	                                      "2222222222222222222222222222222222222222222222222222222222222222"),
	                 GC_OK);
	assert_int_equal(gc_repo_file_last(db, "eCertCA2-17CRL1.crl", sha, &found), GC_OK);
	assert_true(found);
	assert_int_equal(sha[0], '2');
	/* both versions wait, in order, each with its own bytes */
	assert_int_equal(gc_outbox_pending(db, ops, 4, &n), GC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(ops[0].kind, GC_OUTBOX_FILE);
	assert_memory_equal(ops[0].c.der, "v1", 2);
	assert_memory_equal(ops[1].c.der, "v2!", 3);
	gc_outbox_ops_clear(ops, n);
	/* a malformed hash is refused by the schema */
	assert_int_equal(gc_outbox_queue_file(db, "x", (const unsigned char *)"v", 1, "short"),
	                 GC_E_DB_CONSTRAINT);
	drop_db(db);
}

static void test_lookups(void **state)
{
	struct gc_db *db = fresh_db();
	struct gc_repo_reader *r;
	struct gc_repo_cert c;

	(void)state;
	add_ca(db);
	reserve(db, SERIAL("1111"), "r1", "a@example.gov.hk");
	reserve(db, SERIAL("2222"), "r2", "a@example.gov.hk");
	reserve(db, SERIAL("3333"), "r3", "b@example.gov.hk");
	issue(db, SERIAL("1111"), 5);
	issue(db, SERIAL("2222"), 9);
	assert_int_equal(gc_repo_reader_open(path, &r), GC_OK);
	assert_int_equal(gc_repo_cert_by_serial(r, SERIAL("1111"), &c), GC_OK);
	assert_int_equal(c.der[1], 5);
	gc_repo_cert_clear(&c);
	/* reserved: not published */
	assert_int_equal(gc_repo_cert_by_serial(r, SERIAL("3333"), &c), GC_E_NOT_FOUND);
	assert_int_equal(gc_repo_cert_by_email(r, "b@example.gov.hk", &c), GC_E_NOT_FOUND);
	/* by email: the newest issued */
	assert_int_equal(gc_repo_cert_by_email(r, "a@example.gov.hk", &c), GC_OK);
	assert_string_equal(c.serial, SERIAL("2222"));
	gc_repo_cert_clear(&c);
	/* exact keys only: no pattern, no case folding, no prefix */
	assert_int_equal(gc_repo_cert_by_email(r, "%@example.gov.hk", &c), GC_E_NOT_FOUND);
	assert_int_equal(gc_repo_cert_by_email(r, "A@example.gov.hk", &c), GC_E_NOT_FOUND);
	assert_int_equal(gc_repo_cert_by_serial(r, "1111", &c), GC_E_NOT_FOUND);
	assert_int_equal(gc_repo_cert_by_serial(r, "%", &c), GC_E_NOT_FOUND);
	/* the CA certificate */
	assert_int_equal(gc_repo_ca_cert(r, "root", &c), GC_OK);
	assert_string_equal(c.subject_cn, "Hongkong Post Root CA 2");
	gc_repo_cert_clear(&c);
	assert_int_equal(gc_repo_ca_cert(r, "issuing", &c), GC_E_NOT_FOUND);
	gc_repo_reader_free(r);
	drop_db(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outbox_triggers),
		cmocka_unit_test(test_outbox_files),
		cmocka_unit_test(test_lookups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
