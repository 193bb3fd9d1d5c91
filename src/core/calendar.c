/* calendar.c - CPS §4.4.3 working days and the App. C I CRL schedule. */
#include "core/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cps.h"
#include "core/timeutil.h"

#define DAY 86400

void gc_calendar_init(struct gc_calendar *c)
{
	c->n = 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int64_t gc_hk_day(int64_t t)
{
	return floor_div(t + CPS_HK_UTC_OFFSET_SECONDS, DAY);
}

int64_t gc_hk_day_start(int64_t day)
{
	return day * DAY - CPS_HK_UTC_OFFSET_SECONDS;
}

bool gc_day_parse(const char *s, size_t len, int64_t *day)
{
	char buf[21];
	int64_t t;

	if (len != 10)
		return false;
	memcpy(buf, s, 10);
	memcpy(buf + 10, "T00:00:00Z", 11);
	if (!gc_time_parse(buf, &t))
		return false;
	*day = t / DAY;
	return true;
}

static int cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static bool contains(const struct gc_calendar *c, int64_t day)
{
	return c->n > 0 && bsearch(&day, c->days, c->n, sizeof(c->days[0]), cmp_day) != NULL;
}

gc_result gc_calendar_add_text(struct gc_calendar *c, const char *name, const char *text, size_t len)
{
	struct gc_calendar next = *c;
	size_t pos = 0, end, line = 0, k;
	int64_t day;

	while (pos < len) {
		line++;
		for (end = pos; end < len && text[end] != '\n'; end++)
			;
		for (k = pos; k < end && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'); k++)
			;
		if (k < end && text[k] != '#') {
			size_t w = k;
			while (w < end && text[w] != ' ' && text[w] != '\t' && text[w] != '\r')
				w++;
			GC_ENSURE(gc_day_parse(text + k, w - k, &day), GC_E_CALENDAR,
			          "%s line %zu: \"%.*s\" is not a date YYYY-MM-DD", name, line,
			          (int)(w - k > 32 ? 32 : w - k), text + k);
			if (!contains(&next, day)) {
				GC_ENSURE(next.n < GC_MAX_CALENDAR_DAYS, GC_E_CALENDAR,
				          "%s line %zu: more than %d days", name, line, GC_MAX_CALENDAR_DAYS);
				next.days[next.n++] = day;
				qsort(next.days, next.n, sizeof(next.days[0]), cmp_day);
			}
		}
		pos = end + 1;
	}
	*c = next;
	return GC_OK;
}

bool gc_calendar_has_year(const struct gc_calendar *c, int year)
{
	char first[11], last[11];
	int64_t a, b;
	size_t i;

	snprintf(first, sizeof(first), "%04d-01-01", year);
	snprintf(last, sizeof(last), "%04d-12-31", year);
	if (!gc_day_parse(first, 10, &a) || !gc_day_parse(last, 10, &b))
		return false;
	for (i = 0; i < c->n; i++)
		if (c->days[i] >= a && c->days[i] <= b)
			return true;
	return false;
}

bool gc_calendar_is_working_day(const struct gc_calendar *c, int64_t day)
{
	int64_t wd = (day % 7 + 7 + 4) % 7; /* 1970-01-01 was a Thursday; 0 = Sunday */

	return wd != 0 && wd != 6 && !contains(c, day);
}

int64_t gc_calendar_deadline(const struct gc_calendar *c, int64_t received, int n)
{
	int64_t day = gc_hk_day(received);
	int counted = 0;

	while (counted < n) {
		day++;
		if (gc_calendar_is_working_day(c, day))
			counted++;
	}
	return gc_hk_day_start(day + 1);
}

static bool two_digits(const char *s, int *v)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return false;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return true;
}

gc_result gc_schedule_parse(const char *s, struct gc_schedule *out)
{
	struct gc_schedule sc = {0};
	const char *p = s;
	int h, m, i;

	GC_ENSURE(*s != '\0', GC_E_CONFIG, "crl.schedule: empty; App. C I needs publication times");
	for (;;) {
		GC_ENSURE(two_digits(p, &h) && p[2] == ':' && two_digits(p + 3, &m) && h < 24 && m < 60 &&
		              (p[5] == ',' || p[5] == '\0'),
		          GC_E_CONFIG, "crl.schedule: \"%.16s\" is not HH:MM (UTC)", p);
		GC_ENSURE(sc.n < GC_MAX_CRL_SLOTS, GC_E_CONFIG, "crl.schedule: more than %d times",
		          GC_MAX_CRL_SLOTS);
		for (i = 0; i < sc.n; i++)
			GC_ENSURE(sc.minutes[i] < h * 60 + m, GC_E_CONFIG,
			          "crl.schedule: times must be distinct and in increasing order (at %.5s)", p);
		sc.minutes[sc.n++] = h * 60 + m;
		if (p[5] == '\0')
			break;
		p += 6;
	}
	*out = sc;
	return GC_OK;
}

int64_t gc_schedule_prev(const struct gc_schedule *sc, int64_t now)
{
	int64_t day = floor_div(now, DAY), t;
	int i;

	for (i = sc->n - 1; i >= 0; i--)
		if ((t = day * DAY + sc->minutes[i] * 60) <= now)
			return t;
	return (day - 1) * DAY + sc->minutes[sc->n - 1] * 60;
}

int64_t gc_schedule_next(const struct gc_schedule *sc, int64_t now)
{
	int64_t day = floor_div(now, DAY), t;
	int i;

	for (i = 0; i < sc->n; i++)
		if ((t = day * DAY + sc->minutes[i] * 60) > now)
			return t;
	return (day + 1) * DAY + sc->minutes[0] * 60;
}
