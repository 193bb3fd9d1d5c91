/* schema.h - numbered migrations, applied in order, each in its own transaction. */
#ifndef GCERT_STORE_SCHEMA_H
#define GCERT_STORE_SCHEMA_H

#include "core/error.h"

/* The tables that seal an audit trail (CPS §4.5.4): the audit key's certificates and the
 * signed checkpoints of the hash chain. The same in the CA's database (migration 5) and
 * the RA's (src/ra/ra_db.c), so that src/audit/seal.c serves both; the same SQL on SQLite
 * and PostgreSQL. */
#define GC_SQL_AUDIT_SEAL_TABLES \
	"CREATE TABLE audit_keys (" \
	"  id INTEGER PRIMARY KEY," \
	"  key_label TEXT NOT NULL," \
	"  der BLOB NOT NULL," \
	"  sha256 TEXT NOT NULL UNIQUE," \
	"  created_at INTEGER NOT NULL);" \
	"CREATE TABLE audit_checkpoints (" \
	"  id INTEGER PRIMARY KEY," \
	"  last_id INTEGER NOT NULL," \
	"  last_hash TEXT NOT NULL CHECK (length(last_hash) = 64)," \
	"  at INTEGER NOT NULL," \
	"  key_id INTEGER NOT NULL REFERENCES audit_keys(id)," \
	"  prev_sig_hash TEXT NOT NULL CHECK (length(prev_sig_hash) = 64)," \
	"  signature BLOB NOT NULL);"

struct gc_db;
gc_result gc_schema_migrate(struct gc_db *) GC_MUST_CHECK;
int gc_schema_version(void);

#endif
