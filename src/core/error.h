/*
 * error.h - the one table of gcert error codes.
 *
 * Every failure in libgcert is one of these codes plus a detail message that names
 * the object and the rule it broke ("request req-0001: CPS App. B: subscriber key
 * must be RSA 2048 (got 1024)"). The same code reaches the CLI exit status, the JSON
 * output, later the interface result file and the audit record. The library never
 * prints and never exits; only the edge turns a code into output.
 */
#ifndef GCERT_CORE_ERROR_H
#define GCERT_CORE_ERROR_H

#include <stddef.h>

/* Categories decide the CLI exit status (see gc_category_exit). */
enum gc_category {
	GC_CAT_OK = 0,
	GC_CAT_USAGE,    /* the command line itself is wrong */
	GC_CAT_INPUT,    /* a request or file is malformed or breaks the CPS profile */
	GC_CAT_CONFLICT, /* the input is fine but the state forbids it (duplicate, revoked) */
	GC_CAT_CONFIG,   /* configuration or CA directory problem */
	GC_CAT_HSM,      /* the token refused or failed */
	GC_CAT_STORE,    /* the database refused or failed */
	GC_CAT_INTERNAL, /* a bug or resource exhaustion */
	GC_CAT_INVALID,  /* relying party: the certificate must not be relied on */
};

/* X(name, category, message) */
#define GC_ERRORS(X)                                                                     \
	X(GC_OK, GC_CAT_OK, "success")                                                   \
	X(GC_E_USAGE, GC_CAT_USAGE, "invalid command line")                              \
	X(GC_E_NOMEM, GC_CAT_INTERNAL, "out of memory")                                  \
	X(GC_E_INTERNAL, GC_CAT_INTERNAL, "internal error")                              \
	X(GC_E_IO, GC_CAT_CONFIG, "file system error")                                   \
	X(GC_E_CONFIG, GC_CAT_CONFIG, "invalid configuration")                           \
	X(GC_E_DIR_EXISTS, GC_CAT_CONFIG, "CA directory already exists")                 \
	X(GC_E_NOT_A_CA_DIR, GC_CAT_CONFIG, "not a gcert CA directory")                  \
	X(GC_E_HSM, GC_CAT_HSM, "token operation failed")                                \
	X(GC_E_HSM_KEY_NOT_FOUND, GC_CAT_HSM, "key not found in token")                  \
	X(GC_E_DB, GC_CAT_STORE, "database operation failed")                            \
	X(GC_E_DB_CONSTRAINT, GC_CAT_STORE, "database constraint violated")              \
	X(GC_E_DB_CONN, GC_CAT_STORE, "database connection lost")                        \
	X(GC_E_JSON, GC_CAT_INPUT, "malformed JSON")                                     \
	X(GC_E_REQUEST_FIELD, GC_CAT_INPUT, "missing or invalid request field")          \
	X(GC_E_FIELD_TOO_LONG, GC_CAT_INPUT, "field exceeds its RFC 5280 upper bound")   \
	X(GC_E_NOT_UTF8, GC_CAT_INPUT, "text is not valid UTF-8")                        \
	X(GC_E_BAD_CERT_TYPE, GC_CAT_INPUT, "unknown certificate type")                  \
	X(GC_E_BAD_VALIDITY, GC_CAT_INPUT, "validity outside 1..3 years")                \
	X(GC_E_BAD_EMAIL, GC_CAT_INPUT, "malformed email address")                       \
	X(GC_E_BAD_ENCODING, GC_CAT_INPUT, "malformed PEM or DER")                       \
	X(GC_E_CSR_SIGNATURE, GC_CAT_INPUT, "CSR signature does not verify")             \
	X(GC_E_KEY_TYPE, GC_CAT_INPUT, "subscriber key is not RSA")                      \
	X(GC_E_KEY_SIZE, GC_CAT_INPUT, "subscriber key is not 2048 bits")                \
	X(GC_E_KEY_EXPONENT, GC_CAT_INPUT, "subscriber key exponent is not 65537")       \
	X(GC_E_TOO_LARGE, GC_CAT_INPUT, "input exceeds its size limit")                  \
	X(GC_E_KEY_REUSED, GC_CAT_CONFLICT, "public key already certified")              \
	X(GC_E_DUPLICATE_REQUEST, GC_CAT_CONFLICT, "request id already processed")       \
	X(GC_E_OUTLIVES_CA, GC_CAT_CONFLICT, "certificate would outlive its issuing CA") \
	X(GC_E_NOT_FOUND, GC_CAT_CONFLICT, "no such object")                             \
	X(GC_E_CONFLICT, GC_CAT_CONFLICT, "conflicts with the current state")              \
	X(GC_E_REQUEST_CONFLICT, GC_CAT_CONFLICT, "request id reused with other content")   \
	X(GC_E_RENEW_EXPIRED, GC_CAT_CONFLICT, "an expired certificate is never renewed")  \
	X(GC_E_IFACE_FORMAT, GC_CAT_INPUT, "interface file is malformed")                \
	X(GC_E_IFACE_SIGNATURE, GC_CAT_INPUT, "interface file signature not accepted")   \
	/* the RA's link to the CA (src/ra/link.h) */                                    \
	X(GC_E_RA_PENDING, GC_CAT_CONFLICT, "interface file queued for the CA; result pending") \
	X(GC_E_RA_CONNECT, GC_CAT_CONFIG, "cannot connect to the CA")                    \
	X(GC_E_RA_TLS, GC_CAT_CONFIG, "TLS with the CA failed")                          \
	X(GC_E_RA_HTTP, GC_CAT_CONFIG, "the CA answered with an HTTP error")             \
	X(GC_E_RA_REFUSED, GC_CAT_INPUT, "the CA refused the interface file whole")      \
	X(GC_E_RA_SIGNATURE, GC_CAT_INPUT, "result not signed by the pinned CA service key") \
	X(GC_E_RA_LABEL, GC_CAT_INPUT, "malformed subscriber key label")                 \
	X(GC_E_RA_KEY_EXISTS, GC_CAT_CONFLICT, "subscriber key label already used")     \
	X(GC_E_RA_KEY_DISABLED, GC_CAT_CONFLICT, "subscriber key disabled")             \
	X(GC_E_RA_CRL, GC_CAT_INVALID, "CA's CRL unavailable, stale or not signed by the CA") \
	X(GC_E_VERIFY, GC_CAT_INTERNAL, "signed object failed verification")           \
	X(GC_E_HTTP, GC_CAT_CONFIG, "HTTP server failed")                                \
	X(GC_E_LDAP, GC_CAT_CONFIG, "LDAP directory operation failed")                   \
	X(GC_E_RATE_LIMITED, GC_CAT_CONFLICT, "too many lookups from this client")        \
	X(GC_E_AUDIT_TAMPERED, GC_CAT_STORE, "audit trail altered (CPS §4.5.4)")         \
	X(GC_E_RETENTION, GC_CAT_CONFLICT, "records are kept 7 years (CPS §4.5.3)")      \
	X(GC_E_ARCHIVE, GC_CAT_INPUT, "archive bundle malformed or altered")            \
	X(GC_E_BACKUP, GC_CAT_INPUT, "backup file malformed or altered")                 \
	X(GC_E_SHARES, GC_CAT_INPUT, "custodian shares missing, wrong or insufficient")  \
	X(GC_E_PASSPHRASE, GC_CAT_INPUT, "custodian passphrase wrong or unusable")       \
	X(GC_E_SMTP, GC_CAT_CONFIG, "alert mail could not be sent")                      \
	X(GC_E_BAD_REASON, GC_CAT_INPUT, "reason code outside 0..6 (CPS App. C)")        \
	X(GC_E_BAD_TIME, GC_CAT_INPUT, "malformed or impossible time")                   \
	X(GC_E_ALREADY_REVOKED, GC_CAT_CONFLICT, "certificate already revoked")          \
	X(GC_E_NOT_REVOCABLE, GC_CAT_CONFLICT, "object cannot be revoked this way")      \
	X(GC_E_CALENDAR, GC_CAT_CONFIG, "malformed working-day calendar")                \
	X(GC_E_CRL_NUMBER, GC_CAT_INTERNAL, "cRLNumber would not increase")              \
	X(GC_E_CRL_INCOMPLETE, GC_CAT_INTERNAL, "CRL does not list its scope's revocations") \
	X(GC_E_CERT_REVOKED, GC_CAT_INVALID, "certificate revoked")                      \
	X(GC_E_CERT_EXPIRED, GC_CAT_INVALID, "certificate expired or not yet valid")     \
	X(GC_E_CERT_UNTRUSTED, GC_CAT_INVALID, "certificate not issued by a trusted CA") \
	X(GC_E_CERT_PURPOSE, GC_CAT_INVALID, "certificate not valid for this purpose")   \
	X(GC_E_CERT_POLICY, GC_CAT_INVALID, "certificate lacks the g-Cert policy")       \
	X(GC_E_CRL_UNAVAILABLE, GC_CAT_INVALID, "no current CRL to check revocation")     \
	X(GC_E_CA_STATE, GC_CAT_CONFLICT, "the CA is not in the state this needs")       \
	X(GC_E_LINT, GC_CAT_INTERNAL, "object breaks the CPS profile; not signed")       \
	X(GC_E_RECOVERY, GC_CAT_STORE, "interrupted issuance could not be resolved")      \
	X(GC_E_NOT_ACTIVATED, GC_CAT_CONFLICT, "CA keys are not activated (M of N custodians, CPS §6.4)") \
	X(GC_E_CONTROL, GC_CAT_CONFIG, "CA service control channel failed") \
	X(GC_E_RA_AUTH, GC_CAT_INPUT, "RA: not logged in, or wrong user name or password") \
	X(GC_E_RA_LOCKED, GC_CAT_CONFLICT, "RA: account locked after repeated failed logins") \
	X(GC_E_RA_CSRF, GC_CAT_INPUT, "RA: missing or wrong X-CSRF-Token")               \
	X(GC_E_RA_FORBIDDEN, GC_CAT_INPUT, "RA: the user's role or B/D does not allow this") \
	X(GC_E_RA_SOD, GC_CAT_INPUT, "RA: segregation of duties forbids this (CPS §2.1.3 c)") \
	X(GC_E_RA_STATE, GC_CAT_CONFLICT, "RA: the object is not in the state this needs") \
	X(GC_E_DR_DIFFERS, GC_CAT_STORE, "recovery site differs from the live database (CPS §4.8.1)") \
	X(GC_E_DR_STATE, GC_CAT_CONFLICT, "recovery site is not in the state this needs (CPS §4.8.1)") \
	X(GC_E_RA_DISABLED, GC_CAT_CONFLICT, "RA: account disabled by a B/D administrator") \
	X(GC_E_RA_PW_CHANGE, GC_CAT_INPUT, "RA: the initial or reset password must be changed first")

enum gc_code {
#define GC_ENUM(name, cat, msg) name,
	GC_ERRORS(GC_ENUM)
#undef GC_ENUM
	GC_CODE_COUNT
};

#define GC_MUST_CHECK __attribute__((warn_unused_result))
typedef enum gc_code gc_result;

const char *gc_code_name(enum gc_code);    /* stable name, e.g. "GC_E_KEY_SIZE" */
const char *gc_code_message(enum gc_code); /* generic message */
enum gc_category gc_code_category(enum gc_code);
int gc_category_exit(enum gc_category);    /* CLI exit status */

/*
 * The detail of the last failure on this thread: the object and the rule it broke,
 * followed by any OpenSSL errors drained from the queue.
 */
const char *gc_err_detail(void);
enum gc_code gc_err_code(void);

/* Sets code and detail; returns code so that "return gc_fail(...)" reads naturally. */
enum gc_code gc_fail_set(enum gc_code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As gc_fail, and appends OpenSSL's error queue (which it empties). */
enum gc_code gc_fail_ssl_set(enum gc_code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A failure is never GC_OK, and the compiler must see that: a function that writes its
 * outputs only on success ("return gc_fail(...)" before the writes) is then known to have
 * written them whenever it returns GC_OK, so GCC's -Wmaybe-uninitialized stays quiet in
 * its inlined callers at -O2/-O3/-Os without the callers initialising dummies. A GC_OK
 * passed as a failure code is a bug, reported as GC_E_INTERNAL.
 */
static inline enum gc_code gc_failure(enum gc_code code)
{
	return code != GC_OK ? code : GC_E_INTERNAL;
}
#define gc_fail(...) gc_failure(gc_fail_set(__VA_ARGS__))
#define gc_fail_ssl(...) gc_failure(gc_fail_ssl_set(__VA_ARGS__))
void gc_err_clear(void);

/* Propagate a failure: GC_GUARD(f(x)); */
#define GC_GUARD(expr)                                                                   \
	do {                                                                             \
		gc_result gc_guard_rc_ = (expr);                                         \
		if (gc_guard_rc_ != GC_OK)                                               \
			return gc_guard_rc_;                                             \
	} while (0)

/* Propagate into a cleanup label: GC_GUARD_OUT(rc, f(x)); */
#define GC_GUARD_OUT(rc, expr)                                                           \
	do {                                                                             \
		if (((rc) = (expr)) != GC_OK)                                            \
			goto out;                                                        \
	} while (0)

/* Check a condition, fail with a code and a message naming the rule. */
#define GC_ENSURE(cond, code, ...)                                                       \
	do {                                                                             \
		if (!(cond))                                                             \
			return gc_fail((code), __VA_ARGS__);                             \
	} while (0)

#define GC_ENSURE_OUT(rc, cond, code, ...)                                               \
	do {                                                                             \
		if (!(cond)) {                                                           \
			(rc) = gc_fail((code), __VA_ARGS__);                             \
			goto out;                                                        \
		}                                                                        \
	} while (0)

/* OpenSSL's "1 is success" convention, draining its error queue on failure. */
#define GC_SSL_OUT(rc, expr, code, ...)                                                  \
	do {                                                                             \
		if ((expr) != 1) {                                                       \
			(rc) = gc_fail_ssl((code), __VA_ARGS__);                         \
			goto out;                                                        \
		}                                                                        \
	} while (0)

#define GC_NOMEM_OUT(rc, ptr)                                                            \
	do {                                                                             \
		if ((ptr) == NULL) {                                                     \
			(rc) = gc_fail_ssl(GC_E_NOMEM, "%s:%d: allocation failed",       \
			                   __FILE__, __LINE__);                          \
			goto out;                                                        \
		}                                                                        \
	} while (0)

#endif
