/* test_calendar.c - CPS §4.4.3 working days and the App. C I CRL schedule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/calendar.h"
#include "core/timeutil.h"

static int64_t T(const char *s)
{
	int64_t t = 0;
	assert_true(gc_time_parse(s, &t));
	return t;
}

static int64_t D(const char *s)
{
	int64_t d = 0;
	assert_true(gc_day_parse(s, strlen(s), &d));
	return d;
}

static struct gc_calendar cal;

static void load(const char *text)
{
	gc_calendar_init(&cal);
	assert_int_equal(gc_calendar_add_text(&cal, "test", text, strlen(text)), GC_OK);
}

static void test_weekends(void **state)
{
	(void)state;
	load("");
	assert_false(gc_calendar_is_working_day(&cal, D("2026-11-28"))); /* Saturday */
	assert_false(gc_calendar_is_working_day(&cal, D("2026-11-29"))); /* Sunday */
	assert_true(gc_calendar_is_working_day(&cal, D("2026-11-30")));  /* Monday */
	assert_true(gc_calendar_is_working_day(&cal, D("2026-11-27")));  /* Friday */
	assert_false(gc_calendar_is_working_day(&cal, D("1970-01-04"))); /* a Sunday before 1970-01-05 */
	assert_true(gc_calendar_is_working_day(&cal, D("1969-12-31")));  /* Wednesday, day -1 */
}

static void test_holidays_and_comments(void **state)
{
	(void)state;
	load("# comment\n\n2026-12-25  Christmas Day\n  2026-12-26 first weekday after\r\n"
	     "2026-12-25 duplicate is fine\n");
	assert_int_equal(cal.n, 2);
	assert_false(gc_calendar_is_working_day(&cal, D("2026-12-25")));
	assert_true(gc_calendar_is_working_day(&cal, D("2026-12-24")));
}

static void test_bad_files(void **state)
{
	static const char *const bad[] = {
		"2026-02-30 no such day\n", "2026-13-01\n", "26-12-25\n", "2026/12/25\n",
		"2026-12-25x\n", "tomorrow\n", "2026-1-5\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		load("2026-01-01\n");
		assert_int_equal(gc_calendar_add_text(&cal, "bad", bad[i], strlen(bad[i])), GC_E_CALENDAR);
		assert_int_equal(cal.n, 1); /* a failed load changes nothing */
		assert_non_null(strstr(gc_err_detail(), "bad line 1"));
	}
}

/* The deadline is the end (Hong Kong time) of the second working day after receipt. */
static void test_deadline(void **state)
{
	(void)state;
	load("");
	/* Wednesday 2026-11-25 10:00 HKT -> end of Friday 27th HKT = 2026-11-27T16:00:00Z */
	assert_int_equal(gc_calendar_deadline(&cal, T("2026-11-25T02:00:00Z"), 2), T("2026-11-27T16:00:00Z"));
	/* Friday 27th -> Monday, Tuesday: end of Tuesday 1 Dec HKT */
	assert_int_equal(gc_calendar_deadline(&cal, T("2026-11-27T02:00:00Z"), 2), T("2026-12-01T16:00:00Z"));
	/* Saturday -> Monday, Tuesday */
	assert_int_equal(gc_calendar_deadline(&cal, T("2026-11-28T02:00:00Z"), 2), T("2026-12-01T16:00:00Z"));
	/* Hong Kong day boundary: 23:30 HKT Thursday is Thursday; 00:30 HKT Friday is Friday */
	assert_int_equal(gc_calendar_deadline(&cal, T("2026-11-26T15:30:00Z"), 2), T("2026-11-30T16:00:00Z"));
	assert_int_equal(gc_calendar_deadline(&cal, T("2026-11-26T16:30:00Z"), 2), T("2026-12-01T16:00:00Z"));
}

static void test_deadline_holidays_and_warnings(void **state)
{
	(void)state;
	/* Christmas 2026: Friday 25th and Saturday 26th are holidays */
	load("2026-12-25\n2026-12-26\n");
	/* Wednesday 23rd -> Thursday 24th, (25 holiday, 26 Sat, 27 Sun) Monday 28th */
	assert_int_equal(gc_calendar_deadline(&cal, T("2026-12-23T02:00:00Z"), 2), T("2026-12-28T16:00:00Z"));
	/* a black rainstorm warning on Monday 28th pushes it to Tuesday */
	assert_int_equal(gc_calendar_add_text(&cal, "warnings", "2026-12-28 black rainstorm\n", 27), GC_OK);
	assert_int_equal(gc_calendar_deadline(&cal, T("2026-12-23T02:00:00Z"), 2), T("2026-12-29T16:00:00Z"));
}

static void test_shipped_holidays(void **state)
{
	(void)state;
	load(gc_default_holidays);
	assert_true(cal.n >= 30);
	assert_false(gc_calendar_is_working_day(&cal, D("2026-02-17"))); /* Lunar New Year */
	assert_false(gc_calendar_is_working_day(&cal, D("2026-10-01"))); /* National Day */
	assert_true(gc_calendar_is_working_day(&cal, D("2026-10-02")));
}

static void test_has_year(void **state)
{
	(void)state;
	load("2026-01-01\n2026-12-31\n");
	assert_true(gc_calendar_has_year(&cal, 2026));
	assert_false(gc_calendar_has_year(&cal, 2027));
	assert_false(gc_calendar_has_year(&cal, 2025));
	load(gc_default_holidays);
	assert_true(gc_calendar_has_year(&cal, 2025));
	assert_true(gc_calendar_has_year(&cal, 2026));
}

static void test_schedule(void **state)
{
	struct gc_schedule sc;

	(void)state;
	assert_int_equal(gc_schedule_parse("01:15,06:15,11:00", &sc), GC_OK);
	assert_int_equal(sc.n, 3);
	assert_int_equal(gc_schedule_prev(&sc, T("2026-11-25T06:14:59Z")), T("2026-11-25T01:15:00Z"));
	assert_int_equal(gc_schedule_prev(&sc, T("2026-11-25T06:15:00Z")), T("2026-11-25T06:15:00Z"));
	assert_int_equal(gc_schedule_prev(&sc, T("2026-11-25T00:30:00Z")), T("2026-11-24T11:00:00Z"));
	assert_int_equal(gc_schedule_next(&sc, T("2026-11-25T11:00:00Z")), T("2026-11-26T01:15:00Z"));
	assert_int_equal(gc_schedule_next(&sc, T("2026-11-25T01:14:00Z")), T("2026-11-25T01:15:00Z"));
	assert_int_equal(gc_schedule_parse("", &sc), GC_E_CONFIG);
	assert_int_equal(gc_schedule_parse("06:15,01:15", &sc), GC_E_CONFIG); /* not increasing */
	assert_int_equal(gc_schedule_parse("01:15,01:15", &sc), GC_E_CONFIG);
	assert_int_equal(gc_schedule_parse("24:00", &sc), GC_E_CONFIG);
	assert_int_equal(gc_schedule_parse("1:15", &sc), GC_E_CONFIG);
	assert_int_equal(gc_schedule_parse("01:15,", &sc), GC_E_CONFIG);
	assert_int_equal(gc_schedule_parse("01:60", &sc), GC_E_CONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weekends),
		cmocka_unit_test(test_holidays_and_comments),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_deadline_holidays_and_warnings),
		cmocka_unit_test(test_shipped_holidays),
		cmocka_unit_test(test_has_year),
		cmocka_unit_test(test_schedule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
