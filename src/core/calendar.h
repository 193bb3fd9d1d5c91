/*
 * calendar.h - the working-day calendar of CPS §4.4.3 and the CRL publication schedule
 * of App. C I. Pure logic: the caller reads the files, this module parses and counts.
 *
 * Working days exclude Saturdays, Sundays, Hong Kong public holidays and days on which
 * a tropical cyclone or rainstorm warning was hoisted. Days are Hong Kong calendar days
 * (UTC+8, no daylight saving). Both day lists are text files, one "YYYY-MM-DD" per line,
 * anything after the date a comment, "#" lines comments: operators edit them.
 */
#ifndef GCERT_CORE_CALENDAR_H
#define GCERT_CORE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/limits.h"

struct gc_calendar {
	int64_t days[GC_MAX_CALENDAR_DAYS]; /* non-working HK days (days since 1970-01-01), sorted */
	size_t n;
};

/* data/hk-public-holidays.txt as shipped, compiled in; `gcert ca init` copies it. */
extern const char gc_default_holidays[];

void gc_calendar_init(struct gc_calendar *);
/*
 * Adds the days listed in text (a holidays or warning-days file); name labels messages
 * ("hk-public-holidays.txt line 7: ..."). On failure the calendar is unchanged.
 */
gc_result gc_calendar_add_text(struct gc_calendar *, const char *name, const char *text,
                               size_t len) GC_MUST_CHECK;
/* The Hong Kong calendar day of a UTC instant. */
int64_t gc_hk_day(int64_t t);
/* The UTC instant at which Hong Kong day `day` begins. */
int64_t gc_hk_day_start(int64_t day);
bool gc_calendar_is_working_day(const struct gc_calendar *, int64_t day);
/*
 * CPS §4.4.3: the instant by which a revocation received at `received` must be in a
 * published CRL: the end of the n-th working day after the Hong Kong day of receipt
 * (a request received on Friday is due by the end of Tuesday when Monday and Tuesday
 * are working days). Exclusive: published_at < deadline is on time.
 */
int64_t gc_calendar_deadline(const struct gc_calendar *, int64_t received, int n);
/* True when the calendar lists any day of that year (a holiday list covers the year). */
bool gc_calendar_has_year(const struct gc_calendar *, int year);
/* Parses "YYYY-MM-DD" into a day number; false when malformed or impossible. */
bool gc_day_parse(const char *s, size_t len, int64_t *day);

/* App. C I: CRL publication times, minutes after 00:00 UTC, sorted, distinct. */
struct gc_schedule {
	int n;
	int minutes[GC_MAX_CRL_SLOTS];
};

/* "01:15,06:15,11:00" (UTC). Errors name the bad entry. */
gc_result gc_schedule_parse(const char *s, struct gc_schedule *out) GC_MUST_CHECK;
/* The latest scheduled instant <= now, and the earliest > now. */
int64_t gc_schedule_prev(const struct gc_schedule *, int64_t now);
int64_t gc_schedule_next(const struct gc_schedule *, int64_t now);

#endif
