/* timeutil.c - UTC calendar arithmetic for validity periods. */
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

static bool is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(long y, int m /* 0..11 */)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 1 && is_leap(y) ? 29 : days[m];
}

int64_t gc_time_add_months(int64_t t, int months)
{
	struct tm tm;
	time_t tt = (time_t)t;
	long total;

	gmtime_r(&tt, &tm);
	total = (long)tm.tm_year * 12 + tm.tm_mon + months;
	tm.tm_year = (int)(total / 12);
	tm.tm_mon = (int)(total % 12);
	if (tm.tm_mday > month_days(tm.tm_year + 1900L, tm.tm_mon))
		tm.tm_mday = month_days(tm.tm_year + 1900L, tm.tm_mon);
	return (int64_t)timegm(&tm);
}

int64_t gc_time_add_years(int64_t t, int years)
{
	return gc_time_add_months(t, years * 12);
}

void gc_time_format(int64_t t, char out[21])
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	/* years 0..9999 only: validity and audit times stay far inside */
	if (strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}

static bool digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

bool gc_time_parse(const char *s, int64_t *t)
{
	struct tm tm;
	int y, mo, d, h, mi, se;

	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo - 1) || h > 23 || mi > 59 || se > 59)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*t = (int64_t)timegm(&tm);
	return true;
}
