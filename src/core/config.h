/*
 * config.h - the CA directory's configuration (DIR/gcert.json), strict: an unknown key
 * is an error naming the key, a missing key takes the CPS default.
 */
#ifndef GCERT_CORE_CONFIG_H
#define GCERT_CORE_CONFIG_H

#include "core/error.h"
#include "core/limits.h"

#define GC_CONFIG_FORMAT "gcert-config/1"
#define GC_CONFIG_FILE "gcert.json"

struct gc_ca_config {
	char cn[UB_COMMON_NAME * 4 + 1]; /* subject CN (App. G) */
	int validity_years;              /* from the key ceremony */
	char key_label[65];              /* CKA_LABEL of its key in the token */
};

/* The public repository (CPS §2.5): HTTP and LDAP. docs/repository.md. */
struct gc_repo_config {
	char dir[GC_MAX_PATH];          /* relative to the CA directory: crl/ lives here */
	char ldap_uri[256];             /* "" : no LDAP publication */
	char ldap_base[256];            /* the directory's suffix */
	char ldap_bind_dn[256];         /* the publisher (the only writer, §2.5.2) */
	char ldap_password_file[GC_MAX_PATH]; /* relative to the CA directory, mode 0600 */
	int lookup_burst;               /* per client address, see limits.h */
	int lookup_per_minute;
};

struct gc_config {
	/* token (§6.2): any PKCS#11 module; SoftHSM2 by default */
	char token_module[GC_MAX_PATH];
	char token_label[33];        /* PKCS#11 token labels are 32 characters */
	char softhsm2_conf[GC_MAX_PATH]; /* relative to the CA directory; "" for none */
	char pin_file[GC_MAX_PATH];      /* relative to the CA directory, mode 0600 */
	char database[GC_MAX_PATH];      /* SQLite file, relative to the CA directory */
	/* a PostgreSQL connection string; "" : the SQLite file. A password belongs in
	 * ~/.pgpass or PGPASSFILE, not here (gcert.json holds no secrets) */
	char postgresql[GC_MAX_PATH];
	/* the CA names share C, ST, L, O (App. B issuer, App. G) */
	char country[3];
	char state[129];
	char locality[129];
	char organisation[UB_ORGANIZATION_NAME + 1];
	struct gc_ca_config root;
	struct gc_ca_config issuing;
	char cps_uri[256]; /* App. B certificatePolicies CPS qualifier (§2.5) */
	char crl_dp[256];  /* App. B cRLDistributionPoints (App. C I partition) */
	/* App. C: CRL publication */
	char full_crl[256];         /* App. C I full CRL URL; its basename names the file */
	char arl_url[256];          /* App. C II ARL URL; its basename names the file */
	char crl_schedule[128];     /* "HH:MM,..." UTC, App. C I (01:15, 06:15, 11:00) */
	int crl_next_update_hours;  /* nextUpdate = thisUpdate + this (App. C I "daily") */
	int crl_supplementary_delay; /* seconds a revocation waits for a supplementary CRL */
	/* §4.4.3 working-day calendar, relative to the CA directory, editable by operators */
	char holidays_file[GC_MAX_PATH];
	char warning_days_file[GC_MAX_PATH];
	int iface_max_file;     /* bytes of one interface request file */
	int iface_max_requests; /* requests in one interface file */
	struct gc_repo_config repo;
	/* significant-event alerts (CPS §4.5.7); an empty smtp_url turns them off */
	char alert_smtp_url[256];   /* smtp://host:port or smtps://host:port */
	char alert_from[256];       /* envelope and header sender */
	char alert_to[1024];        /* operators, comma-separated addresses */
	int alert_failures;         /* this many failures of one kind ... */
	int alert_window;           /* ... within this many seconds is "repeated failed access" */
	int seal_interval;          /* seconds between checkpoints in a long-running service */
	/* M-of-N activation (CPS §6.2.2, §6.4): the token PIN exists only as custodian shares.
	 * threshold 0: the PIN is in pin_file (single-person mode, the default). */
	struct {
		char id[33];            /* bound into every share: a share of another CA is refused */
		int custodians, threshold;
		char names[1024];       /* custodian names, comma-separated, in share order */
	} activation;
};

/* True when the token PIN is held as custodian shares (no PIN file). */
#define gc_config_custodial(c) ((c)->activation.threshold > 0)

void gc_config_defaults(struct gc_config *);
gc_result gc_config_parse(const char *json, size_t len, struct gc_config *out) GC_MUST_CHECK;
/* The file name under which a CRL URL is published (its last path segment). */
const char *gc_config_crl_file(const char *url);
/* Serialises to the JSON document gc_config_parse reads; caller frees. */
char *gc_config_dump(const struct gc_config *);

#endif
