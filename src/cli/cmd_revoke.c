/* cmd_revoke.c - `gcert revoke` and `gcert revocations` (CPS §4.4). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/revoke.h"
#include "cli/cli.h"
#include "core/cps.h"
#include "core/timeutil.h"

static json_t *revocation_json(const struct gc_revocation *r)
{
	char req[21], rev[21], pub[21], due[21];

	gc_time_format(r->requested_at, req);
	gc_time_format(r->revoked_at, rev);
	gc_time_format(r->deadline, due);
	if (r->published_at)
		gc_time_format(r->published_at, pub);
	return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:o, s:b, s:s}", "serial", r->serial,
	                 "scope", r->scope, "reason", r->reason, "reason_name", gc_reason_name(r->reason),
	                 "requested_at", req, "revoked_at", rev, "due_by", due, "published_at",
	                 r->published_at ? json_string(pub) : json_null(), "overdue", r->overdue,
	                 "partition", r->dp);
}

/* CPS App. C I: 0..6 or the reason's name. */
static gc_result reason_check(const struct cli_option *o, const char *arg, void *field)
{
	if (!gc_reason_parse(arg, (int *)field))
		return gc_fail(GC_E_BAD_REASON, "--%s \"%s\": CPS App. C I reason codes are 0..6 or their names "
		               "(keyCompromise, ...)", o->name, arg);
	return GC_OK;
}

struct revoke_values {
	const char *serial;
	int reason;
	int64_t requested_at;
};

static const struct cli_option revoke_options[] = {
	{CLI_OPT("serial", "HEX", struct revoke_values, serial, NULL, "the certificate's serial, 40 hex digits"),
	 .flags = CLI_REQUIRED},
	{CLI_OPT("reason", "CODE", struct revoke_values, reason, reason_check,
	         "0..6 or its name (CPS App. C I): 0 unspecified, 1 keyCompromise,\n"
	         "2 cACompromise, 3 affiliationChanged, 4 superseded,\n"
	         "5 cessationOfOperation, 6 certificateHold"), .def = "0"},
	{CLI_OPT("requested-at", "TIME", struct revoke_values, requested_at, cli_time,
	         "when the request was received, YYYY-MM-DDTHH:MM:SSZ (default now);\n"
	         "the two-working-day service level (§4.4.3) counts from it")},
	CLI_END,
};

static int cmd_revoke(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct revoke_values *v = values;
	const char *serial = v->serial;
	int reason = v->reason;
	int64_t now = (int64_t)time(NULL), requested = v->requested_at ? v->requested_at : now;
	struct gc_revocation r;
	struct gc_calendar *cal;
	char due[21], req[21];
	gc_result rc;

	if ((rc = gc_ca_revoke(ctx->ca, serial, reason, requested, now, &r)) != GC_OK)
		return cli_fail(ctx, rc);
	if ((cal = malloc(sizeof(*cal))) != NULL && gc_ca_calendar(ctx->ca, cal) == GC_OK)
		r.deadline = gc_calendar_deadline(cal, r.requested_at, CPS_REVOCATION_WORKING_DAYS);
	free(cal);
	gc_time_format(r.deadline, due);
	gc_time_format(r.requested_at, req);
	if (ctx->json) {
		json_t *o = revocation_json(&r);
		json_object_set_new(o, "status", json_string("revoked"));
		cli_print_json(o);
	} else {
		printf("revoked %s (reason %d, %s)\n  request received %s\n  takes effect when the next CRL "
		       "is published (CPS §4.4.4); due by %s (two working days, §4.4.3)\n",
		       r.serial, r.reason, gc_reason_name(r.reason), req, r.deadline ? due : "(no calendar)");
	}
	return 0;
}

struct list_ctx {
	json_t *arr;
	long n;
};

static void print_revocation(const struct gc_revocation *r, void *arg)
{
	struct list_ctx *l = arg;
	char req[21], pub[21], due[21];

	l->n++;
	if (l->arr != NULL) {
		json_array_append_new(l->arr, revocation_json(r));
		return;
	}
	gc_time_format(r->requested_at, req);
	gc_time_format(r->deadline, due);
	if (r->published_at)
		gc_time_format(r->published_at, pub);
	else
		snprintf(pub, sizeof(pub), "not yet published");
	printf("%s  %-2s %-20s received %s  due %s  published %s%s\n", r->serial, r->scope,
	       gc_reason_name(r->reason), req, due, pub, r->overdue ? "  OVERDUE" : "");
}

/* A holiday list without this year's holidays counts them as working days: say so. */
static void warn_coverage(struct cli_ctx *ctx)
{
	char today[21];
	bool covered = true;
	int year;

	gc_time_format((int64_t)time(NULL) + CPS_HK_UTC_OFFSET_SECONDS, today);
	year = (today[0] - '0') * 1000 + (today[1] - '0') * 100 + (today[2] - '0') * 10 + (today[3] - '0');
	if (gc_ca_holidays_cover(ctx->ca, year, &covered) == GC_OK && !covered)
		fprintf(stderr, "gcert: warning: %s lists no public holiday in %d; add the gazetted "
		        "holidays, or deadlines count them as working days (CPS §4.4.3)\n",
		        ctx->ca->cfg.holidays_file, year);
	gc_err_clear();
}

struct calendar_values {
	const char *note;
};

static const struct cli_option calendar_options[] = {
	{CLI_OPT("note", "TEXT", struct calendar_values, note, NULL, "which warning, e.g. \"T8 signal 09:40-16:20\""),
	 .def = ""},
	CLI_END,
};

static int cmd_calendar_add(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const char *note = ((const struct calendar_values *)values)->note;
	gc_result rc;

	if ((rc = gc_ca_add_warning_day(ctx->ca, ops[0], note)) != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s}", "status", "added", "day", ops[0]));
	else
		printf("%s is no longer a working day (CPS §4.4.3 warning day)\n", ops[0]);
	return 0;
}

struct revocations_values {
	bool overdue;
	long limit;
};

static const struct cli_option revocations_options[] = {
	{CLI_OPT("overdue", NULL, struct revocations_values, overdue, NULL,
	         "only those not published within two working days of receipt")},
	{CLI_OPT("limit", "N", struct revocations_values, limit, cli_long, "at most N, newest request first"),
	 .min = 1, .max = 10000000, .def = "1000"},
	CLI_END,
};

static int cmd_revocations(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct revocations_values *v = values;
	struct list_ctx l = {0};
	struct gc_calendar *cal = NULL;
	bool overdue = v->overdue;
	long limit = v->limit;
	gc_result rc;

	if ((cal = malloc(sizeof(*cal))) == NULL)
		return cli_fail(ctx, gc_fail(GC_E_NOMEM, "out of memory"));
	warn_coverage(ctx);
	if ((rc = gc_ca_calendar(ctx->ca, cal)) == GC_OK) {
		if (ctx->json)
			l.arr = json_array();
		rc = gc_revocations_list(ctx->ca, cal, overdue, (int64_t)time(NULL), limit, print_revocation, &l);
	}
	free(cal);
	if (rc != GC_OK) {
		json_decref(l.arr);
		return cli_fail(ctx, rc);
	}
	if (l.arr != NULL)
		cli_print_json(l.arr);
	else if (overdue && l.n == 0)
		printf("no revocation is overdue (CPS §4.4.3: published within two working days)\n");
	return 0;
}

const struct cli_command cli_revoke = {
	.name = "revoke", .run = cmd_revoke, .needs = GC_NEED_DB, .takes = CLI_JSON, .options = revoke_options,
	.values_size = sizeof(struct revoke_values), .summary = "revoke a g-Cert (permanent; CPS §4.4)",
	.example = "gcert revoke --dir ./demo-ca --serial 3f0a…(40 hex digits) --reason keyCompromise",
};

const struct cli_command cli_revocations = {
	.name = "revocations", .run = cmd_revocations, .needs = GC_NEED_DB, .takes = CLI_JSON,
	.options = revocations_options, .values_size = sizeof(struct revocations_values),
	.summary = "list revocations and their service level (§4.4.3)",
	.example = "gcert revocations --dir ./demo-ca --overdue",
};

const struct cli_command cli_calendar_add = {
	.name = "calendar add-warning-day", .run = cmd_calendar_add, .needs = GC_NEED_DB, .takes = CLI_JSON,
	.options = calendar_options, .values_size = sizeof(struct calendar_values), .operands = "DATE",
	.operand_help = "YYYY-MM-DD, the Hong Kong day the warning was hoisted",
	.summary = "record a typhoon or rainstorm warning day: not a working day (CPS §4.4.3)",
	.example = "gcert calendar add-warning-day --dir ./demo-ca 2026-09-24 --note \"black rainstorm\"",
};
