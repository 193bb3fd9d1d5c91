/*
 * cli.h - the command table and what every command shares. One file per family of
 * subcommands (cmd_ca.c, cmd_issue.c, cmd_cert.c), in the style of git's builtin/.
 */
#ifndef GCERT_CLI_CLI_H
#define GCERT_CLI_CLI_H

#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>

#include "ca/ca.h"
#include "core/error.h"

/* struct cli_list: a comma-separated list of 1..GC_MAX_CUSTODIANS items (share files,
 * env:NAME / file:PATH passphrase specifications, names). */
struct cli_list {
	unsigned n;
	char *item[GC_MAX_CUSTODIANS];
	char text[4096];
};
struct cli_ctx {
	const char *dir; /* --dir */
	bool json;       /* --json */
	struct gc_ca *ca; /* opened as the command's needs declare */
	struct cli_list act_shares, act_passes; /* --activation-shares, --activation-passphrases */
	char actor[96];
	unsigned long long given; /* the command's options given, by row (cli_parse) */
};

/*
 * ---- Options as data ----
 *
 * Every command declares its options in one table; one function (cli_parse, options.c)
 * reads argv against it into the command's own values struct, and --help, the man page
 * (`gcert help --man`) and the bash completion (`gcert help --completion`) are written
 * from the same table. A command never looks at argv itself.
 *
 * A command's values, its table and its entry, e.g. `gcert cert list --limit N`:
 *
 *     struct list_values { long limit; bool pem; const char *out; };
 *     static const struct cli_option list_options[] = {
 *             {CLI_OPT("limit", "N", struct list_values, limit, cli_long,
 *                      "at most N, newest first"), .min = 1, .max = 1000000, .def = "100"},
 *             {CLI_OPT("pem", NULL, struct list_values, pem, NULL, "print only the PEM")},
 *             {CLI_OPT("out", "F", struct list_values, out, NULL, "write to F"), .flags = CLI_REQUIRED},
 *             CLI_END,
 *     };
 *     const struct cli_command cli_cert_list = {
 *             .name = "cert list", .run = cmd_cert_list, .needs = GC_NEED_DB,
 *             .takes = CLI_DIR_REQUIRED | CLI_JSON, .options = list_options,
 *             .values_size = sizeof(struct list_values), .summary = "...", .example = "...",
 *     };
 *     static int cmd_cert_list(struct cli_ctx *ctx, const void *values, int nops, char **ops)
 *     {       const struct list_values *o = values; ... }
 *
 * A row: CLI_OPT(NAME, ARG, STRUCT, FIELD, CHECK, HELP), then optional .flags, .min, .max, .def.
 *   NAME   the long option without "--"
 *   ARG    the value's name in help ("N", "FILE"); NULL: a flag, FIELD is a bool set true
 *   FIELD  where the value goes (a member of STRUCT, the command's values)
 *   CHECK  NULL: FIELD is a const char * and gets the text as given; else a validator
 *          (below) that turns the text into FIELD or fails naming the option
 *   HELP   one line ("\n" starts another, indented under it)
 *   .flags CLI_REQUIRED: refused when absent ("gcert CMD: --NAME is required")
 *   .def   the default, as text: run through CHECK before argv, and shown in --help
 * Options shared by every command (--dir, --json, --activation-*) are rows of the same
 * kind over struct cli_ctx (options.c); .takes says which a command shows in its help.
 *
 * Re-expressing an option written in the old getopt style:
 *   {"insecure-http", no_argument, NULL, 'k'} ... case 'k': insecure = true;
 *     -> a `bool insecure_http;` in the values struct and
 *        {CLI_OPT("insecure-http", NULL, struct serve_values, insecure_http, NULL, "help")}
 *   {"out", required_argument, ...} ... case 'o': out = optarg;       (checked "required")
 *     -> {CLI_OPT("out", "F", struct x_values, out, NULL, "help"), .flags = CLI_REQUIRED}
 *   a number checked with cli_parse_long(optarg, 1, 3600, &n)
 *     -> a `long` field with cli_long, .min = 1, .max = 3600 (and .def if it had one)
 * A new command: its values struct, table, run function and `const struct cli_command
 * cli_NAME` in its cmd_*.c, the extern below, and &cli_NAME in cli_commands[] (main.c);
 * help.sh, the man page and the completion pick it up from there.
 */
struct cli_option;

/* A validator: reads arg into field (at the row's place in the values struct), or fails
 * with gc_fail(): GC_E_USAGE prints the command's usage, any other code is reported as
 * that error (e.g. GC_E_BAD_TIME), with its exit status. */
typedef gc_result (*cli_check_fn)(const struct cli_option *, const char *arg, void *field);

#define CLI_REQUIRED 0x1u

struct cli_option {
	const char *name;
	const char *arg;
	size_t at, size;    /* offsetof and sizeof the field (the size is checked against CHECK) */
	cli_check_fn check;
	const char *help;
	unsigned flags;
	long min, max;      /* cli_long's range */
	const char *def;
};

#define CLI_OPT(name_, arg_, type_, field_, check_, help_)                                   \
	.name = (name_), .arg = (arg_), .at = offsetof(type_, field_),                       \
	.size = sizeof(((type_ *)0)->field_), .check = (check_), .help = (help_)
#define CLI_END {.name = NULL}

/* The validators every command may use (options.c). */
gc_result cli_long(const struct cli_option *, const char *arg, void *field);     /* long, min..max */
gc_result cli_time(const struct cli_option *, const char *arg, void *field);     /* int64_t, GC_E_BAD_TIME */
gc_result cli_hk_day(const struct cli_option *, const char *arg, void *field);   /* const char *, YYYY-MM-DD */
gc_result cli_pg_url(const struct cli_option *, const char *arg, void *field);   /* const char *, PostgreSQL */
gc_result cli_peer_name(const struct cli_option *, const char *arg, void *field); /* const char *, a-z 0-9 - */
gc_result cli_list(const struct cli_option *, const char *arg, void *field);

/* struct cli_command.takes: the shared options a command takes (all are accepted by all;
 * these are the ones its help shows and its needs check). */
#define CLI_DIR 0x1u          /* --dir DIR, optional */
#define CLI_DIR_REQUIRED 0x2u /* --dir DIR, required (implied by .needs) */
#define CLI_JSON 0x4u         /* --json */

struct cli_command {
	const char *name; /* "ca init" */
	int (*run)(struct cli_ctx *, const void *values, int nops, char **ops);
	unsigned needs;   /* GC_NEED_DB | GC_NEED_TOKEN: opened before run */
	unsigned takes;   /* CLI_DIR | CLI_DIR_REQUIRED | CLI_JSON */
	const struct cli_option *options; /* NULL: none of its own */
	size_t values_size;               /* sizeof the struct the options fill */
	const char *operands;  /* "SERIAL": exactly one; "FILE...": one or more; NULL: none */
	const char *operand_help;
	const char *dir_help;  /* what --dir names, when not the CA directory */
	const char *summary;
	const char *notes;     /* lines after the options in --help */
	const char *example;   /* one or more lines, each a working command */
};

/* The commands, one descriptor each, in their cmd_*.c beside the code they run. */
extern const struct cli_command
	cli_ca_activate, cli_ca_deactivate, cli_archive_export, cli_archive_verify, cli_audit_verify,
	cli_audit_checkpoint, cli_audit_report, cli_audit_purge, cli_audit_alerts, cli_backup,
	cli_restore, cli_ca_init, cli_ca_certs, cli_cert_show, cli_cert_list, cli_ca_changeover,
	cli_ca_new_root, cli_crl_issue, cli_crl_schedule, cli_arl_issue, cli_ca_compromise,
	cli_ca_reissue, cli_fees, cli_service_cert, cli_pin, cli_unpin, cli_iface_process,
	cli_iface_spool, cli_iface_open_result, cli_iface_serve, cli_issue, cli_lint, cli_ra_init,
	cli_ra_user_add, cli_ra_app_token, cli_ra_serve, cli_revoke, cli_revocations, cli_calendar_add,
	cli_ca_serve, cli_repo_republish, cli_ca_status, cli_verify, cli_dr_promote, cli_dr_drill,
	cli_ra_user_reset_admin, cli_ra_tls_cert, cli_ra_audit_verify, cli_ra_audit_checkpoint,
	cli_ra_audit_report;

/* The commands, in the order of `gcert --help` (main.c), NULL-terminated. */
extern const struct cli_command *const cli_commands[];

/* Reads argv (after the command's words) into ctx and values; on a usage error prints it
 * and returns the exit status (2), else 0. *help: --help was asked for. Required options
 * are checked apart (cli_check_required), after the CA directory is opened. */
int cli_parse(const struct cli_command *, struct cli_ctx *, void *values, int argc, char **argv,
              int *nops, char **ops, bool *help);
int cli_check_required(const struct cli_command *, const struct cli_ctx *, int nops, char **ops);
/* --dir, --json, --activation-shares, --activation-passphrases (options.c). */
extern const struct cli_option cli_shared_options[];
/* Whether a command logs the token in (and so takes --activation-shares). */
bool cli_opens_token(const struct cli_command *);
/* Generated from the tables (help.c). */
void cli_print_help(const struct cli_command *);
void cli_print_overview(void);
int cli_print_group(const char *group); /* `gcert ca --help`; 0 if group has commands */
void cli_print_man(void);
void cli_print_completion(void);
void cli_print_version(void);
/* The closest of names to word within a small edit distance, or NULL (did you mean). */
const char *cli_closest(const char *word, const char *const *names, size_t n);
/* A file installed with gcert or in the source tree: web/ra, data/bds.json (datadir.c). */
gc_result cli_data_path(const char *rel, char *out, size_t outsz) GC_MUST_CHECK;

/* Seals the audit trail and sends alerts after a command (cmd_audit.c). */
void cli_after_command(struct cli_ctx *);
/* The activation state of a CA for `ca status` (cmd_activate.c): a JSON object. */
void *cli_activation_state(const struct gc_ca *);
/* What `gcert audit verify|report` and `gcert ra audit verify|report` share (cmd_audit.c):
 * the same options, then the database's audit trail verified, printed, or reviewed. */
struct gc_db;
struct gc_audit_check;
struct cli_audit_verify_values {
	const char *cert;
};
struct cli_audit_report_values {
	const char *day;
};
extern const struct cli_option cli_audit_verify_options[], cli_audit_report_options[];
gc_result cli_audit_verify_db(struct gc_db *, const char *cert, struct gc_audit_check *) GC_MUST_CHECK;
void cli_audit_verify_print(const struct cli_ctx *, const struct gc_audit_check *);
int cli_audit_report_db(struct cli_ctx *, struct gc_db *, const char *day);

/* For a service's main thread, before it starts any other: SIGINT and SIGTERM blocked
 * (every thread inherits the mask, so only the main thread takes them, through *stop),
 * SIGPIPE ignored (a client that goes away is an error return, not a death). */
void cli_block_stop_signals(sigset_t *stop);

/* ---- output (output.c): the only place errors become text ---- */

/* Reports the current error (gc_err_*) as text or JSON; returns the exit status. */
int cli_fail(const struct cli_ctx *, gc_result);
/* Reports a usage error naming the command, with its synopsis; returns 2. */
int cli_usage_error(const struct cli_command *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The synopsis line of a command: "--dir DIR --serial HEX [--reason CODE]" (help.c). */
void cli_print_synopsis(FILE *, const struct cli_command *);
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
