/* schema.h - numbered migrations, applied in order, each in its own transaction. */
#ifndef GCERT_STORE_SCHEMA_H
#define GCERT_STORE_SCHEMA_H

#include "core/error.h"

struct gc_db;
gc_result gc_schema_migrate(struct gc_db *) GC_MUST_CHECK;
int gc_schema_version(void);

#endif
