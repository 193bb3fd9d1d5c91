/*
 * datadir.c - where the files gcert reads besides a CA or RA directory are: the RA web
 * UI (web/ra) and the B/D list of CPS App. E (data/bds.json). Looked for, in order:
 *   1. $GCERT_DATA_DIR/REL             (an operator's own copy)
 *   2. BINDIR/../share/gcert/REL       (as `cmake --install` lays them, any --prefix)
 *   3. the source tree the binary was built from (a build tree, the tests)
 * so an installed gcert needs no source tree, and a moved prefix still works.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#ifndef GCERT_SOURCE_DIR
#define GCERT_SOURCE_DIR "."
#endif

/* root/rel when it exists, as a path without "..", so messages name it plainly. */
static bool try_root(const char *root, const char *rel, char *out, size_t outsz)
{
	char path[PATH_MAX], real[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", root, rel);

	if (n <= 0 || (size_t)n >= sizeof(path) || realpath(path, real) == NULL)
		return false;
	return (size_t)snprintf(out, outsz, "%s", real) < outsz;
}

gc_result cli_data_path(const char *rel, char *out, size_t outsz)
{
	const char *env = getenv("GCERT_DATA_DIR");
	char exe[PATH_MAX], root[PATH_MAX + 32], *slash;
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		GC_ENSURE(try_root(env, rel, out, outsz), GC_E_CONFIG, "%s/%s: not found (GCERT_DATA_DIR)", env, rel);
		return GC_OK;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			snprintf(root, sizeof(root), "%s/../share/gcert", exe);
			if (try_root(root, rel, out, outsz))
				return GC_OK;
		}
	}
	if (try_root(GCERT_SOURCE_DIR, rel, out, outsz))
		return GC_OK;
	return gc_fail(GC_E_CONFIG, "%s: not installed beside gcert (share/gcert/%s) nor in the source tree "
	               "%s; set GCERT_DATA_DIR", rel, rel, GCERT_SOURCE_DIR);
}
