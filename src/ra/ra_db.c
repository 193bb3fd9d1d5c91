/*
 * ra_db.c - the RA service's database (CMMP side, issue 6): its own file in the RA
 * directory, its own numbered migrations and version table.
 *
 * Written in a portable subset (INTEGER, TEXT, BLOB; id INTEGER PRIMARY KEY; CHECK,
 * UNIQUE and FOREIGN KEY constraints; no GLOB) so that the same SQL runs on PostgreSQL;
 * the triggers that keep the audit trail append-only have a PostgreSQL text of their own. Segregation of duties (CPS §2.1.3 c, §2.2.10, App. E II) is held by the
 * database, not only by the code:
 *   - a user has ONE duty column: requester or business manager, never both;
 *   - whoever decides an application or revocation is never who requested it, and is of
 *     the same B/D (a composite foreign key to users(id, org_id));
 *   - key custody approvals are UNIQUE per officer and never by the one who asked.
 * The audit trail has the CA's shape and tables (audit_log, audit_keys,
 * audit_checkpoints): src/audit/ writes, seals and verifies both alike, and the
 * database refuses UPDATE and DELETE of its rows, as the CA's does (CPS §4.5.4).
 *
 * The database is RADIR/ra.db (SQLite) or, when ra.json says database.postgresql, a
 * PostgreSQL database of the RA's own (the CA's tables share names with these); the
 * migrations run on both through gc_db_migrate (store/db.h maps the types).
 */
#include "ra/ra_db.h"

#include <stdio.h>

#include "store/db.h"
#include "store/schema.h"

/* The audit tables' triggers, on each database (the CA's are in store/schema.c). */
#define SQLITE_REFUSE(name, op, table, msg)                                                      \
	"CREATE TRIGGER " name " BEFORE " op " ON " table " BEGIN SELECT RAISE(ABORT, '" msg "'); END;"
#define PG_REFUSE(name, op, table, msg)                                                          \
	"CREATE TRIGGER " name " BEFORE " op " ON " table " FOR EACH ROW EXECUTE FUNCTION gc_refuse('" msg "');"

static const struct gc_migration migrations[] = {
	/* 1: organisations, people, sessions, applications, certificates, revocations, key
	 * custody, application tokens, mail outbox, reminders, audit trail */
	{"CREATE TABLE orgs ("
	"  id INTEGER PRIMARY KEY,"
	"  code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 16),"
	"  name_en TEXT NOT NULL,"
	"  name_zh TEXT NOT NULL,"
	"  revoke_days INTEGER NOT NULL DEFAULT 2 CHECK (revoke_days BETWEEN 1 AND 30));"
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  org_id INTEGER NOT NULL REFERENCES orgs(id),"
	"  username TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  email TEXT NOT NULL,"
	"  pw_hash TEXT NOT NULL,"
	"  duty TEXT CHECK (duty IN ('requester', 'business_manager')),"
	"  bd_admin INTEGER NOT NULL DEFAULT 0 CHECK (bd_admin IN (0, 1)),"
	"  failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),"
	"  locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (id, org_id));"
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL);"
	"CREATE TABLE applicants ("
	"  id INTEGER PRIMARY KEY,"
	"  number TEXT NOT NULL UNIQUE CHECK (length(number) = 10),"
	"  org_id INTEGER NOT NULL REFERENCES orgs(id),"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE applications ("
	"  id INTEGER PRIMARY KEY,"
	"  org_id INTEGER NOT NULL REFERENCES orgs(id),"
	"  applicant_id INTEGER NOT NULL REFERENCES applicants(id),"
	"  cert_type TEXT NOT NULL CHECK (cert_type IN ('individual', 'functional_unit')),"
	"  validity_years INTEGER NOT NULL CHECK (validity_years BETWEEN 1 AND 3),"
	"  terms_accepted INTEGER NOT NULL CHECK (terms_accepted = 1),"
	"  subject TEXT NOT NULL,"
	"  renews TEXT CHECK (renews IS NULL OR length(renews) = 40),"
	"  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'submitted', 'issued',"
	"    'rejected', 'failed')),"
	"  requested_by INTEGER NOT NULL,"
	"  requested_at INTEGER NOT NULL,"
	"  decided_by INTEGER,"
	"  decided_at INTEGER,"
	"  reason TEXT,"
	"  staff_category TEXT CHECK (staff_category IN ('civil_servant', 'direct_contract',"
	"    'agency_contract', 'resident_contractor', 'functional_unit')),"
	"  proof_type TEXT CHECK (proof_type IN ('hkid', 'passport', 'bd_document')),"
	"  record_checked TEXT CHECK (record_checked IN ('government_personnel_records',"
	"    'employment_records', 'contractor_agreement')),"
	"  proof_last4 TEXT CHECK (proof_last4 IS NULL OR length(proof_last4) BETWEEN 1 AND 4),"
	"  key_label TEXT UNIQUE,"
	"  request_json TEXT,"
	"  serial TEXT UNIQUE,"
	"  error TEXT,"
	"  FOREIGN KEY (requested_by, org_id) REFERENCES users(id, org_id),"
	"  FOREIGN KEY (decided_by, org_id) REFERENCES users(id, org_id),"
	"  CHECK (decided_by IS NULL OR decided_by <> requested_by),"
	"  CHECK (status IN ('pending') OR decided_by IS NOT NULL),"
	"  CHECK (status NOT IN ('approved', 'submitted', 'issued') OR proof_type IS NOT NULL));"
	"CREATE TABLE certificates ("
	"  serial TEXT PRIMARY KEY CHECK (length(serial) = 40),"
	"  application_id INTEGER NOT NULL UNIQUE REFERENCES applications(id),"
	"  org_id INTEGER NOT NULL REFERENCES orgs(id),"
	"  key_label TEXT NOT NULL UNIQUE,"
	"  subject_cn TEXT NOT NULL,"
	"  email TEXT,"
	"  cert_type TEXT NOT NULL CHECK (cert_type IN ('individual', 'functional_unit')),"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  der BLOB NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('active', 'revocation_pending', 'revoked')),"
	"  bound_at INTEGER NOT NULL);"
	"CREATE TABLE revocations ("
	"  id INTEGER PRIMARY KEY,"
	"  serial TEXT NOT NULL REFERENCES certificates(serial),"
	"  org_id INTEGER NOT NULL REFERENCES orgs(id),"
	"  reason INTEGER NOT NULL CHECK (reason BETWEEN 0 AND 6),"
	"  note TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'revoked', 'rejected',"
	"    'failed')),"
	"  requested_by INTEGER NOT NULL,"
	"  requested_at INTEGER NOT NULL,"
	"  due INTEGER NOT NULL,"
	"  decided_by INTEGER,"
	"  decided_at INTEGER,"
	"  decision_reason TEXT,"
	"  request_json TEXT,"
	"  error TEXT,"
	"  FOREIGN KEY (requested_by, org_id) REFERENCES users(id, org_id),"
	"  FOREIGN KEY (decided_by, org_id) REFERENCES users(id, org_id),"
	"  CHECK (decided_by IS NULL OR decided_by <> requested_by));"
	/* one open revocation request per certificate */
	"CREATE UNIQUE INDEX revocations_open ON revocations(serial)"
	"  WHERE status IN ('pending', 'approved');"
	"CREATE TABLE key_requests ("
	"  id INTEGER PRIMARY KEY,"
	"  serial TEXT NOT NULL REFERENCES certificates(serial),"
	"  org_id INTEGER NOT NULL REFERENCES orgs(id),"
	"  asked_by INTEGER NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'exported')),"
	"  created_at INTEGER NOT NULL,"
	"  exported_at INTEGER,"
	"  FOREIGN KEY (asked_by, org_id) REFERENCES users(id, org_id),"
	"  UNIQUE (id, asked_by, org_id));"
	/* App. E II: two different officers, neither the one who asked, of the same B/D */
	"CREATE TABLE key_approvals ("
	"  id INTEGER PRIMARY KEY,"
	"  request INTEGER NOT NULL,"
	"  officer INTEGER NOT NULL,"
	"  asked_by INTEGER NOT NULL,"
	"  org_id INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  UNIQUE (request, officer),"
	"  CHECK (officer <> asked_by),"
	"  FOREIGN KEY (request, asked_by, org_id) REFERENCES key_requests(id, asked_by, org_id),"
	"  FOREIGN KEY (officer, org_id) REFERENCES users(id, org_id));"
	"CREATE TABLE app_tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  to_addr TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_at INTEGER NOT NULL,"
	"  sent_at INTEGER,"
	"  last_error TEXT);"
	"CREATE INDEX outbox_due ON outbox(sent_at, next_at);"
	/* §3.2: each renewal notice once per certificate and lead time */
	"CREATE TABLE reminders ("
	"  id INTEGER PRIMARY KEY,"
	"  serial TEXT NOT NULL REFERENCES certificates(serial),"
	"  days INTEGER NOT NULL,"
	"  sent_at INTEGER NOT NULL,"
	"  UNIQUE (serial, days));"
	"CREATE TABLE audit_log ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  event TEXT NOT NULL,"
	"  object TEXT NOT NULL,"
	"  outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),"
	"  detail TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL);",
	 NULL},
	/*
	 * 2: the audit trail as strong as the CA's (CPS §4.5.4, issue 15): the RA's audit key
	 * certificates and the signed checkpoints of its hash chain (src/audit/seal.c), and
	 * triggers refusing UPDATE and DELETE of audit rows, so that a change needs someone
	 * who can drop a trigger (and `gcert ra audit verify` then names it).
	 */
	{GC_SQL_AUDIT_SEAL_TABLES
	SQLITE_REFUSE("audit_log_no_update", "UPDATE", "audit_log", "the audit trail is append-only")
	SQLITE_REFUSE("audit_log_no_delete", "DELETE", "audit_log", "the audit trail is append-only")
	SQLITE_REFUSE("audit_keys_immutable", "UPDATE", "audit_keys", "audit keys are never changed")
	SQLITE_REFUSE("audit_keys_no_delete", "DELETE", "audit_keys", "audit keys are never deleted")
	SQLITE_REFUSE("audit_checkpoints_immutable", "UPDATE", "audit_checkpoints", "the audit trail is append-only")
	SQLITE_REFUSE("audit_checkpoints_no_delete", "DELETE", "audit_checkpoints", "the audit trail is append-only"),
	 /* PostgreSQL: row triggers calling gc_refuse(message), SQLSTATE 23000 as the CA's */
	 "CREATE FUNCTION gc_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
	 "  RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', MESSAGE = TG_ARGV[0];"
	 "  END $$;"
	 GC_SQL_AUDIT_SEAL_TABLES
	 PG_REFUSE("audit_log_no_update", "UPDATE", "audit_log", "the audit trail is append-only")
	 PG_REFUSE("audit_log_no_delete", "DELETE", "audit_log", "the audit trail is append-only")
	 PG_REFUSE("audit_keys_immutable", "UPDATE", "audit_keys", "audit keys are never changed")
	 PG_REFUSE("audit_keys_no_delete", "DELETE", "audit_keys", "audit keys are never deleted")
	 PG_REFUSE("audit_checkpoints_immutable", "UPDATE", "audit_checkpoints", "the audit trail is append-only")
	 PG_REFUSE("audit_checkpoints_no_delete", "DELETE", "audit_checkpoints", "the audit trail is append-only")
	 /* TRUNCATE skips row triggers: refused too */
	 "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
	 "  FOR EACH STATEMENT EXECUTE FUNCTION gc_refuse('the audit trail is append-only');"
	 "CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints"
	 "  FOR EACH STATEMENT EXECUTE FUNCTION gc_refuse('the audit trail is append-only');"},
	/*
	 * 3: no global lock (issue 15): the thread that prepares and sends an application's
	 * or a revocation's request to the CA marks it (sending_at) in the database, so that
	 * while it waits on the CA without any lock nobody sends it too; a mark older than
	 * the longest send is one a stopped process left, and the worker takes it over.
	 */
	{"ALTER TABLE applications ADD COLUMN sending_at INTEGER;"
	"ALTER TABLE revocations ADD COLUMN sending_at INTEGER;",
	 NULL},
	/* 4 (issue 17): an application that corrects one the CA refused (once); accounts
	 * disabled, with a password to change at the next login, and a language for mails;
	 * each user's notifications; indexes for the lists' filters and sort orders */
	{"ALTER TABLE applications ADD COLUMN corrects INTEGER REFERENCES applications(id);"
	/* what a search of the list matches: the subject, applicant number and requester,
	 * lower-cased by the database that compares them (raweb/api_apps.c) */
	"ALTER TABLE applications ADD COLUMN search TEXT NOT NULL DEFAULT '';"
	"UPDATE applications SET search = lower(subject || ' ' || (SELECT number FROM applicants p WHERE"
	"  p.id = applications.applicant_id) || ' ' || (SELECT username FROM users u WHERE"
	"  u.id = applications.requested_by));"
	"CREATE UNIQUE INDEX applications_corrects ON applications(corrects);"
	"ALTER TABLE users ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0"
	"  CHECK (must_change IN (0, 1));"
	"ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));"
	"ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'zh-Hant'));"
	"CREATE TABLE notifications ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  at INTEGER NOT NULL,"
	"  object TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  read_at INTEGER);"
	"CREATE INDEX notifications_user ON notifications(user_id, id);"
	"CREATE INDEX applications_list ON applications(org_id, status, id);"
	"CREATE INDEX applications_decided ON applications(decided_by, decided_at);"
	"CREATE INDEX applications_renews ON applications(renews);"
	"CREATE INDEX certificates_list ON certificates(org_id, bound_at);"
	"CREATE INDEX certificates_cn ON certificates(org_id, subject_cn);"
	"CREATE INDEX revocations_list ON revocations(org_id, status, id);"
	"CREATE INDEX key_requests_list ON key_requests(org_id, status, id);",
	 NULL},
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

gc_result gc_ra_db_open(const char *target, bool create, struct gc_db **out)
{
	struct gc_db *db;
	gc_result rc;

	GC_GUARD(gc_db_connect(target, create, &db));
	if ((rc = gc_db_migrate(db, migrations, N_MIGRATIONS, "ra")) != GC_OK) {
		gc_db_close(db);
		return rc;
	}
	*out = db;
	return GC_OK;
}

/* Whether a query answers a row (SELECT 1 ... LIMIT 1). */
static gc_result any_row(struct gc_db *db, const char *sql, bool *yes)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, sql, &st));
	rc = gc_stmt_step(st, yes);
	gc_stmt_free(st);
	return rc;
}

gc_result gc_ra_db_create(const char *target, struct gc_db **out)
{
	struct gc_db *db = NULL;
	char shown[512];
	bool ca = false, ra = false;
	gc_result rc;

	gc_db_target_redact(target, shown, sizeof(shown));
	GC_GUARD(gc_db_connect(target, true, &db));
	/* the CA's tables share names with ours (audit_log): say so before migrating */
	GC_GUARD_OUT(rc, gc_db_has_table(db, "ca_certs", &ca));
	GC_ENSURE_OUT(rc, !ca, GC_E_DIR_EXISTS, "%s: the database holds a CA; an RA needs a database of its own",
	              shown);
	GC_GUARD_OUT(rc, gc_db_migrate(db, migrations, N_MIGRATIONS, "ra"));
	/* every RA's first audit record is ra.init (gc_ra_create), in the transaction of its B/Ds */
	GC_GUARD_OUT(rc, any_row(db, "SELECT 1 FROM audit_log LIMIT 1", &ra));
	GC_ENSURE_OUT(rc, !ra, GC_E_DIR_EXISTS, "%s: the database already holds an RA; `gcert ra init` "
	              "needs an empty one", shown);
	*out = db;
	return GC_OK;
out:
	gc_db_close(db);
	return rc;
}
