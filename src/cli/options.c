/*
 * options.c - the one parser of every command's options (the tables of cli.h), and the
 * validators commands share. A wrong or missing option is refused naming the option and
 * the command, with the closest option's name when the given one is a slip of the keys.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/review.h"
#include "cli/cli.h"
#include "core/timeutil.h"
#include "store/db.h"

/* The options every command accepts (struct cli_ctx is their values struct). */
const struct cli_option cli_shared_options[] = {
	{CLI_OPT("dir", "DIR", struct cli_ctx, dir, NULL, "the CA directory (or GCERT_DIR)")},
	{CLI_OPT("json", NULL, struct cli_ctx, json, NULL, "machine-readable output")},
	{CLI_OPT("activation-shares", "L", struct cli_ctx, act_shares, cli_list,
	         "a CA under M-of-N activation (CPS §6.4): M custodians' share files")},
	{CLI_OPT("activation-passphrases", "L", struct cli_ctx, act_passes, cli_list,
	         "and their passphrases (env:NAME or file:PATH), same order, to log the token in")},
	CLI_END,
};

gc_result cli_long(const struct cli_option *o, const char *arg, void *field)
{
	long n;

	if (!cli_parse_long(arg, o->min, o->max, &n))
		return gc_fail(GC_E_USAGE, "--%s: a whole number %ld..%ld (got \"%.40s\")", o->name, o->min,
		               o->max, arg);
	*(long *)field = n;
	return GC_OK;
}

gc_result cli_time(const struct cli_option *o, const char *arg, void *field)
{
	int64_t t;

	if (!gc_time_parse(arg, &t))
		return gc_fail(GC_E_BAD_TIME, "--%s \"%.40s\": expected YYYY-MM-DDTHH:MM:SSZ", o->name, arg);
	*(int64_t *)field = t;
	return GC_OK;
}

gc_result cli_hk_day(const struct cli_option *o, const char *arg, void *field)
{
	int64_t start;

	if (!gc_hk_day_parse(arg, &start))
		return gc_fail(GC_E_USAGE, "--%s: \"%.40s\" is not a date YYYY-MM-DD", o->name, arg);
	*(const char **)field = arg;
	return GC_OK;
}

/* A connection string, never echoed back: it may carry a password. */
gc_result cli_pg_url(const struct cli_option *o, const char *arg, void *field)
{
	if (!gc_db_target_is_pg(arg))
		return gc_fail(GC_E_USAGE, "--%s: not a PostgreSQL connection string "
		               "(postgresql://USER@HOST:PORT/DB or \"host=... dbname=...\")", o->name);
	*(const char **)field = arg;
	return GC_OK;
}

gc_result cli_peer_name(const struct cli_option *o, const char *arg, void *field)
{
	size_t i, n = strlen(arg);

	for (i = 0; i < n; i++)
		if (!((arg[i] >= 'a' && arg[i] <= 'z') || (arg[i] >= '0' && arg[i] <= '9') || arg[i] == '-'))
			break;
	if (n == 0 || n > GC_MAX_PEER_ID || i < n)
		return gc_fail(GC_E_USAGE, "--%s: 1..%d of a-z 0-9 - (the name the CA pins)", o->name,
		               GC_MAX_PEER_ID);
	*(const char **)field = arg;
	return GC_OK;
}

gc_result cli_list(const struct cli_option *o, const char *arg, void *field)
{
	struct cli_list *l = field;

	if (strlen(arg) >= sizeof(l->text))
		return gc_fail(GC_E_USAGE, "--%s: longer than %zu characters", o->name, sizeof(l->text) - 1);
	memcpy(l->text, arg, strlen(arg) + 1);
	if (!cli_split_list(l->text, l->item, GC_MAX_CUSTODIANS, &l->n))
		return gc_fail(GC_E_USAGE, "--%s: a comma-separated list of 1..%d items", o->name, GC_MAX_CUSTODIANS);
	return GC_OK;
}

/* The field size each validator writes; a row that disagrees is a programming error. */
static size_t field_size(const struct cli_option *o)
{
	if (o->arg == NULL)
		return sizeof(bool);
	if (o->check == NULL || o->check == cli_hk_day || o->check == cli_pg_url || o->check == cli_peer_name)
		return sizeof(const char *);
	if (o->check == cli_long)
		return sizeof(long);
	if (o->check == cli_time)
		return sizeof(int64_t);
	if (o->check == cli_list)
		return sizeof(struct cli_list);
	return o->size; /* a command's own validator knows its field */
}

static const struct cli_option *find(const struct cli_option *t, const char *name, size_t n)
{
	for (; t != NULL && t->name != NULL; t++)
		if (strlen(t->name) == n && strncmp(t->name, name, n) == 0)
			return t;
	return NULL;
}

static int unknown_option(const struct cli_command *c, const char *arg)
{
	const char *names[128];
	size_t n = 0;
	const struct cli_option *t;
	const char *best;
	char word[64];

	for (t = c->options; t != NULL && t->name != NULL && n < 120; t++)
		names[n++] = t->name;
	for (t = cli_shared_options; t->name != NULL; t++)
		names[n++] = t->name;
	snprintf(word, sizeof(word), "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
	best = cli_closest(word, names, n);
	if (best != NULL)
		return cli_usage_error(c, "unknown option \"%.60s\" (did you mean --%s?)", arg, best);
	return cli_usage_error(c, "unknown option \"%.60s\"", arg);
}

/* Stores one value: a flag, the text, or what the validator makes of it. */
static int store(const struct cli_command *c, struct cli_ctx *ctx, const struct cli_option *o, void *base,
                 const char *value)
{
	void *field = (char *)base + o->at;
	gc_result rc;

	if (o->arg == NULL) {
		*(bool *)field = true;
		return 0;
	}
	if (o->check == NULL) {
		*(const char **)field = value;
		return 0;
	}
	if ((rc = o->check(o, value, field)) == GC_OK)
		return 0;
	if (rc == GC_E_USAGE)
		return cli_usage_error(c, "%s", gc_err_detail());
	return cli_fail(ctx, rc);
}

static int check_table(const struct cli_command *c, const struct cli_option *t)
{
	const struct cli_option *first = t;

	for (; t != NULL && t->name != NULL; t++)
		if (t - first >= 64)
			return cli_fail(NULL, gc_fail(GC_E_INTERNAL, "gcert %s: more than 64 options", c->name));
	for (t = first; t != NULL && t->name != NULL; t++)
		if (t->size != field_size(t))
			return cli_fail(NULL, gc_fail(GC_E_INTERNAL, "gcert %s: --%s: the option table gives "
			                              "a field of %zu bytes to a check that writes %zu", c->name,
			                              t->name, t->size, field_size(t)));
	return 0;
}

int cli_parse(const struct cli_command *c, struct cli_ctx *ctx, void *values, int argc, char **argv,
              int *nops, char **ops, bool *help)
{
	const struct cli_option *o, *t;
	const char *arg, *eq, *value;
	bool options_end = false;
	void *base;
	int i, e;

	*nops = 0;
	*help = false;
	if ((e = check_table(c, c->options)) != 0 || (e = check_table(c, cli_shared_options)) != 0)
		return e;
	/* --help first: it answers whatever else the line holds */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return *help = true, 0;
	for (t = c->options; t != NULL && t->name != NULL; t++)
		if (t->def != NULL && (e = store(c, ctx, t, values, t->def)) != 0)
			return e;
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (options_end || arg[0] != '-' || strcmp(arg, "-") == 0) {
			ops[(*nops)++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			options_end = true;
			continue;
		}
		if (arg[1] != '-')
			return unknown_option(c, arg);
		eq = strchr(arg, '=');
		base = values;
		if ((o = find(c->options, arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2))) == NULL) {
			o = find(cli_shared_options, arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
			base = ctx;
		}
		if (o == NULL)
			return unknown_option(c, arg);
		if (o->arg == NULL && eq != NULL)
			return cli_usage_error(c, "--%s takes no value", o->name);
		if (o->arg != NULL && eq == NULL && i + 1 >= argc)
			return cli_usage_error(c, "--%s needs a value (%s)", o->name, o->arg);
		value = o->arg == NULL ? NULL : eq != NULL ? eq + 1 : argv[++i];
		if ((e = store(c, ctx, o, base, value)) != 0)
			return e;
		if (base == values)
			ctx->given |= 1ull << (o - c->options);
	}
	ops[*nops] = NULL;
	return 0;
}

/* The operands a command takes: "SERIAL" exactly one, "FILE..." one or more, none. */
static int check_operands(const struct cli_command *c, int nops, char **ops)
{
	size_t n = c->operands ? strlen(c->operands) : 0;
	bool many = n > 3 && strcmp(c->operands + n - 3, "...") == 0;

	if (c->operands == NULL && nops > 0)
		return cli_usage_error(c, "unexpected argument \"%.80s\"", ops[0]);
	if (c->operands != NULL && !many && nops != 1)
		return cli_usage_error(c, "give exactly one %s", c->operands);
	if (many && nops < 1)
		return cli_usage_error(c, "give at least one %.*s", (int)(n - 3), c->operands);
	return 0;
}

int cli_check_required(const struct cli_command *c, const struct cli_ctx *ctx, int nops, char **ops)
{
	const struct cli_option *t;
	char missing[512] = "";
	size_t len = 0;
	int count = 0;

	if ((c->needs != 0 || (c->takes & CLI_DIR_REQUIRED)) && ctx->dir == NULL)
		len += (size_t)snprintf(missing, sizeof(missing), "--dir"), count++;
	for (t = c->options; t != NULL && t->name != NULL; t++)
		if ((t->flags & CLI_REQUIRED) && !(ctx->given & (1ull << (t - c->options))) && len < sizeof(missing))
			len += (size_t)snprintf(missing + len, sizeof(missing) - len, "%s--%s", count++ ? ", " : "",
			                        t->name);
	if (count > 0)
		return cli_usage_error(c, "%s %s required", missing, count > 1 ? "are" : "is");
	return check_operands(c, nops, ops);
}

bool cli_opens_token(const struct cli_command *c)
{
	return (c->needs & (GC_NEED_TOKEN | GC_NEED_ROOT_KEY)) != 0 || strcmp(c->name, "restore") == 0;
}

/* Damerau-Levenshtein (optimal string alignment) distance, bounded by the buffer. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[40][40];

	if (la >= 40 || lb >= 40)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *cli_closest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t i, d, bestd = SIZE_MAX, wl = strlen(word);
	/* a slip of one or two keys; for short words one */
	size_t limit = wl <= 3 ? 1 : wl <= 6 ? 2 : 3;

	for (i = 0; i < n; i++) {
		d = distance(word, names[i]);
		if (wl >= 3 && strncmp(names[i], word, wl) == 0)
			d = 1; /* a prefix: the rest was not typed */
		if (d <= limit && d < bestd)
			best = names[i], bestd = d;
	}
	return best;
}
