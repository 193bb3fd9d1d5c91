/* renewal.c - CPS §3.2.2 renewal validity and §2.4 fees. */
#include "core/renewal.h"

#include "core/cps.h"
#include "core/timeutil.h"

gc_result gc_renewal_not_after(int64_t now, int64_t old_not_after, int years, int64_t *not_after)
{
	int64_t extended, cap;

	GC_ENSURE(years >= CPS_MIN_VALIDITY_YEARS && years <= CPS_MAX_VALIDITY_YEARS,
	          GC_E_BAD_VALIDITY, "renewal: CPS §1.2.5: %d years is outside 1..3", years);
	GC_ENSURE(old_not_after > now, GC_E_RENEW_EXPIRED,
	          "renewal: CPS §3.2: an expired certificate is never renewed");
	extended = gc_time_add_years(old_not_after, years);
	cap = gc_time_add_months(gc_time_add_years(now, years), 1);
	*not_after = extended < cap ? extended : cap;
	return GC_OK;
}

int gc_fee_hkd(int years)
{
	return CPS_FEE_PER_YEAR_HKD * years;
}
