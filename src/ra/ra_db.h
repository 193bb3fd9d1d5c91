/* ra_db.h - the RA service's own database: opened and migrated (src/ra/ra_db.c). */
#ifndef GCERT_RA_RA_DB_H
#define GCERT_RA_RA_DB_H

#include <stdbool.h>

#include "core/error.h"

struct gc_db;

/* Opens (create: or creates) the RA database and brings its schema up to date. target is
 * a SQLite file or a PostgreSQL connection string (store/db.h gc_db_connect). */
gc_result gc_ra_db_open(const char *target, bool create, struct gc_db **out) GC_MUST_CHECK;
/* For `gcert ra init`: as gc_ra_db_open, refusing a database that already holds an RA or
 * a CA (GC_E_DIR_EXISTS; the message shows the target without its password). */
gc_result gc_ra_db_create(const char *target, struct gc_db **out) GC_MUST_CHECK;

#endif
