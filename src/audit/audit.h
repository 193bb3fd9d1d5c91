/*
 * audit.h - the audit trail (CPS §4.5): append-only records, each chained to the one
 * before by SHA-256, written in the same transaction as the state change they record.
 * Event names are stable and listed once, below.
 */
#ifndef GCERT_AUDIT_AUDIT_H
#define GCERT_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

struct gc_db;

/* X(enum, "stable.name", CPS clause) */
#define GC_AUDIT_EVENTS(X)                                                               \
	X(GC_EV_CA_INIT, "ca.init", "§4.5.1 installation of the CA")                     \
	X(GC_EV_KEY_GENERATED, "ca.key_generated", "§6.1.1 CA key generation")           \
	X(GC_EV_CA_CERT_ISSUED, "ca.cert_issued", "§4.7 CA certificate issuance")        \
	X(GC_EV_CERT_ISSUED, "cert.issued", "§4.5.1 certificate issuance")               \
	X(GC_EV_CERT_REJECTED, "cert.request_rejected", "§4.5.1 request handling")            \
	X(GC_EV_SERVICE_CERT, "service.cert_made", "§4.5.1 configuration of the CA")          \
	X(GC_EV_PEER_PINNED, "peer.pinned", "§4.5.1 configuration of the CA")                \
	X(GC_EV_PEER_UNPINNED, "peer.unpinned", "§4.5.1 configuration of the CA")            \
	X(GC_EV_IFACE_PROCESSED, "interface.file_processed", "§4.5.1 request handling")       \
	X(GC_EV_IFACE_REJECTED, "interface.file_rejected", "§4.5.1 suspicious activity")       \
	X(GC_EV_IFACE_TLS_REFUSED, "interface.tls_refused", "§4.5.1 suspicious network activity") \
	X(GC_EV_CERT_REVOKED, "cert.revoked", "§4.4.2 revocation")                       \
	X(GC_EV_REVOKE_REJECTED, "cert.revoke_rejected", "§4.5.1 revocation request handling") \
	X(GC_EV_CRL_ISSUED, "crl.issued", "§4.5.1 CRL compilation and publication")      \
	X(GC_EV_ARL_ISSUED, "arl.issued", "App. C II ARL publication")                   \
	X(GC_EV_CA_COMPROMISE, "ca.compromise", "§4.8.2 CA key compromise")              \
	X(GC_EV_CA_CERT_REVOKED, "ca.cert_revoked", "§4.8.3 CA certificate revocation")  \
	X(GC_EV_CERT_REISSUED, "cert.reissued", "§4.8.3 replacement after CA compromise")  \
	X(GC_EV_CALENDAR_CHANGED, "calendar.changed", "§4.4.3 working-day calendar, §4.5.1 configuration") \
	X(GC_EV_SERVICE_STARTED, "ca.service_started", "§4.5.1 CA system operation")    \
	X(GC_EV_SERVICE_STOPPED, "ca.service_stopped", "§4.5.1 CA system operation")    \
	X(GC_EV_REPO_FILE_QUEUED, "repo.file_queued", "§2.5.3, §4.5.1 CRL publication") \
	X(GC_EV_REPO_FILE_REJECTED, "repo.file_rejected", "§4.5.1 CRL publication")     \
	X(GC_EV_REPO_LDAP_PUBLISHED, "repo.ldap_published", "§2.5.3, §4.5.1 repository update") \
	X(GC_EV_REPO_LOOKUP_LIMITED, "repo.lookup_rate_limited", "§4.5.1 suspicious network activity") \
	X(GC_EV_REPO_REPUBLISH, "repo.republish", "§2.5.3, §4.5.1 repository update") \
	X(GC_EV_CONFIG_CHANGED, "config.changed", "§4.5.1 change and configuration of the CA") \
	X(GC_EV_AUDIT_KEY, "audit.key_made", "§4.5.4 protection of the audit trail")          \
	X(GC_EV_AUDIT_BROKEN, "audit.verify_failed", "§4.5.4 deliberate change detected")     \
	X(GC_EV_AUDIT_PURGE, "audit.purge_refused", "§4.5.3 retention 7 years")               \
	X(GC_EV_ARCHIVE, "archive.exported", "§4.6 archive, §4.9 termination records")        \
	X(GC_EV_BACKUP, "backup.made", "§4.5.1 backups, §4.8.1 disaster recovery")            \
	X(GC_EV_RESTORE, "backup.restored", "§4.8.1 recovery, §6.2.4 multi-person restore")  \
	X(GC_EV_CERT_LINT_FAILED, "cert.lint_failed", "App. B profile check before signing") \
	X(GC_EV_CERT_RECOVERED, "cert.recovered", "§4.5.1 issuance completed on restart") \
	X(GC_EV_CERT_ABANDONED, "cert.abandoned", "§4.5.1 interrupted issuance, serial retired") \
	X(GC_EV_CRL_BLOCKED, "crl.blocked", "§4.4.3 CRL failed its proof; not published") \
	X(GC_EV_CA_ACTIVATED, "ca.activated", "§6.2.2, §6.4 M-of-N activation of the CA keys") \
	X(GC_EV_CA_ACTIVATION_FAILED, "ca.activation_failed", "§6.4 activation refused") \
	X(GC_EV_CA_DEACTIVATED, "ca.deactivated", "§6.2.2 CA keys deactivated (token logged out)") \
	X(GC_EV_CA_CHANGEOVER, "ca.changeover", "§4.7 CA key changeover") \
	X(GC_EV_AUDIT_PURGED, "audit.purged", "§4.5.3 records older than 7 years removed") \
	X(GC_EV_DR_PROMOTED, "dr.promoted", "§4.8.1 recovery site promoted, nodes pointed at it") \
	X(GC_EV_DR_DRILL, "dr.drill", "§4.8.1 yearly recovery drill") \
	X(GC_EV_TLS_KEY_MIGRATED, "ca.tls_key_migrated", "§6.2.1 a TLS key file moved into the token") \
	GC_RA_AUDIT_EVENTS(X)

/* The RA service's events (CMMP side, issue 6), in the RA's own database. */
#define GC_RA_AUDIT_EVENTS(X)                                                            \
	X(GC_EV_RA_INIT, "ra.init", "§4.5.1 installation of the RA")                     \
	X(GC_EV_RA_USER_ADDED, "ra.user_added", "§3.1.1.3 B/D appoints a CMMP user")     \
	X(GC_EV_RA_ORG_CHANGED, "ra.org_changed", "§4.4.2 the B/D's working days to approve a revocation") \
	X(GC_EV_RA_ROLES_CHANGED, "ra.roles_changed", "§3.1.1.3 appointment changed")    \
	X(GC_EV_RA_USER_UNLOCKED, "ra.user_unlocked", "§4.5.1 privileged access")        \
	X(GC_EV_RA_LOGIN, "ra.login", "§4.5.1 access")                                   \
	X(GC_EV_RA_LOGIN_FAILED, "ra.login_failed", "§4.5.1 repeated failed access")     \
	X(GC_EV_RA_LOGOUT, "ra.logout", "§4.5.1 access")                                 \
	X(GC_EV_RA_REFUSED, "ra.request_refused", "§4.5.1 suspicious activity, §5.2.1 access control") \
	X(GC_EV_RA_APP_TOKEN, "ra.app_token_made", "§2.1.3 n designated application")    \
	X(GC_EV_RA_APPLIED, "ra.application_submitted", "§3.1 application")              \
	X(GC_EV_RA_APPROVED, "ra.application_approved", "§3.1.8 identity verified")      \
	X(GC_EV_RA_REJECTED, "ra.application_rejected", "§2.1.1 d rejection")            \
	X(GC_EV_RA_SUBMITTED, "ra.request_sent", "§3.1 step 4 interface file to the CA") \
	X(GC_EV_RA_BOUND, "ra.cert_bound", "§3.1 step 6 certificate bound")              \
	X(GC_EV_RA_CA_REFUSED, "ra.ca_rejected", "§2.1.1 d the CA rejected")             \
	X(GC_EV_RA_REVOKE_REQUESTED, "ra.revocation_requested", "§4.4.2 revocation request") \
	X(GC_EV_RA_REVOKE_APPROVED, "ra.revocation_approved", "§4.4.2 revocation approved") \
	X(GC_EV_RA_REVOKE_REJECTED, "ra.revocation_rejected", "§4.4.2 revocation rejected") \
	X(GC_EV_RA_REVOKED, "ra.cert_revoked", "§4.4.2 the CA revoked")                  \
	X(GC_EV_RA_KEY_REQUESTED, "ra.key_requested", "App. E II key custody request")   \
	X(GC_EV_RA_KEY_APPROVED, "ra.key_approved", "App. E II key custody approval")    \
	X(GC_EV_RA_KEY_EXPORTED, "ra.key_exported", "App. E II, §4.5.1 key recovery")    \
	X(GC_EV_RA_TLS_CERT, "ra.tls_cert", "§4.5.1 configuration: the web TLS certificate") \
	X(GC_EV_RA_REMINDER, "ra.renewal_reminder", "§3.2 renewal notice") \
	X(GC_EV_RA_KEY_GENERATED, "ra.key_generated", "§4.5.4 RA audit key generation") \
	X(GC_EV_RA_PASSWORD_CHANGED, "ra.password_changed", "§4.5.1 access: own password changed") \
	X(GC_EV_RA_PASSWORD_RESET, "ra.password_reset", "§4.5.1 privileged access: password reset") \
	X(GC_EV_RA_USER_DISABLED, "ra.user_disabled", "§3.1.1.3 appointment ended or suspended") \
	X(GC_EV_RA_USER_ENABLED, "ra.user_enabled", "§3.1.1.3 appointment restored") \
	X(GC_EV_RA_ADMIN_RECOVERED, "ra.admin_recovered", "§4.5.1 privileged access: B/D administrator recovered from the CLI")

enum gc_audit_event {
#define GC_AUDIT_ENUM(e, name, clause) e,
	GC_AUDIT_EVENTS(GC_AUDIT_ENUM)
#undef GC_AUDIT_ENUM
	GC_AUDIT_EVENT_COUNT
};

const char *gc_audit_event_name(enum gc_audit_event);

struct gc_audit;

gc_result gc_audit_open(struct gc_db *, struct gc_audit **out) GC_MUST_CHECK;
void gc_audit_free(struct gc_audit *);
/*
 * Appends one record inside the caller's open transaction: when it rolls back, the
 * record goes with it. detail must never carry a secret (PINs, keys).
 */
gc_result gc_audit_append(struct gc_audit *, const char *actor, enum gc_audit_event,
                          const char *object, bool success, const char *detail) GC_MUST_CHECK;
/* One record of gc_audit_append_many. */
struct gc_audit_rec {
	enum gc_audit_event ev;
	const char *object;
	bool success;
	const char *detail;
};
/* As gc_audit_append for n records in order, chained alike: one read of the chain's
 * head and one INSERT for them all (a chunk of issued certificates, issue.c). */
gc_result gc_audit_append_many(struct gc_audit *, const char *actor, const struct gc_audit_rec *,
                               size_t n) GC_MUST_CHECK;
/* The chain hash of one record (see audit.c); out is 64 hex digits. */
gc_result gc_audit_record_hash(const char *prev, int64_t id, int64_t at, const char *actor,
                               const char *event, const char *object, const char *outcome,
                               const char *detail, char out[65]) GC_MUST_CHECK;
/* Recomputes the chain and checks the signed checkpoints (gc_audit_verify in seal.h);
 * on a break names the first bad record in the error detail. */
gc_result gc_audit_verify_chain(struct gc_db *, long *records) GC_MUST_CHECK;

#endif
