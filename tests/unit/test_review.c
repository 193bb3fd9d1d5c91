/* test_review.c - Hong Kong review days (CPS §4.5.2) and the 7-year retention boundary
 * (§4.5.3) of audit/review.c, against a real SQLite database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "audit/audit.h"
#include "audit/review.h"
#include "core/timeutil.h"
#include "store/db.h"

static void hk_days(void **state)
{
	int64_t t, utc;

	(void)state;
	assert_true(gc_hk_day_parse("2026-11-25", &t));
	assert_true(gc_time_parse("2026-11-24T16:00:00Z", &utc));
	assert_int_equal(t, utc); /* midnight in Hong Kong is 16:00 UTC the day before */
	assert_true(gc_hk_day_parse("2024-02-29", &t));
	assert_false(gc_hk_day_parse("2026-02-29", &t));
	assert_false(gc_hk_day_parse("2026-13-01", &t));
	assert_false(gc_hk_day_parse("2026-1-01", &t));
	assert_false(gc_hk_day_parse("2026-11-25T00", &t));
	assert_false(gc_hk_day_parse("", &t));
}

static void event_classes(void **state)
{
	(void)state;
	assert_true(gc_audit_event_privileged("ca.key_generated"));
	assert_true(gc_audit_event_privileged("peer.pinned"));
	assert_false(gc_audit_event_privileged("cert.issued"));
	assert_true(gc_audit_event_significant("config.changed"));
	assert_true(gc_audit_event_significant("backup.restored"));
	assert_false(gc_audit_event_significant("cert.request_rejected")); /* counted as repeats */
}

static void retention_boundary(void **state)
{
	char path[] = "/tmp/gcert-review-XXXXXX";
	struct gc_db *db;
	int64_t now, limit;
	long n = -1;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	assert_int_equal(gc_db_open(path, true, &db), GC_OK);
	assert_true(gc_time_parse("2026-11-25T10:00:00Z", &now));
	limit = gc_time_add_years(now, -7);
	assert_int_equal(gc_audit_purge_check(db, limit, now, &n), GC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(gc_audit_purge_check(db, limit + 1, now, &n), GC_E_RETENTION);
	assert_int_equal(gc_audit_purge_check(db, now, now, &n), GC_E_RETENTION);
	gc_db_close(db); /* the last connection checkpoints and removes the WAL files */
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hk_days),
		cmocka_unit_test(event_classes),
		cmocka_unit_test(retention_boundary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
