/* test_timeutil.c - validity arithmetic at month ends and leap days (core/timeutil.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/timeutil.h"

static int64_t at(const char *s)
{
	int64_t t;

	assert_true(gc_time_parse(s, &t));
	return t;
}

static void assert_time(int64_t t, const char *expect)
{
	char buf[21];

	gc_time_format(t, buf);
	assert_string_equal(buf, expect);
}

static void add_years_keeps_the_date(void **state)
{
	(void)state;
	assert_time(gc_time_add_years(at("2026-11-25T08:00:00Z"), 2), "2028-11-25T08:00:00Z");
	assert_time(gc_time_add_years(at("2026-12-31T23:59:59Z"), 3), "2029-12-31T23:59:59Z");
}

static void leap_day_becomes_28_february(void **state)
{
	(void)state;
	assert_time(gc_time_add_years(at("2028-02-29T12:00:00Z"), 1), "2029-02-28T12:00:00Z");
	assert_time(gc_time_add_years(at("2028-02-29T12:00:00Z"), 4), "2032-02-29T12:00:00Z");
	assert_time(gc_time_add_years(at("2027-02-28T12:00:00Z"), 1), "2028-02-28T12:00:00Z");
}

static void add_months_clamps_month_ends(void **state)
{
	(void)state;
	assert_time(gc_time_add_months(at("2027-01-31T00:00:00Z"), 1), "2027-02-28T00:00:00Z");
	assert_time(gc_time_add_months(at("2028-01-31T00:00:00Z"), 1), "2028-02-29T00:00:00Z");
	assert_time(gc_time_add_months(at("2027-03-31T00:00:00Z"), 1), "2027-04-30T00:00:00Z");
	assert_time(gc_time_add_months(at("2027-12-15T00:00:00Z"), 1), "2028-01-15T00:00:00Z");
	assert_time(gc_time_add_months(at("2027-08-31T00:00:00Z"), 25), "2029-09-30T00:00:00Z");
}

static void parse_rejects_malformed(void **state)
{
	int64_t t;

	(void)state;
	assert_false(gc_time_parse("2027-02-29T00:00:00Z", &t)); /* not a leap year */
	assert_false(gc_time_parse("2027-13-01T00:00:00Z", &t));
	assert_false(gc_time_parse("2027-01-01T24:00:00Z", &t));
	assert_false(gc_time_parse("2027-01-01 00:00:00Z", &t));
	assert_false(gc_time_parse("2027-01-01T00:00:00", &t));
	assert_false(gc_time_parse("2027-1-01T00:00:00Z", &t));
	assert_true(gc_time_parse("2028-02-29T23:59:59Z", &t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_years_keeps_the_date), cmocka_unit_test(leap_day_becomes_28_february),
		cmocka_unit_test(add_months_clamps_month_ends), cmocka_unit_test(parse_rejects_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
