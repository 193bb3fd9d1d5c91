/*
 * cli.h - the command table and what every command shares. One file per family of
 * subcommands (cmd_ca.c, cmd_issue.c, cmd_cert.c), in the style of git's builtin/.
 */
#ifndef GCERT_CLI_CLI_H
#define GCERT_CLI_CLI_H

#include <signal.h>
#include <stdbool.h>

#include "ca/ca.h"
#include "core/error.h"

struct cli_ctx {
	const char *dir; /* --dir */
	bool json;       /* --json */
	struct gc_ca *ca; /* opened as the command's needs declare */
	char *act_shares, *act_passes; /* --activation-shares, --activation-passphrases */
	char actor[96];
};

struct cli_command {
	const char *name;    /* "ca init" */
	int (*run)(struct cli_ctx *, int argc, char **argv);
	unsigned needs;      /* GC_NEED_DB | GC_NEED_TOKEN: opened before run */
	const char *summary;
	const char *usage;   /* options, one per line */
	const char *example;
};

extern const struct cli_command cli_commands[];

int cmd_ca_init(struct cli_ctx *, int, char **);
int cmd_ca_certs(struct cli_ctx *, int, char **);
int cmd_ca_serve(struct cli_ctx *, int, char **);
int cmd_repo_republish(struct cli_ctx *, int, char **);
int cmd_issue(struct cli_ctx *, int, char **);
int cmd_cert_show(struct cli_ctx *, int, char **);
int cmd_cert_list(struct cli_ctx *, int, char **);
int cmd_revoke(struct cli_ctx *, int, char **);
int cmd_revocations(struct cli_ctx *, int, char **);
int cmd_calendar_add(struct cli_ctx *, int, char **);
int cmd_crl_issue(struct cli_ctx *, int, char **);
int cmd_crl_schedule(struct cli_ctx *, int, char **);
int cmd_arl_issue(struct cli_ctx *, int, char **);
int cmd_ca_compromise(struct cli_ctx *, int, char **);
int cmd_ca_reissue(struct cli_ctx *, int, char **);
int cmd_verify(struct cli_ctx *, int, char **);
int cmd_fees(struct cli_ctx *, int, char **);
int cmd_service_cert(struct cli_ctx *, int, char **);
int cmd_pin(struct cli_ctx *, int, char **);
int cmd_unpin(struct cli_ctx *, int, char **);
int cmd_iface_process(struct cli_ctx *, int, char **);
int cmd_iface_spool(struct cli_ctx *, int, char **);
int cmd_iface_serve(struct cli_ctx *, int, char **);
int cmd_iface_open_result(struct cli_ctx *, int, char **);
int cmd_audit_verify(struct cli_ctx *, int, char **);
int cmd_audit_checkpoint(struct cli_ctx *, int, char **);
int cmd_audit_report(struct cli_ctx *, int, char **);
int cmd_audit_purge(struct cli_ctx *, int, char **);
int cmd_audit_alerts(struct cli_ctx *, int, char **);
int cmd_backup(struct cli_ctx *, int, char **);
int cmd_restore(struct cli_ctx *, int, char **);
int cmd_archive_export(struct cli_ctx *, int, char **);
int cmd_archive_verify(struct cli_ctx *, int, char **);
/* Seals the audit trail and sends alerts after a command (cmd_audit.c). */
void cli_after_command(struct cli_ctx *);
int cmd_lint(struct cli_ctx *, int, char **);
int cmd_ca_status(struct cli_ctx *, int, char **);
int cmd_ca_activate(struct cli_ctx *, int, char **);
int cmd_ca_deactivate(struct cli_ctx *, int, char **);
int cmd_ca_changeover(struct cli_ctx *, int, char **);
int cmd_ca_new_root(struct cli_ctx *, int, char **);
/* The activation state of a CA for `ca status` (cmd_activate.c): a JSON object. */
void *cli_activation_state(const struct gc_ca *);
int cmd_dr_promote(struct cli_ctx *, int, char **);
int cmd_dr_drill(struct cli_ctx *, int, char **);
int cmd_ra_init(struct cli_ctx *, int, char **);
int cmd_ra_user_add(struct cli_ctx *, int, char **);
int cmd_ra_user_reset_admin(struct cli_ctx *, int, char **);
int cmd_ra_app_token(struct cli_ctx *, int, char **);
int cmd_ra_serve(struct cli_ctx *, int, char **);
int cmd_ra_audit_verify(struct cli_ctx *, int, char **);
int cmd_ra_audit_checkpoint(struct cli_ctx *, int, char **);
int cmd_ra_audit_report(struct cli_ctx *, int, char **);
/* What `gcert audit verify|report` and `gcert ra audit verify|report` share (cmd_audit.c):
 * options parsed (*usage: the exit status of a usage error, else 0), then the database's
 * audit trail verified, printed, or reviewed. */
struct gc_db;
struct gc_audit_check;
gc_result cli_audit_verify_db(struct gc_db *, int argc, char **argv, struct gc_audit_check *,
                              int *usage) GC_MUST_CHECK;
void cli_audit_verify_print(const struct cli_ctx *, const struct gc_audit_check *);
int cli_audit_report_db(struct cli_ctx *, struct gc_db *, int argc, char **argv);
int cmd_ra_tls_cert(struct cli_ctx *, int, char **);

/* For a service's main thread, before it starts any other: SIGINT and SIGTERM blocked
 * (every thread inherits the mask, so only the main thread takes them, through *stop),
 * SIGPIPE ignored (a client that goes away is an error return, not a death). */
void cli_block_stop_signals(sigset_t *stop);

/* ---- output (output.c): the only place errors become text ---- */

/* Reports the current error (gc_err_*) as text or JSON; returns the exit status. */
int cli_fail(const struct cli_ctx *, gc_result);
/* Reports a usage error for a command. */
int cli_usage_error(const struct cli_command *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints a JSON value (consumed) to stdout. */
void cli_print_json(void *json_t_value);
/* Writes data to path, refusing to overwrite; "-" is stdout. */
gc_result cli_write_out(const char *path, const void *data, size_t len) GC_MUST_CHECK;
/* PEM text of a DER certificate; caller frees. */
char *cli_cert_pem(const unsigned char *der, size_t dersz);
const struct cli_command *cli_current(void);
/* A decimal option value within min..max (the caller words the usage error). */
bool cli_parse_long(const char *s, long min, long max, long *out);
/* Splits a comma-separated list in place into 1..max items; false otherwise. */
bool cli_split_list(char *s, char **items, unsigned max, unsigned *n);
/* Reads a certificate, PEM or DER. */
gc_result cli_read_cert(const char *path, X509 **out) GC_MUST_CHECK;

#endif
