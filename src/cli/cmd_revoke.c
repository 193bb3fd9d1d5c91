/* cmd_revoke.c - `gcert revoke` and `gcert revocations` (CPS §4.4). */
#include <getopt.h>
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

int cmd_revoke(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"serial", required_argument, NULL, 's'}, {"reason", required_argument, NULL, 'r'},
		{"requested-at", required_argument, NULL, 'q'}, {NULL, 0, NULL, 0},
	};
	const char *serial = NULL;
	int reason = CPS_REASON_UNSPECIFIED, c;
	int64_t now = (int64_t)time(NULL), requested = now;
	struct gc_revocation r;
	struct gc_calendar *cal;
	char due[21], req[21];
	gc_result rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': serial = optarg; break;
		case 'r':
			if (!gc_reason_parse(optarg, &reason))
				return cli_fail(ctx, gc_fail(GC_E_BAD_REASON, "--reason \"%s\": CPS App. C I reason "
				                "codes are 0..6 or their names (keyCompromise, ...)", optarg));
			break;
		case 'q':
			if (!gc_time_parse(optarg, &requested))
				return cli_fail(ctx, gc_fail(GC_E_BAD_TIME, "--requested-at \"%s\": expected "
				                "YYYY-MM-DDTHH:MM:SSZ", optarg));
			break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[optind]);
	if (serial == NULL)
		return cli_usage_error(cli_current(), "--serial is required");
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

int cmd_calendar_add(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"note", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	const char *note = "";
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'n')
			return cli_usage_error(cli_current(), "unknown option");
		note = optarg;
	}
	if (argc - optind != 1)
		return cli_usage_error(cli_current(), "give exactly one DATE (YYYY-MM-DD, Hong Kong)");
	if ((rc = gc_ca_add_warning_day(ctx->ca, argv[optind], note)) != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s}", "status", "added", "day", argv[optind]));
	else
		printf("%s is no longer a working day (CPS §4.4.3 warning day)\n", argv[optind]);
	return 0;
}

int cmd_revocations(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"overdue", no_argument, NULL, 'o'}, {"limit", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	struct list_ctx l = {0};
	struct gc_calendar *cal = NULL;
	bool overdue = false;
	long limit = 1000;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': overdue = true; break;
		case 'l':
			if (!cli_parse_long(optarg, 1, 10000000, &limit))
				return cli_usage_error(cli_current(), "--limit: 1..10000000");
			break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[optind]);
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
