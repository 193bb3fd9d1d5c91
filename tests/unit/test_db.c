/* test_db.c - the database target: which driver, and a password never shown (store/db.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/db.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(targets_choose_the_driver),
		cmocka_unit_test(passwords_are_redacted),
		cmocka_unit_test(a_refused_connection_never_shows_the_password),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
