/*
 * timeutil.h - calendar arithmetic in UTC for validity periods (CPS §1.2.5, §3.2.2).
 */
#ifndef GCERT_CORE_TIMEUTIL_H
#define GCERT_CORE_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/*
 * t plus whole years, same month, day and time of day. 29 February in a year that
 * has none becomes 28 February, so the period never exceeds the years asked for.
 */
int64_t gc_time_add_years(int64_t t, int years);
/* t plus whole months, with the day clamped to the target month's last day. */
int64_t gc_time_add_months(int64_t t, int months);
/* Formats t as RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" into out (21 bytes). */
void gc_time_format(int64_t t, char out[21]);
/* Parses the RFC 3339 UTC form above; false if malformed. */
bool gc_time_parse(const char *s, int64_t *t);

#endif
