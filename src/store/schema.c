/*
 * schema.c - the database schema as numbered migrations.
 *
 * Uniqueness that the CPS depends on is enforced here, not only in code: serial
 * numbers (App. B), request ids, subscriber reference numbers (App. D). Issued
 * certificates and audit records can never be changed or deleted (§4.5, §4.6).
 */
#include "store/schema.h"

#include <stdio.h>

#include "store/db.h"

/*
 * PostgreSQL. No PostgreSQL database predates schema version 7, so migrations 1-6 are
 * empty there and migration 7 makes the whole schema of version 7 at once, in the
 * portable types (db.h). From 8 on, each migration serves both databases (sql alone)
 * or gives its PostgreSQL text beside the SQLite one. SQLite's RAISE(ABORT) triggers
 * become row triggers calling gc_refuse(message), which raises SQLSTATE 23000 as
 * SQLite reports a constraint, so both databases answer GC_E_DB_CONSTRAINT with the
 * same message; GLOB checks become regular expressions.
 */
#define PG_BEFORE_7 ""
#define PG_NOTHING "" /* a migration of SQLite alone */
#define PG_REFUSE(name, when, table, msg)                                                        \
	"CREATE TRIGGER " name " " when " ON " table " FOR EACH ROW EXECUTE FUNCTION gc_refuse('" msg "');"
#define PG_REFUSE_IF(name, when, table, cond, msg)                                               \
	"CREATE TRIGGER " name " " when " ON " table " FOR EACH ROW WHEN (" cond ")"                \
	" EXECUTE FUNCTION gc_refuse('" msg "');"
#define PG_NOW "CAST(extract(epoch FROM now()) AS INTEGER)"
#define PG_SCHEMA_7                                                                                \
	"CREATE FUNCTION gc_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"                    \
	"  RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', MESSAGE = TG_ARGV[0];"    \
	"  END $$;"                                                                                   \
	"CREATE TABLE ca_certs ("                                                                     \
	"  id INTEGER PRIMARY KEY,"                                                                   \
	"  role TEXT NOT NULL CHECK (role IN ('root', 'issuing')),"                                   \
	"  subject_cn TEXT NOT NULL,"                                                                 \
	"  key_label TEXT NOT NULL,"                                                                  \
	"  serial TEXT NOT NULL UNIQUE CHECK (length(serial) = 40),"                                  \
	"  issuer_id INTEGER REFERENCES ca_certs(id),"                                                \
	"  not_before INTEGER NOT NULL,"                                                              \
	"  not_after INTEGER NOT NULL,"                                                               \
	"  der BLOB NOT NULL,"                                                                        \
	"  is_current INTEGER NOT NULL DEFAULT 1,"                                                    \
	"  created_at INTEGER NOT NULL);"                                                             \
	"CREATE TABLE subscribers ("                                                                  \
	"  ref TEXT PRIMARY KEY CHECK (ref ~ '^[0-9]{10}$'),"                                         \
	"  created_at INTEGER NOT NULL);"                                                             \
	"CREATE TABLE certificates ("                                                                 \
	"  serial TEXT PRIMARY KEY CHECK (length(serial) = 40),"                                      \
	"  ca_id INTEGER NOT NULL REFERENCES ca_certs(id),"                                           \
	"  request_id TEXT NOT NULL,"                                                                 \
	"  subscriber_ref TEXT NOT NULL REFERENCES subscribers(ref),"                                 \
	"  cert_type TEXT NOT NULL CHECK (cert_type IN ('individual', 'functional_unit')),"           \
	"  subject_cn TEXT NOT NULL,"                                                                 \
	"  email TEXT,"                                                                               \
	"  organisation TEXT NOT NULL,"                                                               \
	"  validity_years INTEGER NOT NULL CHECK (validity_years BETWEEN 1 AND 3),"                   \
	"  spki_sha256 TEXT NOT NULL,"                                                                \
	"  not_before INTEGER NOT NULL,"                                                              \
	"  not_after INTEGER NOT NULL,"                                                               \
	"  status TEXT NOT NULL CHECK (status IN ('reserved', 'signed', 'issued', 'abandoned')),"     \
	"  tbs BLOB NOT NULL,"                                                                        \
	"  der BLOB,"                                                                                 \
	"  created_at INTEGER NOT NULL,"                                                              \
	"  issued_at INTEGER,"                                                                        \
	"  renews TEXT REFERENCES certificates(serial),"                                              \
	"  request_sha256 TEXT,"                                                                      \
	"  resolved_at INTEGER,"                                                                      \
	/* SQLite's implicit rowid: the order of insertion (newest of one second) */                \
	"  rowid INTEGER GENERATED BY DEFAULT AS IDENTITY UNIQUE,"                                    \
	"  CHECK (status IN ('reserved', 'abandoned') OR der IS NOT NULL),"                           \
	"  CHECK (status <> 'issued' OR issued_at IS NOT NULL));"                                     \
	"CREATE UNIQUE INDEX certificates_request ON certificates(request_id)"                        \
	"  WHERE status <> 'abandoned';"                                                              \
	"CREATE INDEX certificates_spki ON certificates(spki_sha256);"                                \
	"CREATE INDEX certificates_email ON certificates(email);"                                     \
	"CREATE UNIQUE INDEX certificates_renews ON certificates(renews)"                             \
	"  WHERE renews IS NOT NULL AND status <> 'abandoned';"                                       \
	"CREATE INDEX certificates_open ON certificates(status) WHERE status IN ('reserved', 'signed');" \
	PG_REFUSE("certificates_no_delete", "BEFORE DELETE", "certificates",                          \
	          "certificates are never deleted")                                                   \
	PG_REFUSE_IF("certificates_issued_immutable", "BEFORE UPDATE", "certificates",                \
	             "OLD.status IN ('issued', 'abandoned')",                                         \
	             "an issued or abandoned certificate is never changed")                           \
	PG_REFUSE_IF("certificates_status_flow", "BEFORE UPDATE OF status", "certificates",           \
	             "NOT ((OLD.status = 'reserved' AND NEW.status IN ('signed', 'abandoned'))"       \
	             " OR (OLD.status = 'signed' AND NEW.status IN ('issued', 'abandoned')))",        \
	             "certificate status may only move forward")                                      \
	PG_REFUSE_IF("certificates_identity_fixed", "BEFORE UPDATE", "certificates",                  \
	             "NEW.serial IS DISTINCT FROM OLD.serial OR NEW.ca_id IS DISTINCT FROM OLD.ca_id" \
	             " OR NEW.request_id IS DISTINCT FROM OLD.request_id"                             \
	             " OR NEW.subscriber_ref IS DISTINCT FROM OLD.subscriber_ref"                     \
	             " OR NEW.spki_sha256 IS DISTINCT FROM OLD.spki_sha256"                           \
	             " OR NEW.not_before IS DISTINCT FROM OLD.not_before"                             \
	             " OR NEW.not_after IS DISTINCT FROM OLD.not_after OR NEW.tbs IS DISTINCT FROM OLD.tbs", \
	             "what was recorded before signing never changes")                                \
	PG_REFUSE("ca_certs_no_delete", "BEFORE DELETE", "ca_certs", "CA certificates are never deleted") \
	"CREATE TABLE audit_log ("                                                                    \
	"  id INTEGER PRIMARY KEY,"                                                                   \
	"  at INTEGER NOT NULL,"                                                                      \
	"  actor TEXT NOT NULL,"                                                                      \
	"  event TEXT NOT NULL,"                                                                      \
	"  object TEXT NOT NULL,"                                                                     \
	"  outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),"                          \
	"  detail TEXT NOT NULL,"                                                                     \
	"  prev_hash TEXT NOT NULL,"                                                                  \
	"  hash TEXT NOT NULL);"                                                                      \
	PG_REFUSE("audit_log_no_update", "BEFORE UPDATE", "audit_log", "the audit trail is append-only") \
	PG_REFUSE("audit_log_no_delete", "BEFORE DELETE", "audit_log", "the audit trail is append-only") \
	"CREATE TABLE fees ("                                                                         \
	"  serial TEXT PRIMARY KEY REFERENCES certificates(serial),"                                  \
	"  organisation TEXT NOT NULL,"                                                               \
	"  year INTEGER NOT NULL,"                                                                    \
	"  kind TEXT NOT NULL CHECK (kind IN ('issue', 'renew')),"                                    \
	"  validity_years INTEGER NOT NULL CHECK (validity_years BETWEEN 1 AND 3),"                   \
	"  amount_hkd INTEGER NOT NULL CHECK (amount_hkd >= 0),"                                      \
	"  charged_at INTEGER NOT NULL);"                                                             \
	"CREATE INDEX fees_org_year ON fees(organisation, year);"                                     \
	PG_REFUSE("fees_no_delete", "BEFORE DELETE", "fees", "fee records are never deleted")         \
	"CREATE TABLE service_certs ("                                                                \
	"  id INTEGER PRIMARY KEY,"                                                                   \
	"  key_label TEXT NOT NULL,"                                                                  \
	"  der BLOB NOT NULL,"                                                                        \
	"  sha256 TEXT NOT NULL UNIQUE,"                                                              \
	"  created_at INTEGER NOT NULL);"                                                             \
	"CREATE TABLE peers ("                                                                        \
	"  name TEXT PRIMARY KEY CHECK (name ~ '^[a-z0-9-]{1,32}$'),"                                 \
	"  der BLOB NOT NULL,"                                                                        \
	"  sha256 TEXT NOT NULL UNIQUE,"                                                              \
	"  pinned_at INTEGER NOT NULL,"                                                               \
	"  unpinned_at INTEGER);"                                                                     \
	"CREATE TABLE iface_results ("                                                                \
	"  ra TEXT NOT NULL REFERENCES peers(name),"                                                  \
	"  request_id TEXT NOT NULL,"                                                                 \
	"  request_sha256 TEXT NOT NULL,"                                                             \
	"  batch_id TEXT NOT NULL,"                                                                   \
	"  result TEXT NOT NULL,"                                                                     \
	"  created_at INTEGER NOT NULL,"                                                              \
	"  PRIMARY KEY (ra, request_id));"                                                            \
	"CREATE TABLE iface_files ("                                                                  \
	"  sha256 TEXT PRIMARY KEY,"                                                                  \
	"  ra TEXT NOT NULL,"                                                                         \
	"  batch_id TEXT NOT NULL,"                                                                   \
	"  received_at INTEGER NOT NULL,"                                                             \
	"  result BLOB NOT NULL);"                                                                    \
	PG_REFUSE("iface_results_immutable", "BEFORE UPDATE", "iface_results",                        \
	          "a stored interface result is never changed")                                       \
	"CREATE TABLE ldap_outbox ("                                                                  \
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"                                                     \
	"  kind TEXT NOT NULL CHECK (kind IN ('ca_cert', 'cert', 'file')),"                           \
	"  object TEXT NOT NULL,"                                                                     \
	"  data BLOB,"                                                                                \
	"  queued_at INTEGER NOT NULL,"                                                               \
	"  attempts INTEGER NOT NULL DEFAULT 0,"                                                      \
	"  last_error TEXT,"                                                                          \
	"  CHECK ((kind = 'file') = (data IS NOT NULL)));"                                            \
	"CREATE FUNCTION gc_publish() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"                   \
	"  INSERT INTO ldap_outbox (kind, object, queued_at) VALUES (TG_ARGV[0], NEW.serial, "        \
	PG_NOW "); RETURN NULL; END $$;"                                                              \
	"CREATE TRIGGER certificates_publish AFTER UPDATE OF status ON certificates FOR EACH ROW"     \
	"  WHEN (NEW.status = 'issued' AND OLD.status <> 'issued') EXECUTE FUNCTION gc_publish('cert');" \
	"CREATE TRIGGER ca_certs_publish AFTER INSERT ON ca_certs FOR EACH ROW"                       \
	"  EXECUTE FUNCTION gc_publish('ca_cert');"                                                   \
	"CREATE TABLE repo_files ("                                                                   \
	"  name TEXT PRIMARY KEY,"                                                                    \
	"  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"                                         \
	"  size INTEGER NOT NULL,"                                                                    \
	"  queued_at INTEGER NOT NULL);"                                                              \
	GC_SQL_AUDIT_SEAL_TABLES \
	PG_REFUSE("audit_keys_immutable", "BEFORE UPDATE", "audit_keys", "audit keys are never changed") \
	PG_REFUSE("audit_keys_no_delete", "BEFORE DELETE", "audit_keys", "audit keys are never deleted") \
	PG_REFUSE("audit_checkpoints_immutable", "BEFORE UPDATE", "audit_checkpoints",                \
	          "the audit trail is append-only")                                                   \
	PG_REFUSE("audit_checkpoints_no_delete", "BEFORE DELETE", "audit_checkpoints",                \
	          "the audit trail is append-only")                                                   \
	"CREATE TABLE alert_state ("                                                                  \
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"                                                    \
	"  scanned_id INTEGER NOT NULL);"                                                             \
	"CREATE TABLE alert_outbox ("                                                                 \
	"  id INTEGER PRIMARY KEY,"                                                                   \
	"  audit_id INTEGER NOT NULL,"                                                                \
	"  subject TEXT NOT NULL,"                                                                    \
	"  body TEXT NOT NULL,"                                                                       \
	"  queued_at INTEGER NOT NULL,"                                                               \
	"  attempts INTEGER NOT NULL DEFAULT 0,"                                                      \
	"  last_error TEXT,"                                                                          \
	"  sent_at INTEGER);"                                                                         \
	"CREATE INDEX alert_outbox_waiting ON alert_outbox(id) WHERE sent_at IS NULL;"                \
	"CREATE TABLE config_versions ("                                                              \
	"  id INTEGER PRIMARY KEY,"                                                                   \
	"  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"                                         \
	"  seen_at INTEGER NOT NULL);"                                                                \
	PG_REFUSE("config_versions_immutable", "BEFORE UPDATE", "config_versions",                    \
	          "configuration history is append-only")                                             \
	PG_REFUSE("config_versions_no_delete", "BEFORE DELETE", "config_versions",                    \
	          "configuration history is append-only")                                             \
	"CREATE TABLE revocations ("                                                                  \
	"  id INTEGER PRIMARY KEY,"                                                                   \
	"  serial TEXT NOT NULL UNIQUE CHECK (length(serial) = 40),"                                  \
	"  scope TEXT NOT NULL CHECK (scope IN ('ee', 'ca')),"                                        \
	"  ca_id INTEGER NOT NULL REFERENCES ca_certs(id),"                                           \
	"  dp TEXT,"                                                                                  \
	"  reason INTEGER NOT NULL CHECK (reason BETWEEN 0 AND 6),"                                   \
	"  requested_at INTEGER NOT NULL,"                                                            \
	"  revoked_at INTEGER NOT NULL,"                                                              \
	"  not_after INTEGER NOT NULL,"                                                               \
	"  actor TEXT NOT NULL);"                                                                     \
	"CREATE INDEX revocations_ca ON revocations(ca_id, scope, serial, revoked_at, reason);"       \
	"CREATE INDEX revocations_dp ON revocations(ca_id, dp, serial, revoked_at, reason);"          \
	PG_REFUSE("revocations_no_delete", "BEFORE DELETE", "revocations",                            \
	          "a revocation is permanent (CPS §4.4.2)")                                           \
	PG_REFUSE("revocations_no_update", "BEFORE UPDATE", "revocations",                            \
	          "a revocation is never changed (CPS §4.4.2)")                                       \
	"CREATE TABLE crl_scopes ("                                                                   \
	"  ca_id INTEGER NOT NULL REFERENCES ca_certs(id),"                                            \
	"  kind TEXT NOT NULL CHECK (kind IN ('full', 'partition', 'arl')),"                          \
	"  url TEXT NOT NULL,"                                                                        \
	"  created_at INTEGER NOT NULL,"                                                              \
	"  UNIQUE (ca_id, kind, url));"                                                               \
	"CREATE TABLE crls ("                                                                         \
	"  id INTEGER PRIMARY KEY,"                                                                   \
	"  ca_id INTEGER NOT NULL REFERENCES ca_certs(id),"                                           \
	"  kind TEXT NOT NULL CHECK (kind IN ('full', 'partition', 'arl')),"                          \
	"  url TEXT NOT NULL,"                                                                        \
	"  crl_number INTEGER NOT NULL CHECK (crl_number > 0),"                                       \
	"  this_update INTEGER NOT NULL,"                                                             \
	"  next_update INTEGER NOT NULL CHECK (next_update > this_update),"                           \
	"  entries INTEGER NOT NULL,"                                                                 \
	"  revocations_upto INTEGER NOT NULL,"                                                        \
	"  cause TEXT NOT NULL CHECK (cause IN ('scheduled', 'supplementary', 'compromise')),"        \
	"  sha256 TEXT NOT NULL,"                                                                     \
	"  der BLOB NOT NULL,"                                                                        \
	"  created_at INTEGER NOT NULL,"                                                              \
	"  UNIQUE (ca_id, crl_number));"                                                              \
	"CREATE INDEX crls_latest ON crls(ca_id, kind, url, crl_number);"                             \
	"CREATE INDEX crls_upto ON crls(ca_id, kind, revocations_upto);"                              \
	/* the archived CRL's bytes are written once, after its row (gc_blob_flush) */               \
	PG_REFUSE_IF("crls_no_update", "BEFORE UPDATE", "crls", "length(OLD.der) > 0",                \
	             "an archived CRL is never changed")                                              \
	"CREATE FUNCTION gc_crl_number_increases() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"      \
	"  IF NEW.crl_number <= (SELECT coalesce(max(crl_number), 0) FROM crls"                       \
	"                        WHERE ca_id = NEW.ca_id) THEN"                                       \
	"    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',"                       \
	"      MESSAGE = 'cRLNumber must strictly increase per issuer';"                              \
	"  END IF; RETURN NEW; END $$;"                                                               \
	"CREATE TRIGGER crls_number_increases BEFORE INSERT ON crls FOR EACH ROW"                     \
	"  EXECUTE FUNCTION gc_crl_number_increases();"                                               \
	PG_REFUSE_IF("crls_keep_seven_years", "BEFORE DELETE", "crls",                                \
	             "OLD.created_at > " PG_NOW " - 2557 * 86400",                                    \
	             "CRLs are archived for seven years (CPS §4.4.3)")                                \
	"CREATE VIEW revocation_status AS SELECT r.*, p.id AS published_crl,"                         \
	"  p.created_at AS published_at FROM revocations r LEFT JOIN crls p ON p.id ="                \
	"  (SELECT c.id FROM crls c WHERE c.ca_id = r.ca_id"                                          \
	"   AND c.kind = CASE r.scope WHEN 'ee' THEN 'full' ELSE 'arl' END"                           \
	"   AND c.revocations_upto >= r.id ORDER BY c.revocations_upto, c.id LIMIT 1);"

/* SQLite: the indexes and triggers of crls, and the view that reads it (migration 6, made
 * again by migration 14 with the table) */
#define SQLITE_CRLS_AFTER \
	"CREATE INDEX crls_latest ON crls(ca_id, kind, url, crl_number);"                                  \
	"CREATE INDEX crls_upto ON crls(ca_id, kind, revocations_upto);"                                   \
	"CREATE TRIGGER crls_no_update BEFORE UPDATE ON crls"                                              \
	"  BEGIN SELECT RAISE(ABORT, 'an archived CRL is never changed'); END;"                            \
	/* RFC 5280 §5.2.3, App. C I: cRLNumber strictly increases per issuer */                           \
	"CREATE TRIGGER crls_number_increases BEFORE INSERT ON crls"                                       \
	"  WHEN NEW.crl_number <= (SELECT coalesce(max(crl_number), 0) FROM crls"                          \
	"                          WHERE ca_id = NEW.ca_id)"                                               \
	"  BEGIN SELECT RAISE(ABORT, 'cRLNumber must strictly increase per issuer'); END;"                 \
	/* §4.4.3, §4.6: archived at least seven years (2557 days) */                                      \
	"CREATE TRIGGER crls_keep_seven_years BEFORE DELETE ON crls"                                       \
	"  WHEN OLD.created_at > CAST(strftime('%s', 'now') AS INTEGER) - 2557 * 86400"                    \
	"  BEGIN SELECT RAISE(ABORT, 'CRLs are archived for seven years (CPS §4.4.3)'); END;"              \
	/* a g-Cert is first published by its CA's full CRL, a CA certificate by the ARL */                \
	"CREATE VIEW revocation_status AS SELECT r.*, p.id AS published_crl,"                              \
	"  p.created_at AS published_at FROM revocations r LEFT JOIN crls p ON p.id ="                     \
	"  (SELECT c.id FROM crls c WHERE c.ca_id = r.ca_id"                                               \
	"   AND c.kind = CASE r.scope WHEN 'ee' THEN 'full' ELSE 'arl' END"                                \
	"   AND c.revocations_upto >= r.id ORDER BY c.revocations_upto, c.id LIMIT 1);"                    

static const struct gc_migration migrations[] = {
	/* 1: CA hierarchy, certificates, subscribers, audit trail */
	{"CREATE TABLE ca_certs ("
	"  id INTEGER PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK (role IN ('root', 'issuing')),"
	"  subject_cn TEXT NOT NULL,"
	"  key_label TEXT NOT NULL,"
	"  serial TEXT NOT NULL UNIQUE CHECK (length(serial) = 40),"
	"  issuer_id INTEGER REFERENCES ca_certs(id),"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  der BLOB NOT NULL,"
	"  is_current INTEGER NOT NULL DEFAULT 1,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE subscribers ("
	"  ref TEXT PRIMARY KEY CHECK (length(ref) = 10 AND ref NOT GLOB '*[^0-9]*'),"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE certificates ("
	"  serial TEXT PRIMARY KEY CHECK (length(serial) = 40),"
	"  ca_id INTEGER NOT NULL REFERENCES ca_certs(id),"
	"  request_id TEXT NOT NULL UNIQUE,"
	"  subscriber_ref TEXT NOT NULL REFERENCES subscribers(ref),"
	"  cert_type TEXT NOT NULL CHECK (cert_type IN ('individual', 'functional_unit')),"
	"  subject_cn TEXT NOT NULL,"
	"  email TEXT,"
	"  organisation TEXT NOT NULL,"
	"  validity_years INTEGER NOT NULL CHECK (validity_years BETWEEN 1 AND 3),"
	"  spki_sha256 TEXT NOT NULL,"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('reserved', 'issued')),"
	"  tbs BLOB NOT NULL,"
	"  der BLOB,"
	"  created_at INTEGER NOT NULL,"
	"  issued_at INTEGER,"
	"  CHECK (status = 'reserved' OR (der IS NOT NULL AND issued_at IS NOT NULL)));"
	"CREATE INDEX certificates_spki ON certificates(spki_sha256);"
	"CREATE INDEX certificates_email ON certificates(email);"
	"CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates"
	"  BEGIN SELECT RAISE(ABORT, 'certificates are never deleted'); END;"
	"CREATE TRIGGER certificates_issued_immutable BEFORE UPDATE ON certificates"
	"  WHEN OLD.status = 'issued'"
	"  BEGIN SELECT RAISE(ABORT, 'an issued certificate is never changed'); END;"
	"CREATE TRIGGER ca_certs_no_delete BEFORE DELETE ON ca_certs"
	"  BEGIN SELECT RAISE(ABORT, 'CA certificates are never deleted'); END;"
	"CREATE TABLE audit_log ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  event TEXT NOT NULL,"
	"  object TEXT NOT NULL,"
	"  outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),"
	"  detail TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL);"
	"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
	"  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
	"  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
	 PG_BEFORE_7},
	/* 2: renewals (CPS §3.2) and fees (§2.4) */
	{"ALTER TABLE certificates ADD COLUMN renews TEXT REFERENCES certificates(serial);"
	"CREATE UNIQUE INDEX certificates_renews ON certificates(renews) WHERE renews IS NOT NULL;"
	"CREATE TABLE fees ("
	"  serial TEXT PRIMARY KEY REFERENCES certificates(serial),"
	"  organisation TEXT NOT NULL,"
	"  year INTEGER NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('issue', 'renew')),"
	"  validity_years INTEGER NOT NULL CHECK (validity_years BETWEEN 1 AND 3),"
	"  amount_hkd INTEGER NOT NULL CHECK (amount_hkd >= 0),"
	"  charged_at INTEGER NOT NULL);"
	"CREATE INDEX fees_org_year ON fees(organisation, year);"
	"CREATE TRIGGER fees_no_delete BEFORE DELETE ON fees"
	"  BEGIN SELECT RAISE(ABORT, 'fee records are never deleted'); END;",
	 PG_BEFORE_7},
	/* 3: the system interface: CA service identity, pinned RAs, results kept for replays */
	{"CREATE TABLE service_certs ("
	"  id INTEGER PRIMARY KEY,"
	"  key_label TEXT NOT NULL,"
	"  der BLOB NOT NULL,"
	"  sha256 TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE peers ("
	"  name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 32 AND name NOT GLOB '*[^a-z0-9-]*'),"
	"  der BLOB NOT NULL,"
	"  sha256 TEXT NOT NULL UNIQUE,"
	"  pinned_at INTEGER NOT NULL,"
	"  unpinned_at INTEGER);"
	"CREATE TABLE iface_results ("
	"  ra TEXT NOT NULL REFERENCES peers(name),"
	"  request_id TEXT NOT NULL,"
	"  request_sha256 TEXT NOT NULL,"
	"  batch_id TEXT NOT NULL,"
	"  result TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (ra, request_id));"
	"CREATE TABLE iface_files ("
	"  sha256 TEXT PRIMARY KEY,"
	"  ra TEXT NOT NULL,"
	"  batch_id TEXT NOT NULL,"
	"  received_at INTEGER NOT NULL,"
	"  result BLOB NOT NULL);"
	"ALTER TABLE certificates ADD COLUMN request_sha256 TEXT;"
	"CREATE TRIGGER iface_results_immutable BEFORE UPDATE ON iface_results"
	"  BEGIN SELECT RAISE(ABORT, 'a stored interface result is never changed'); END;",
	 PG_BEFORE_7},
	/*
	 * 4: the repository's LDAP outbox (CPS §2.5.3: updated as soon as a certificate is
	 * issued or a CRL made). Each row is one pending directory update, applied in id
	 * order by the publisher and deleted in the same transaction as its audit record.
	 * Triggers fill it in the same transaction as the change itself, so an issued
	 * certificate can never miss publication; CRL/ARL files are queued by the file
	 * poller with their bytes (so a later file cannot overtake an earlier one).
	 * Existing certificates are queued once here.
	 */
	{"CREATE TABLE ldap_outbox ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  kind TEXT NOT NULL CHECK (kind IN ('ca_cert', 'cert', 'file')),"
	"  object TEXT NOT NULL,"
	"  data BLOB,"
	"  queued_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  CHECK ((kind = 'file') = (data IS NOT NULL)));"
	"CREATE TRIGGER certificates_publish AFTER UPDATE OF status ON certificates"
	"  WHEN NEW.status = 'issued' AND OLD.status <> 'issued'"
	"  BEGIN INSERT INTO ldap_outbox (kind, object, queued_at)"
	"    VALUES ('cert', NEW.serial, CAST(strftime('%s', 'now') AS INTEGER)); END;"
	"CREATE TRIGGER ca_certs_publish AFTER INSERT ON ca_certs"
	"  BEGIN INSERT INTO ldap_outbox (kind, object, queued_at)"
	"    VALUES ('ca_cert', NEW.serial, CAST(strftime('%s', 'now') AS INTEGER)); END;"
	"INSERT INTO ldap_outbox (kind, object, queued_at)"
	"  SELECT 'ca_cert', serial, CAST(strftime('%s', 'now') AS INTEGER) FROM ca_certs ORDER BY id;"
	"INSERT INTO ldap_outbox (kind, object, queued_at)"
	"  SELECT 'cert', serial, CAST(strftime('%s', 'now') AS INTEGER) FROM certificates"
	"  WHERE status = 'issued' ORDER BY issued_at, rowid;"
	/* The last version of each repository file queued for LDAP, by content hash. */
	"CREATE TABLE repo_files ("
	"  name TEXT PRIMARY KEY,"
	"  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
	"  size INTEGER NOT NULL,"
	"  queued_at INTEGER NOT NULL);",
	 PG_BEFORE_7},
	/*
	 * 5: audit trail protection (CPS §4.5.4): the audit key's certificates and the signed
	 * checkpoints of the hash chain, both append-only; significant-event alerts (§4.5.7):
	 * how far the audit trail has been scanned, and mail waiting to be sent.
	 */
	{GC_SQL_AUDIT_SEAL_TABLES
	"CREATE TRIGGER audit_keys_immutable BEFORE UPDATE ON audit_keys"
	"  BEGIN SELECT RAISE(ABORT, 'audit keys are never changed'); END;"
	"CREATE TRIGGER audit_keys_no_delete BEFORE DELETE ON audit_keys"
	"  BEGIN SELECT RAISE(ABORT, 'audit keys are never deleted'); END;"
	"CREATE TRIGGER audit_checkpoints_immutable BEFORE UPDATE ON audit_checkpoints"
	"  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints"
	"  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"CREATE TABLE alert_state ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  scanned_id INTEGER NOT NULL);"
	"CREATE TABLE alert_outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  audit_id INTEGER NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  queued_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  sent_at INTEGER);"
	"CREATE INDEX alert_outbox_waiting ON alert_outbox(id) WHERE sent_at IS NULL;"
	/* §4.5.1, §4.5.6: every version of gcert.json seen, so a change is audited */
	"CREATE TABLE config_versions ("
	"  id INTEGER PRIMARY KEY,"
	"  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
	"  seen_at INTEGER NOT NULL);"
	"CREATE TRIGGER config_versions_immutable BEFORE UPDATE ON config_versions"
	"  BEGIN SELECT RAISE(ABORT, 'configuration history is append-only'); END;"
	"CREATE TRIGGER config_versions_no_delete BEFORE DELETE ON config_versions"
	"  BEGIN SELECT RAISE(ABORT, 'configuration history is append-only'); END;",
	 PG_BEFORE_7},
	/* 6: revocation (CPS §4.4), CRLs and the ARL (App. C), their 7-year archive (§4.4.3) */
	{"CREATE TABLE revocations ("
	/* an explicit INTEGER PRIMARY KEY: ids only grow (rows are never deleted) and, unlike
	 * an implicit rowid, survive VACUUM; crls.revocations_upto counts on both */
	"  id INTEGER PRIMARY KEY,"
	"  serial TEXT NOT NULL UNIQUE CHECK (length(serial) = 40),"
	"  scope TEXT NOT NULL CHECK (scope IN ('ee', 'ca')),"
	"  ca_id INTEGER NOT NULL REFERENCES ca_certs(id),"  /* the CA whose CRL lists it */
	"  dp TEXT,"                                         /* its cRLDistributionPoints URL */
	"  reason INTEGER NOT NULL CHECK (reason BETWEEN 0 AND 6),"
	"  requested_at INTEGER NOT NULL,"                   /* §4.4.3: receipt of the request */
	"  revoked_at INTEGER NOT NULL,"                     /* the CRL entry's revocationDate */
	"  not_after INTEGER NOT NULL,"
	"  actor TEXT NOT NULL);"
	/* covering indexes: a CRL streams its entries in serial order from the index alone */
	"CREATE INDEX revocations_ca ON revocations(ca_id, scope, serial, revoked_at, reason);"
	"CREATE INDEX revocations_dp ON revocations(ca_id, dp, serial, revoked_at, reason);"
	"CREATE TRIGGER revocations_no_delete BEFORE DELETE ON revocations"
	"  BEGIN SELECT RAISE(ABORT, 'a revocation is permanent (CPS §4.4.2)'); END;"
	"CREATE TRIGGER revocations_no_update BEFORE UPDATE ON revocations"
	"  BEGIN SELECT RAISE(ABORT, 'a revocation is never changed (CPS §4.4.2)'); END;"
	"CREATE TABLE crl_scopes ("
	"  ca_id INTEGER NOT NULL REFERENCES ca_certs(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('full', 'partition', 'arl')),"
	"  url TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (ca_id, kind, url));"
	"CREATE TABLE crls ("
	"  id INTEGER PRIMARY KEY,"
	"  ca_id INTEGER NOT NULL REFERENCES ca_certs(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('full', 'partition', 'arl')),"
	"  url TEXT NOT NULL,"
	"  crl_number INTEGER NOT NULL CHECK (crl_number > 0),"
	"  this_update INTEGER NOT NULL,"
	"  next_update INTEGER NOT NULL CHECK (next_update > this_update),"
	"  entries INTEGER NOT NULL,"
	/* the highest revocations id when it was built: revocations are only appended,
	 * and a CRL lists every revocation of its scope up to this mark, so the first
	 * CRL whose mark reaches a revocation is where it was first published (§4.4.3),
	 * recorded in one row per CRL instead of one write per revocation */
	"  revocations_upto INTEGER NOT NULL,"
	"  cause TEXT NOT NULL CHECK (cause IN ('scheduled', 'supplementary', 'compromise')),"
	"  sha256 TEXT NOT NULL,"
	"  der BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (ca_id, crl_number));"
	SQLITE_CRLS_AFTER,
	 PG_BEFORE_7},

	/*
	 * 7: issuance that cannot go wrong silently (issue 10). Two more states:
	 *   signed    - the token signed, the certificate was verified and its DER kept;
	 *               recovery completes it as issued (the signature is known);
	 *   abandoned - interrupted before a signature was kept: never handed out, its
	 *               serial never reused, its row (serial, TBS) stays so that it can be
	 *               revoked and listed on CRLs like any other certificate.
	 * Allowed moves: reserved -> signed | abandoned; signed -> issued | abandoned.
	 * A request id (and a renewed certificate) is unique among the rows that are not
	 * abandoned, so an RA may send an interrupted request again. SQLite changes a CHECK only by rebuilding the
	 * table (with foreign keys off, checked before commit: gc_schema_migrate); every
	 * column, index and trigger of migrations 1-6 on it is made again, the triggers stricter
	 * (serial, TBS and request never change).
	 */
	{"CREATE TABLE certificates_new ("
	"  serial TEXT PRIMARY KEY CHECK (length(serial) = 40),"
	"  ca_id INTEGER NOT NULL REFERENCES ca_certs(id),"
	"  request_id TEXT NOT NULL,"
	"  subscriber_ref TEXT NOT NULL REFERENCES subscribers(ref),"
	"  cert_type TEXT NOT NULL CHECK (cert_type IN ('individual', 'functional_unit')),"
	"  subject_cn TEXT NOT NULL,"
	"  email TEXT,"
	"  organisation TEXT NOT NULL,"
	"  validity_years INTEGER NOT NULL CHECK (validity_years BETWEEN 1 AND 3),"
	"  spki_sha256 TEXT NOT NULL,"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('reserved', 'signed', 'issued', 'abandoned')),"
	"  tbs BLOB NOT NULL,"
	"  der BLOB,"
	"  created_at INTEGER NOT NULL,"
	"  issued_at INTEGER,"
	"  renews TEXT REFERENCES certificates(serial),"
	"  request_sha256 TEXT,"
	"  resolved_at INTEGER,"
	"  CHECK (status IN ('reserved', 'abandoned') OR der IS NOT NULL),"
	"  CHECK (status <> 'issued' OR issued_at IS NOT NULL));"
	"INSERT INTO certificates_new (serial, ca_id, request_id, subscriber_ref, cert_type,"
	"  subject_cn, email, organisation, validity_years, spki_sha256, not_before, not_after,"
	"  status, tbs, der, created_at, issued_at, renews, request_sha256)"
	"  SELECT serial, ca_id, request_id, subscriber_ref, cert_type, subject_cn, email,"
	"  organisation, validity_years, spki_sha256, not_before, not_after, status, tbs, der,"
	"  created_at, issued_at, renews, request_sha256 FROM certificates;"
	"DROP TABLE certificates;"
	"ALTER TABLE certificates_new RENAME TO certificates;"
	"CREATE UNIQUE INDEX certificates_request ON certificates(request_id)"
	"  WHERE status <> 'abandoned';"
	"CREATE INDEX certificates_spki ON certificates(spki_sha256);"
	"CREATE INDEX certificates_email ON certificates(email);"
	"CREATE UNIQUE INDEX certificates_renews ON certificates(renews)"
	"  WHERE renews IS NOT NULL AND status <> 'abandoned';"
	"CREATE INDEX certificates_open ON certificates(status) WHERE status IN ('reserved', 'signed');"
	"CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates"
	"  BEGIN SELECT RAISE(ABORT, 'certificates are never deleted'); END;"
	"CREATE TRIGGER certificates_issued_immutable BEFORE UPDATE ON certificates"
	"  WHEN OLD.status IN ('issued', 'abandoned')"
	"  BEGIN SELECT RAISE(ABORT, 'an issued or abandoned certificate is never changed'); END;"
	"CREATE TRIGGER certificates_status_flow BEFORE UPDATE OF status ON certificates"
	"  WHEN NOT ((OLD.status = 'reserved' AND NEW.status IN ('signed', 'abandoned'))"
	"         OR (OLD.status = 'signed' AND NEW.status IN ('issued', 'abandoned')))"
	"  BEGIN SELECT RAISE(ABORT, 'certificate status may only move forward'); END;"
	"CREATE TRIGGER certificates_identity_fixed BEFORE UPDATE OF serial, ca_id, request_id,"
	"  subscriber_ref, spki_sha256, not_before, not_after, tbs ON certificates"
	"  WHEN NEW.serial IS NOT OLD.serial OR NEW.ca_id IS NOT OLD.ca_id"
	"    OR NEW.request_id IS NOT OLD.request_id OR NEW.subscriber_ref IS NOT OLD.subscriber_ref"
	"    OR NEW.spki_sha256 IS NOT OLD.spki_sha256 OR NEW.not_before IS NOT OLD.not_before"
	"    OR NEW.not_after IS NOT OLD.not_after OR NEW.tbs IS NOT OLD.tbs"
	"  BEGIN SELECT RAISE(ABORT, 'what was recorded before signing never changes'); END;"
	/* migration 4's trigger, made again with the table: signed -> issued publishes */
	"CREATE TRIGGER certificates_publish AFTER UPDATE OF status ON certificates"
	"  WHEN NEW.status = 'issued' AND OLD.status <> 'issued'"
	"  BEGIN INSERT INTO ldap_outbox (kind, object, queued_at)"
	"    VALUES ('cert', NEW.serial, CAST(strftime('%s', 'now') AS INTEGER)); END;",
	 PG_SCHEMA_7},
	/*
	 * 8: cRLNumber floors (RFC 5280 §5.2.3, CPS §4.8.1). A restore brings back the
	 * database of the backup, not the CRLs published after it; their numbers must never be
	 * given again. The restore records the time in microseconds as the floor of every
	 * issuer's next cRLNumber: numbers counted up from 1, or from an older floor by one per
	 * CRL, stay below the clock (no CRL is made in under a microsecond).
	 */
	{"CREATE TABLE crl_number_floor ("
	"  id INTEGER PRIMARY KEY,"
	"  floor INTEGER NOT NULL CHECK (floor > 0),"
	"  set_at INTEGER NOT NULL,"
	"  reason TEXT NOT NULL);",
	 NULL},
	/*
	 * 9: purging audit records older than seven years (CPS §4.5.3). A purge removes the
	 * records before one that a signed checkpoint sealed (that record stays: the anchor
	 * of the chain, seal.c). The append-only trigger of migration 1 is made again to let
	 * exactly those go: a delete is refused unless a purge row covers the record.
	 */
	{"CREATE TABLE audit_purges ("
	"  id INTEGER PRIMARY KEY,"
	"  checkpoint_id INTEGER NOT NULL REFERENCES audit_checkpoints(id),"
	"  below_id INTEGER NOT NULL,"
	"  before_at INTEGER NOT NULL,"
	"  at INTEGER NOT NULL);"
	"DROP TRIGGER audit_log_no_delete;"
	"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
	"  WHEN NOT EXISTS (SELECT 1 FROM audit_purges WHERE below_id > OLD.id)"
	"  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
	 "CREATE TABLE audit_purges ("
	 "  id INTEGER PRIMARY KEY,"
	 "  checkpoint_id INTEGER NOT NULL REFERENCES audit_checkpoints(id),"
	 "  below_id INTEGER NOT NULL,"
	 "  before_at INTEGER NOT NULL,"
	 "  at INTEGER NOT NULL);"
	 /* a trigger's WHEN takes no subquery on PostgreSQL: the check is in a function */
	 "DROP TRIGGER audit_log_no_delete ON audit_log;"
	 "CREATE FUNCTION gc_audit_delete_check() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
	 "  IF NOT EXISTS (SELECT 1 FROM audit_purges WHERE below_id > OLD.id) THEN"
	 "    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',"
	 "      MESSAGE = 'the audit trail is append-only';"
	 "  END IF; RETURN OLD; END $$;"
	 "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW"
	 "  EXECUTE FUNCTION gc_audit_delete_check();"},
	/*
	 * 10: link certificates of a root changeover (CPS §4.7): the old root certifies the
	 * new root's key and the new root the old one's, so relying parties that trust either
	 * root can validate paths under the other. Kept like every CA certificate.
	 */
	{"CREATE TABLE ca_links ("
	"  id INTEGER PRIMARY KEY,"
	"  serial TEXT NOT NULL UNIQUE CHECK (length(serial) = 40),"
	"  subject_id INTEGER NOT NULL REFERENCES ca_certs(id),"
	"  issuer_id INTEGER NOT NULL REFERENCES ca_certs(id),"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  der BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL);",
	 NULL},
	/*
	 * 11: several issuing nodes on one database (docs/issuance-safety.md "Several
	 * nodes"): each issuing process registers itself and records itself on the rows it
	 * reserves, so a surviving node can resolve exactly the reservations of a dead one.
	 * Rows reserved before this migration have no node (recovered on start, as before).
	 */
	{"CREATE TABLE nodes ("
	"  id INTEGER PRIMARY KEY,"
	"  host TEXT NOT NULL,"
	"  pid INTEGER NOT NULL,"
	"  dir TEXT NOT NULL,"
	"  started_at INTEGER NOT NULL,"
	"  recovered_at INTEGER,"
	"  recovered_by INTEGER);"
	"ALTER TABLE certificates ADD COLUMN node_id INTEGER;"
	"CREATE INDEX certificates_open_node ON certificates(node_id)"
	"  WHERE status IN ('reserved', 'signed');",
	 NULL},
	/*
	 * 12: link certificates reach the directory (issue 16; RFC 4523 cACertificate: the
	 * certificates issued to this CA). A new link queues its subject CA's entry, which the
	 * publisher fills with every certificate of that CA; links made before are queued now.
	 */
	{"CREATE TRIGGER ca_links_publish AFTER INSERT ON ca_links"
	"  BEGIN INSERT INTO ldap_outbox (kind, object, queued_at)"
	"    SELECT 'ca_cert', serial, CAST(strftime('%s', 'now') AS INTEGER) FROM ca_certs"
	"    WHERE id = NEW.subject_id; END;"
	"INSERT INTO ldap_outbox (kind, object, queued_at)"
	"  SELECT 'ca_cert', c.serial, CAST(strftime('%s', 'now') AS INTEGER)"
	"  FROM ca_links l JOIN ca_certs c ON c.id = l.subject_id ORDER BY l.id;",
	 "CREATE FUNCTION gc_publish_link() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
	 "  INSERT INTO ldap_outbox (kind, object, queued_at) SELECT 'ca_cert', serial, " PG_NOW
	 "  FROM ca_certs WHERE id = NEW.subject_id; RETURN NULL; END $$;"
	 "CREATE TRIGGER ca_links_publish AFTER INSERT ON ca_links FOR EACH ROW"
	 "  EXECUTE FUNCTION gc_publish_link();"
	 "INSERT INTO ldap_outbox (kind, object, queued_at)"
	 "  SELECT 'ca_cert', c.serial, " PG_NOW " FROM ca_links l JOIN ca_certs c ON c.id = l.subject_id"
	 "  ORDER BY l.id;"},
	/*
	 * 13: the CA service's workers say they are alive (issue 17): `gcert ca status` warns
	 * when the CRL schedule stopped or never ran. One row per worker name, for the whole
	 * database (several nodes: any node's schedule counts).
	 */
	{"CREATE TABLE service_beats ("
	"  name TEXT PRIMARY KEY,"
	"  node TEXT NOT NULL,"
	"  beat_at INTEGER NOT NULL,"
	"  stopped_at INTEGER);",
	 NULL},
	/*
	 * 14: the archived CRL's bytes last in its row (issue 18). SQLite writes a zeroblob
	 * without allocating it only when no column after it holds data; created_at followed
	 * der, so inserting the archive row of a CRL of 1,000,000 entries (53 MB, whose bytes
	 * are then written in place, gc_db_blob_open) allocated it twice on the heap (the
	 * value and the record). The table is made again with der last (with foreign keys
	 * off, checked before commit, as migration 7); the view over it is dropped first and
	 * made again after. PostgreSQL keeps a large value out of its row: nothing to do.
	 */
	{"DROP VIEW revocation_status;"
	"CREATE TABLE crls_new ("
	"  id INTEGER PRIMARY KEY,"
	"  ca_id INTEGER NOT NULL REFERENCES ca_certs(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('full', 'partition', 'arl')),"
	"  url TEXT NOT NULL,"
	"  crl_number INTEGER NOT NULL CHECK (crl_number > 0),"
	"  this_update INTEGER NOT NULL,"
	"  next_update INTEGER NOT NULL CHECK (next_update > this_update),"
	"  entries INTEGER NOT NULL,"
	"  revocations_upto INTEGER NOT NULL,"
	"  cause TEXT NOT NULL CHECK (cause IN ('scheduled', 'supplementary', 'compromise')),"
	"  sha256 TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  der BLOB NOT NULL,"
	"  UNIQUE (ca_id, crl_number));"
	"INSERT INTO crls_new (id, ca_id, kind, url, crl_number, this_update, next_update, entries,"
	"  revocations_upto, cause, sha256, created_at, der)"
	"  SELECT id, ca_id, kind, url, crl_number, this_update, next_update, entries,"
	"  revocations_upto, cause, sha256, created_at, der FROM crls ORDER BY id;"
	"DROP TABLE crls;"
	"ALTER TABLE crls_new RENAME TO crls;"
	SQLITE_CRLS_AFTER,
	 PG_NOTHING},
	/*
	 * 15: PostgreSQL stores a certificate's TBS and DER as they are (issue 14). Its
	 * default storage tries pglz on every value of a row over 2 kB, and signed DER,
	 * random serials and keys do not compress: the server spent that work on each keep
	 * of a signed certificate, which is one core's time the signing pipeline lacks on
	 * a small machine. SQLite never compresses; nothing to do there.
	 */
	{"",
	 "ALTER TABLE certificates ALTER COLUMN tbs SET STORAGE EXTERNAL,"
	 "  ALTER COLUMN der SET STORAGE EXTERNAL;"},
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int gc_schema_version(void)
{
	return N_MIGRATIONS;
}

gc_result gc_schema_migrate(struct gc_db *db)
{
	return gc_db_migrate(db, migrations, N_MIGRATIONS, "gcert");
}
