/*
 * help.c - everything a person reads about the commands, written from the command and
 * option tables (cli.h): --help, the overview, a group's help (`gcert ca --help`), the
 * synopsis in usage errors, the man page (`gcert help --man`) and the bash completion
 * (`gcert help --completion`). Nothing here is written by hand per command.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#ifndef GCERT_VERSION
#define GCERT_VERSION "0"
#endif

#define HELP_COLUMN 22 /* where an option's help starts */
#define WRAP 80

/* ---- text ---- */

static bool takes_dir(const struct cli_command *c)
{
	return c->needs != 0 || (c->takes & (CLI_DIR | CLI_DIR_REQUIRED)) != 0;
}

static bool dir_required(const struct cli_command *c)
{
	return c->needs != 0 || (c->takes & CLI_DIR_REQUIRED) != 0;
}

static const char *dir_help(const struct cli_command *c)
{
	return c->dir_help ? c->dir_help : cli_shared_options[0].help;
}

/* The words of a synopsis, wrapped, each "--x ARG" kept whole. */
struct words {
	FILE *f;
	size_t col;
};

static void word(struct words *w, const char *text)
{
	size_t n = strlen(text);

	if (w->col + 1 + n > WRAP) {
		fputs("\n      ", w->f);
		w->col = 6;
	}
	fprintf(w->f, " %s", text);
	w->col += 1 + n;
}

static void option_word(struct words *w, const struct cli_option *o, bool required)
{
	char buf[160];

	snprintf(buf, sizeof(buf), "%s--%s%s%s%s", required ? "" : "[", o->name, o->arg ? " " : "",
	         o->arg ? o->arg : "", required ? "" : "]");
	word(w, buf);
}

void cli_print_synopsis(FILE *f, const struct cli_command *c)
{
	struct words w = {f, 0};
	const struct cli_option *o;
	int optional = 0;

	w.col = (size_t)fprintf(f, "gcert %s", c->name);
	if (takes_dir(c))
		option_word(&w, &cli_shared_options[0], dir_required(c));
	for (o = c->options; o != NULL && o->name != NULL; o++)
		if (o->flags & CLI_REQUIRED)
			option_word(&w, o, true);
		else
			optional++;
	for (o = c->options; optional <= 5 && o != NULL && o->name != NULL; o++)
		if (!(o->flags & CLI_REQUIRED))
			option_word(&w, o, false);
	if (optional > 5)
		word(&w, "[options]");
	if (c->takes & CLI_JSON)
		word(&w, "[--json]");
	if (c->operands != NULL)
		word(&w, c->operands);
	fputc('\n', f);
}

/* "  --name ARG        help", continuation lines under the help. */
static void option_line(const char *name, const char *arg, const char *help, const char *def)
{
	char head[96];
	const char *p = help, *nl;
	int n;

	n = snprintf(head, sizeof(head), "  %s%s%s%s", name[0] >= 'A' && name[0] <= 'Z' ? "" : "--", name,
	             arg ? " " : "", arg ? arg : "");
	if (n >= HELP_COLUMN - 1)
		printf("%s\n%*s", head, HELP_COLUMN, "");
	else
		printf("%-*s", HELP_COLUMN, head);
	for (;;) {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			printf("%s%s%s%s\n", p, def ? " (default " : "", def ? def : "", def ? ")" : "");
			return;
		}
		printf("%.*s\n%*s", (int)(nl - p), p, HELP_COLUMN, "");
		p = nl + 1;
	}
}

void cli_print_help(const struct cli_command *c)
{
	const struct cli_option *o;

	printf("gcert %s - %s\n\nusage: ", c->name, c->summary);
	cli_print_synopsis(stdout, c);
	printf("\n");
	if (c->operands != NULL && c->operand_help != NULL)
		option_line(c->operands, NULL, c->operand_help, NULL);
	if (takes_dir(c))
		option_line("dir", "DIR", dir_help(c), NULL);
	for (o = c->options; o != NULL && o->name != NULL; o++)
		option_line(o->name, o->arg, o->help, o->def);
	if (c->takes & CLI_JSON)
		option_line("json", NULL, cli_shared_options[1].help, NULL);
	if (cli_opens_token(c)) {
		option_line("activation-shares", "L", cli_shared_options[2].help, NULL);
		option_line("activation-passphrases", "L", cli_shared_options[3].help, NULL);
	}
	if (c->notes != NULL)
		printf("%s\n", c->notes);
	printf("\nExample:\n  %s\n", c->example);
}

void cli_print_overview(void)
{
	const struct cli_command *const *c;

	printf("gcert - certification authority for Hongkong Post g-Cert (CPS OID "
	       "1.3.6.1.4.1.16030.1.8.2)\n\nusage: gcert COMMAND [options]\n\ncommands:\n");
	for (c = cli_commands; *c != NULL; c++)
		printf("  %-24s %s\n", (*c)->name, (*c)->summary);
	printf("\nEvery command answers --help with an example; `gcert ca --help` lists a group;\n"
	       "`gcert help --errors` lists the error codes with their exit statuses; `gcert --version`.\n");
}

/* A group is the first word(s) of several commands: "ca", "ra user". */
static bool in_group(const struct cli_command *c, const char *group)
{
	size_t n = strlen(group);

	return strncmp(c->name, group, n) == 0 && c->name[n] == ' ';
}

int cli_print_group(const char *group)
{
	const struct cli_command *const *c, *first = NULL;
	int n = 0;

	for (c = cli_commands; *c != NULL; c++)
		if (in_group(*c, group) && n++ == 0)
			first = *c;
	if (n == 0)
		return -1;
	printf("gcert %s - %d commands\n\nusage: gcert %s COMMAND [options]\n\ncommands:\n", group, n, group);
	for (c = cli_commands; *c != NULL; c++)
		if (in_group(*c, group))
			printf("  %-24s %s\n", (*c)->name, (*c)->summary);
	printf("\nEach answers --help with an example: gcert %s --help\n", first->name);
	return 0;
}

void cli_print_version(void)
{
	printf("gcert %s\n", GCERT_VERSION);
}

/* ---- the man page (roff, ASCII: other characters as \[uXXXX]) ---- */

static void roff(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	bool bol = true;

	for (; *p != '\0'; p++) {
		if (bol && (*p == '.' || *p == '\''))
			fputs("\\&", stdout);
		bol = *p == '\n';
		if (*p == '\\')
			fputs("\\e", stdout);
		else if (*p == '-')
			fputs("\\-", stdout);
		else if (*p < 0x80)
			putchar(*p);
		else if ((*p & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
			printf("\\[u%04X]", ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu));
			p += 1;
		} else if ((*p & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
			printf("\\[u%04X]", ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu));
			p += 2;
		} else {
			putchar('?');
		}
	}
}

static void man_option(const char *name, const char *arg, const char *help, const char *def)
{
	printf(arg != NULL ? ".TP\n.BI \"\\-\\-" : ".TP\n.B \"\\-\\-");
	roff(name);
	if (arg != NULL) {
		printf(" \" \"");
		roff(arg);
	}
	printf("\"\n");
	roff(help);
	if (def != NULL) {
		printf(" (default ");
		roff(def);
		printf(")");
	}
	printf("\n");
}

static void man_command(const struct cli_command *c)
{
	const struct cli_option *o;
	char syn[1024];
	FILE *f;

	printf(".SS \"gcert %s\"\n", c->name);
	roff(c->summary);
	printf("\n.PP\n.nf\n");
	if ((f = fmemopen(syn, sizeof(syn), "w")) != NULL) {
		cli_print_synopsis(f, c);
		fputc('\0', f);
		fclose(f);
		syn[sizeof(syn) - 1] = '\0';
		roff(syn);
	}
	printf(".fi\n");
	if (c->operands != NULL && c->operand_help != NULL) {
		printf(".TP\n.I ");
		roff(c->operands);
		printf("\n");
		roff(c->operand_help);
		printf("\n");
	}
	if (takes_dir(c))
		man_option("dir", "DIR", dir_help(c), NULL);
	for (o = c->options; o != NULL && o->name != NULL; o++)
		man_option(o->name, o->arg, o->help, o->def);
	if (c->takes & CLI_JSON)
		man_option("json", NULL, cli_shared_options[1].help, NULL);
	if (c->notes != NULL) {
		printf(".PP\n");
		roff(c->notes);
		printf("\n");
	}
	printf(".PP\nExample:\n.PP\n.nf\n.RS 4\n");
	roff(c->example);
	printf("\n.RE\n.fi\n");
}

void cli_print_man(void)
{
	const struct cli_command *const *c;

	printf(".\\\" generated by `gcert help --man` from the command table (src/cli); do not edit\n"
	       ".TH GCERT 1 \"\" \"gcert %s\" \"User Commands\"\n"
	       ".SH NAME\ngcert \\- certification authority for Hongkong Post g\\-Cert\n"
	       ".SH SYNOPSIS\n.B gcert\n.I COMMAND\n[\\fIoptions\\fR]\n.br\n.B gcert\n.I GROUP\n\\-\\-help\n"
	       ".br\n.B gcert\n\\-\\-version\n"
	       ".SH DESCRIPTION\nOne program runs the CA (key ceremony, issuance, revocation, CRLs, "
	       "repository, audit trail, backups) and the RA (CMMP) of the g\\-Cert service under its CPS "
	       "(OID 1.3.6.1.4.1.16030.1.8.2). Every command answers \\-\\-help with an example.\n"
	       ".SH OPTIONS\nEvery command takes these where it names them:\n", GCERT_VERSION);
	man_option("dir", "DIR", cli_shared_options[0].help, NULL);
	man_option("json", NULL, cli_shared_options[1].help, NULL);
	man_option("activation-shares", "L", cli_shared_options[2].help, NULL);
	man_option("activation-passphrases", "L", cli_shared_options[3].help, NULL);
	printf(".SH COMMANDS\n");
	for (c = cli_commands; *c != NULL; c++)
		man_command(*c);
	printf(".SH EXIT STATUS\n0 success; 1 lint findings; 2 the command line is wrong; other statuses "
	       "by error category, listed with every error code by\n.BR \"gcert help \\-\\-errors\" .\n"
	       ".SH ENVIRONMENT\n.TP\n.B GCERT_DIR\nthe CA directory when \\-\\-dir is not given\n"
	       ".TP\n.B GCERT_DATA_DIR\nwhere the RA web UI (web/ra) and the B/D list (data/bds.json) are, "
	       "instead of the installed share/gcert\n"
	       ".SH SEE ALSO\nThe guides in docs/ of the source, installed under share/doc/gcert.\n");
}

/* ---- bash completion ---- */

void cli_print_completion(void)
{
	const struct cli_command *const *c;
	const struct cli_option *o;

	printf("# bash completion for gcert, generated by `gcert help --completion` from the command\n"
	       "# table (src/cli); do not edit. Source it, or install it as completions/gcert.\n"
	       "_gcert_commands=(");
	for (c = cli_commands; *c != NULL; c++)
		printf("%s\"%s\"", c == cli_commands ? "" : " ", (*c)->name);
	printf(")\n\n_gcert_options() {\n  case \"$1\" in\n");
	for (c = cli_commands; *c != NULL; c++) {
		printf("  \"%s\") echo \"", (*c)->name);
		if (takes_dir(*c))
			printf("--dir ");
		for (o = (*c)->options; o != NULL && o->name != NULL; o++)
			printf("--%s ", o->name);
		if ((*c)->takes & CLI_JSON)
			printf("--json ");
		if (cli_opens_token(*c))
			printf("--activation-shares --activation-passphrases ");
		printf("--help\" ;;\n");
	}
	printf("  esac\n}\n\n# options that take a value (a file name is offered)\n_gcert_valued=\" --dir "
	       "--activation-shares --activation-passphrases");
	for (c = cli_commands; *c != NULL; c++)
		for (o = (*c)->options; o != NULL && o->name != NULL; o++)
			if (o->arg != NULL)
				printf(" --%s", o->name);
	printf(" \"\n\n"
	       "_gcert() {\n"
	       "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} typed='' cmd='' c i\n"
	       "  local -a next=()\n"
	       "  for ((i = 1; i < COMP_CWORD; i++)); do typed+=\"${typed:+ }${COMP_WORDS[i]}\"; done\n"
	       "  for c in \"${_gcert_commands[@]}\"; do\n"
	       "    if [[ \"$typed\" == \"$c\" || \"$typed\" == \"$c \"* ]] && (( ${#c} > ${#cmd} )); then cmd=$c; fi\n"
	       "  done\n"
	       "  if [[ -n $cmd ]]; then\n"
	       "    if [[ $prev == --* && $_gcert_valued == *\" $prev \"* ]]; then\n"
	       "      mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
	       "    else\n"
	       "      mapfile -t COMPREPLY < <(compgen -W \"$(_gcert_options \"$cmd\")\" -- \"$cur\")\n"
	       "    fi\n"
	       "    return 0\n"
	       "  fi\n"
	       "  for c in \"${_gcert_commands[@]}\"; do\n"
	       "    if [[ -z $typed ]]; then next+=(\"${c%%%% *}\")\n"
	       "    elif [[ $c == \"$typed \"* ]]; then c=${c#\"$typed \"}; next+=(\"${c%%%% *}\"); fi\n"
	       "  done\n"
	       "  [[ -z $typed ]] && next+=(help --help --version)\n"
	       "  mapfile -t COMPREPLY < <(compgen -W \"$(printf '%%s\\n' \"${next[@]}\" | sort -u)\" -- \"$cur\")\n"
	       "}\n"
	       "complete -F _gcert gcert\n");
}
