/* ra_db.h - the RA service's own database: opened and migrated (src/ra/ra_db.c). */
#ifndef GCERT_RA_RA_DB_H
#define GCERT_RA_RA_DB_H

#include <stdbool.h>

#include "core/error.h"

struct gc_db;

/* Opens (create: or creates) the RA database at path and brings its schema up to date. */
gc_result gc_ra_db_open(const char *path, bool create, struct gc_db **out) GC_MUST_CHECK;

#endif
