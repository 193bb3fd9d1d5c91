/*
 * main.c - `gcert`, one binary with subcommands. The list below is the whole dispatch
 * table, in the order `gcert --help` shows it; each entry (in its cmd_*.c, beside the
 * code it runs) declares what it needs opened and its options as data (cli.h), and
 * answers --help with an example (tests/integration/help.sh walks the table to prove it).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

const struct cli_command *const cli_commands[] = {
	&cli_ca_init, &cli_ca_activate, &cli_ca_deactivate, &cli_ca_status, &cli_ca_certs, &cli_ca_serve,
	&cli_repo_republish, &cli_issue, &cli_cert_show, &cli_cert_list, &cli_revoke, &cli_revocations,
	&cli_calendar_add, &cli_crl_issue, &cli_crl_schedule, &cli_arl_issue, &cli_ca_compromise,
	&cli_ca_changeover, &cli_ca_new_root, &cli_ca_reissue, &cli_verify, &cli_fees, &cli_service_cert,
	&cli_pin, &cli_unpin, &cli_iface_process, &cli_iface_spool, &cli_iface_open_result,
	&cli_iface_serve, &cli_audit_verify, &cli_audit_checkpoint, &cli_audit_report, &cli_audit_purge,
	&cli_audit_alerts, &cli_archive_export, &cli_archive_verify, &cli_backup, &cli_dr_promote, &cli_dr_drill,
	&cli_restore, &cli_lint, &cli_ra_init, &cli_ra_user_add, &cli_ra_user_reset_admin, &cli_ra_app_token,
	&cli_ra_serve, &cli_ra_tls_cert, &cli_ra_audit_verify, &cli_ra_audit_checkpoint, &cli_ra_audit_report, NULL,
};

static const struct cli_command *current;

const struct cli_command *cli_current(void)
{
	return current;
}

/* Matches "ca init" (or "ra user add") against argv[1..]; returns the words consumed. */
static int match(const struct cli_command *c, int argc, char **argv)
{
	const char *w = c->name;
	int i;

	for (i = 1; *w != '\0'; i++) {
		const char *sp = strchr(w, ' ');
		size_t n = sp ? (size_t)(sp - w) : strlen(w);
		if (i >= argc || strlen(argv[i]) != n || strncmp(argv[i], w, n) != 0)
			return 0;
		w += n + (sp != NULL);
	}
	return i - 1;
}

static void set_actor(struct cli_ctx *ctx)
{
	struct passwd *pw = getpwuid(geteuid());

	snprintf(ctx->actor, sizeof(ctx->actor), "cli:%s", pw && pw->pw_name ? pw->pw_name : "unknown");
}

/* CPS §6.4: a standalone command signs with the shares of M custodians. */
static int use_shares(const struct cli_command *c, struct cli_ctx *ctx, struct gc_activation_input *in)
{
	if (!cli_opens_token(c))
		return cli_usage_error(c, "--activation-shares: this command does not use the token");
	if (ctx->act_shares.n == 0 || ctx->act_shares.n != ctx->act_passes.n)
		return cli_usage_error(c, "--activation-shares and --activation-passphrases: comma-separated "
		                       "lists of equal length, one passphrase per share file");
	*in = (struct gc_activation_input){ctx->act_shares.n, (const char *const *)ctx->act_shares.item,
	                                   (const char *const *)ctx->act_passes.item};
	gc_ca_use_shares(in);
	return 0;
}

/* `gcert help [--commands | --errors | --man | --completion | COMMAND...]` */
static int help(int argc, char **argv)
{
	const struct cli_command *const *c;
	int words;

	if (argc >= 3 && strcmp(argv[2], "--commands") == 0) {
		for (c = cli_commands; *c != NULL; c++)
			printf("%s\n", (*c)->name);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[2], "--errors") == 0) {
		for (int e = 0; e < GC_CODE_COUNT; e++)
			printf("%s\t%d\t%s\n", gc_code_name(e), gc_category_exit(gc_code_category(e)), gc_code_message(e));
		return 0;
	}
	if (argc >= 3 && strcmp(argv[2], "--man") == 0)
		return cli_print_man(), 0;
	if (argc >= 3 && strcmp(argv[2], "--completion") == 0)
		return cli_print_completion(), 0;
	if (argc >= 3 && strcmp(argv[1], "help") == 0) {
		for (c = cli_commands; *c != NULL; c++)
			if ((words = match(*c, argc - 1, argv + 1)) > 0 && words == argc - 2)
				return cli_print_help(*c), 0;
		char group[128] = "";
		for (int i = 2; i < argc; i++)
			snprintf(group + strlen(group), sizeof(group) - strlen(group), "%s%s", i > 2 ? " " : "", argv[i]);
		if (cli_print_group(group) == 0)
			return 0;
		fprintf(stderr, "gcert help: no command or group \"%s\" (see gcert --help)\n", group);
		return 2;
	}
	cli_print_overview();
	return argc < 2 ? 2 : 0;
}

static bool is_group(const char *group)
{
	const struct cli_command *const *c;
	size_t n = strlen(group);

	for (c = cli_commands; *c != NULL; c++)
		if (n > 0 && strncmp((*c)->name, group, n) == 0 && (*c)->name[n] == ' ')
			return true;
	return false;
}

/* The first k words of s. */
static void first_words(const char *s, int k, char *out, size_t outsz)
{
	const char *p = s;

	while (k-- > 0 && *p != '\0' && (p = strchr(p + 1, ' ')) != NULL)
		;
	snprintf(out, outsz, "%.*s", p ? (int)(p - s) : (int)strlen(s), s);
}

/* No command matched: a group's list (`gcert ca --help`), or "did you mean". */
static int unknown_command(int argc, char **argv)
{
	const char *names[128], *best = NULL;
	const struct cli_command *const *c;
	char typed[256] = "", head[256];
	bool asked = false;
	size_t n;
	int i, k;

	for (i = 1; i < argc && argv[i][0] != '-'; i++)
		snprintf(typed + strlen(typed), sizeof(typed) - strlen(typed), "%s%s", i > 1 ? " " : "", argv[i]);
	for (i = 1; i < argc; i++)
		asked |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
	if (is_group(typed)) {
		cli_print_group(typed);
		return asked ? 0 : 2;
	}
	/* compare as many words as each command has: "cert shw SERIAL" is "cert show" */
	for (k = 3; k >= 1 && best == NULL; k--) {
		n = 0;
		for (c = cli_commands; *c != NULL && n < 128; c++) {
			const char *w = (*c)->name;
			int words = 1;
			while ((w = strchr(w, ' ')) != NULL)
				words++, w++;
			if (words == k)
				names[n++] = (*c)->name;
		}
		first_words(typed, k, head, sizeof(head));
		best = cli_closest(head, names, n);
	}
	fprintf(stderr, "gcert: unknown command \"%s\"", typed[0] ? typed : argv[1]);
	if (best != NULL)
		fprintf(stderr, "; did you mean \"gcert %s\"?", best);
	fprintf(stderr, " (see gcert --help)\n");
	return 2;
}

/* The command's values read, what it needs opened, then the command itself. */
static int run(const struct cli_command *c, struct cli_ctx *ctx, void *values, int argc, char **argv, char **ops)
{
	struct gc_activation_input act;
	bool asked_help = false;
	int rc, nops = 0;
	gc_result r;

	if ((rc = cli_parse(c, ctx, values, argc, argv, &nops, ops, &asked_help)) != 0 || asked_help)
		return asked_help ? (cli_print_help(c), 0) : rc;
	if (ctx->dir == NULL)
		ctx->dir = getenv("GCERT_DIR");
	set_actor(ctx);
	if ((ctx->act_shares.n || ctx->act_passes.n) && (rc = use_shares(c, ctx, &act)) != 0)
		return rc;
	if (c->needs != 0 && ctx->dir == NULL)
		return cli_usage_error(c, "--dir is required");
	if (c->needs != 0 && (r = gc_ca_open(ctx->dir, c->needs, ctx->actor, &ctx->ca)) != GC_OK)
		return cli_fail(ctx, r);
	if ((rc = cli_check_required(c, ctx, nops, ops)) == 0)
		rc = c->run(ctx, values, nops, ops);
	cli_after_command(ctx);
	gc_ca_close(ctx->ca);
	return rc;
}

int main(int argc, char **argv)
{
	const struct cli_command *const *cp;
	struct cli_ctx ctx = {0};
	void *values;
	char **ops;
	int words = 0, rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
		return help(argc, argv);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)
		return cli_print_version(), 0;
	for (cp = cli_commands; *cp != NULL && (words = match(*cp, argc, argv)) == 0; cp++)
		;
	if (*cp == NULL)
		return unknown_command(argc, argv);
	current = *cp;
	values = calloc(1, current->values_size ? current->values_size : 1);
	ops = calloc((size_t)(argc - words) + 1, sizeof(*ops));
	if (values == NULL || ops == NULL)
		rc = cli_fail(&ctx, gc_fail(GC_E_NOMEM, "out of memory"));
	else
		rc = run(current, &ctx, values, argc - words, argv + words, ops);
	free(ops);
	free(values);
	return rc;
}
