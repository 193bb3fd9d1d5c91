/* test_renewal.c - CPS §3.2.2 renewal validity at month ends and leap days; §2.4 fees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/renewal.h"
#include "core/timeutil.h"

static int64_t at(const char *s)
{
	int64_t t;

	assert_true(gc_time_parse(s, &t));
	return t;
}

static void expect(const char *now, const char *old, int years, const char *want)
{
	int64_t na;
	char buf[21];

	assert_int_equal(gc_renewal_not_after(at(now), at(old), years, &na), GC_OK);
	gc_time_format(na, buf);
	assert_string_equal(buf, want);
}

static void renewed_early_is_capped_at_one_extra_month(void **state)
{
	(void)state;
	/* renewing 3 months early for 2 years: old + 2y would be 2y3m from now: capped */
	expect("2026-11-25T00:00:00Z", "2027-02-25T00:00:00Z", 2, "2028-12-25T00:00:00Z");
	/* renewing 2 weeks early: old + 2y is within the cap */
	expect("2026-11-25T00:00:00Z", "2026-12-09T00:00:00Z", 2, "2028-12-09T00:00:00Z");
	/* exactly one month early: old + y equals the cap */
	expect("2026-11-25T00:00:00Z", "2026-12-25T00:00:00Z", 1, "2027-12-25T00:00:00Z");
}

static void month_ends(void **state)
{
	(void)state;
	/* cap = 31 Jan + 1y + 1 month = 28 Feb (not 3 March) */
	expect("2026-01-31T10:00:00Z", "2026-06-30T00:00:00Z", 1, "2027-02-28T10:00:00Z");
	/* old notAfter 31 Aug + 1y = 31 Aug; cap 31 Jul + 1y + 1m = 31 Aug 2027 */
	expect("2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z", 1, "2027-08-31T00:00:00Z");
	/* cap 30 Sep + 1m = 30 Oct (clamped day is kept) */
	expect("2026-09-30T00:00:00Z", "2026-12-31T00:00:00Z", 1, "2027-10-30T00:00:00Z");
}

static void leap_days(void **state)
{
	(void)state;
	/* old notAfter 29 Feb 2028 + 1y = 28 Feb 2029; cap is later */
	expect("2028-02-01T00:00:00Z", "2028-02-29T00:00:00Z", 1, "2029-02-28T00:00:00Z");
	/* old notAfter 29 Feb 2028 + 4y is not possible (max 3): + 3y = 28 Feb 2031 */
	expect("2028-02-10T00:00:00Z", "2028-02-29T00:00:00Z", 3, "2031-02-28T00:00:00Z");
	/* renewing on 29 Feb: cap = 28 Feb next year + 1 month = 28 March */
	expect("2028-02-29T00:00:00Z", "2028-06-01T00:00:00Z", 1, "2029-03-28T00:00:00Z");
	/* cap from 29 Jan in a leap year: + 1y = 29 Jan 2029, + 1m = 28 Feb 2029 */
	expect("2028-01-29T00:00:00Z", "2028-03-31T00:00:00Z", 1, "2029-02-28T00:00:00Z");
}

static void expired_or_bad_years_refused(void **state)
{
	int64_t na = 7;

	(void)state;
	assert_int_equal(gc_renewal_not_after(at("2026-11-25T00:00:00Z"), at("2026-11-25T00:00:00Z"), 1, &na),
	                 GC_E_RENEW_EXPIRED);
	assert_int_equal(gc_renewal_not_after(at("2026-11-25T00:00:00Z"), at("2025-01-01T00:00:00Z"), 1, &na),
	                 GC_E_RENEW_EXPIRED);
	assert_int_equal(gc_renewal_not_after(at("2026-11-25T00:00:00Z"), at("2027-01-01T00:00:00Z"), 4, &na),
	                 GC_E_BAD_VALIDITY);
	assert_int_equal(na, 7); /* untouched on failure */
}

static void fees(void **state)
{
	(void)state;
	assert_int_equal(gc_fee_hkd(1), 20);
	assert_int_equal(gc_fee_hkd(3), 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(renewed_early_is_capped_at_one_extra_month), cmocka_unit_test(month_ends),
		cmocka_unit_test(leap_days), cmocka_unit_test(expired_or_bad_years_refused),
		cmocka_unit_test(fees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
