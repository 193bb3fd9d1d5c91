/*
 * fault.h - named fault points for crash tests (issue 10: crash-safe issuance).
 *
 * Built only with -DGCERT_FAULT_POINTS=ON (CMake option). Then GC_FAULT_POINT("name")
 * kills the process with SIGKILL when the environment variable GCERT_FAULT names it:
 * no handler runs, no buffer is flushed, no transaction is closed, exactly like a
 * power cut as far as this process is concerned. In a normal build the points are
 * nothing at all.
 */
#ifndef GCERT_SYS_FAULT_H
#define GCERT_SYS_FAULT_H

#include <stdbool.h>

/*
 * GC_FAULT_ACTIVE("name") is true when GCERT_FAULT names it: for injected faults that
 * are not crashes, e.g. "builder_bug", which corrupts a TBS to prove that the lint
 * stops it before the token signs.
 */
#ifdef GCERT_FAULT_POINTS
void gc_fault_point(const char *name);
bool gc_fault_active(const char *name);
#define GC_FAULT_POINT(name) gc_fault_point(name)
#define GC_FAULT_ACTIVE(name) gc_fault_active(name)
#else
#define GC_FAULT_POINT(name) ((void)0)
#define GC_FAULT_ACTIVE(name) false
#endif

#endif
