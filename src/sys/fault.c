/* fault.c - the fault points of fault.h (crash-test builds only). */
#include "sys/fault.h"

#ifdef GCERT_FAULT_POINTS
#include <signal.h>
#include <stdlib.h>
#include <string.h>

bool gc_fault_active(const char *name)
{
	const char *want = getenv("GCERT_FAULT");

	return want != NULL && strcmp(want, name) == 0;
}

void gc_fault_point(const char *name)
{
	if (gc_fault_active(name))
		raise(SIGKILL);
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int gc_fault_points_disabled;
#endif
