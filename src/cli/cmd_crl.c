/*
 * cmd_crl.c - `gcert crl issue`, `gcert crl schedule`, `gcert arl issue` (CPS App. C),
 * `gcert ca compromise` and `gcert ca reissue` (§4.8.2, §4.8.3).
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ca/crl.h"
#include "ca/revoke.h"
#include "ca/status.h"
#include "cli/cli.h"
#include "core/calendar.h"
#include "core/cps.h"
#include "core/timeutil.h"

static json_t *crl_json(const struct gc_crl_result *r)
{
	char tu[21], nu[21];

	gc_time_format(r->this_update, tu);
	gc_time_format(r->next_update, nu);
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:s}", "kind", r->kind, "issuer",
	                 r->issuer_cn, "url", r->url, "file", r->path, "crl_number",
	                 (json_int_t)r->crl_number, "entries", (json_int_t)r->entries, "this_update", tu,
	                 "next_update", nu, "size", (json_int_t)r->size, "sha256", r->sha256);
}

static void crl_print(const struct gc_crl_result *r)
{
	char nu[21];

	gc_time_format(r->next_update, nu);
	printf("%-9s %-34s cRLNumber %-6lld %8lld entries  next update %s\n          %s\n", r->kind,
	       r->issuer_cn, (long long)r->crl_number, (long long)r->entries, nu, r->path);
}

static void crls_report(const struct cli_ctx *ctx, const struct gc_crl_result *r, size_t n,
                        json_t *into)
{
	json_t *arr = into ? json_array() : NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (arr)
			json_array_append_new(arr, crl_json(&r[i]));
		else if (!ctx->json)
			crl_print(&r[i]);
	}
	if (into)
		json_object_set_new(into, "crls", arr);
}

static int cmd_crl_issue(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	struct gc_crl_result *res;
	size_t n = 0;
	gc_result rc;

	if ((res = calloc(GC_CRL_MAX_RESULTS, sizeof(*res))) == NULL)
		return cli_fail(ctx, gc_fail(GC_E_NOMEM, "out of memory"));
	/* App. C I: a CRL issued on demand is a supplementary CRL */
	rc = gc_crl_issue(ctx->ca, GC_CRL_SUPPLEMENTARY, (int64_t)time(NULL), res, GC_CRL_MAX_RESULTS, &n);
	if (rc == GC_OK && ctx->json) {
		json_t *o = json_pack("{s:s}", "status", "ok");
		crls_report(ctx, res, n, o);
		cli_print_json(o);
	} else if (rc == GC_OK) {
		crls_report(ctx, res, n, NULL);
	}
	free(res);
	return rc == GC_OK ? 0 : cli_fail(ctx, rc);
}

static int cmd_arl_issue(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	struct gc_crl_result r[4];
	json_t *arr;
	size_t n = 0, i;
	gc_result rc;

	/* the current root's ARL, and those of roots a root changeover replaced (§4.7) */
	if ((rc = gc_arl_issue_all(ctx->ca, GC_CRL_SUPPLEMENTARY, (int64_t)time(NULL), r, 4, &n)) != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json && n == 1) {
		cli_print_json(crl_json(&r[0]));
	} else if (ctx->json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, crl_json(&r[i]));
		cli_print_json(json_pack("{s:s, s:o}", "status", "ok", "arls", arr));
	} else {
		for (i = 0; i < n; i++)
			crl_print(&r[i]);
	}
	return 0;
}

/* ---- the schedule ---- */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* One round of the schedule (gc_crl_run_due), reported. */
static gc_result schedule_round(struct cli_ctx *ctx, const struct gc_schedule *sc, int64_t clock,
                                json_t *log)
{
	struct gc_crl_result *res;
	size_t n = 0, i;
	gc_result rc;

	if ((res = calloc(GC_CRL_MAX_RESULTS + 1, sizeof(*res))) == NULL)
		return gc_fail(GC_E_NOMEM, "out of memory");
	rc = gc_crl_run_due(ctx->ca, sc, clock, res, GC_CRL_MAX_RESULTS + 1, &n);
	for (i = 0; rc == GC_OK && i < n; i++)
		if (log)
			json_array_append_new(log, crl_json(&res[i]));
		else
			crl_print(&res[i]);
	if (rc == GC_OK && n == 0 && !log)
		printf("CRLs and ARL are up to date\n");
	free(res);
	return rc;
}

struct schedule_values {
	bool once;
	int64_t now;
};

static const struct cli_option schedule_options[] = {
	{CLI_OPT("once", NULL, struct schedule_values, once, NULL,
	         "catch up what is due (a run missed while down) and exit")},
	{CLI_OPT("now", "TIME", struct schedule_values, now, cli_time,
	         "decide as if the clock read TIME (drills, tests; with --once)")},
	CLI_END,
};

static int cmd_crl_schedule(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct schedule_values *v = values;
	struct gc_schedule sc;
	bool once = v->once;
	int64_t pretend = v->now, next, now, told = 0;
	json_t *log = NULL;
	char when[21];
	gc_result rc;

	if (pretend && !once)
		return cli_usage_error(cli_current(), "--now goes with --once");
	if ((rc = gc_schedule_parse(ctx->ca->cfg.crl_schedule, &sc)) != GC_OK)
		return cli_fail(ctx, rc);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (ctx->json)
		log = json_array();
	do {
		now = pretend ? pretend : (int64_t)time(NULL);
		if ((rc = schedule_round(ctx, &sc, now, log)) != GC_OK) {
			json_decref(log);
			return cli_fail(ctx, rc);
		}
		if (once)
			break;
		/* the next slot, or sooner a revocation's supplementary CRL (issue 17) */
		if (gc_crl_next_wake(ctx->ca, &sc, (int64_t)time(NULL), &next) != GC_OK)
			next = gc_schedule_next(&sc, (int64_t)time(NULL));
		if (gc_status_beat(ctx->ca, "crl-schedule", (int64_t)time(NULL), false) != GC_OK)
			gc_err_clear(); /* only `ca status` misses one sign of life */
		gc_time_format(next, when);
		if (!ctx->json && next != told) {
			printf("next CRLs at %s\n", when);
			fflush(stdout);
		}
		told = next;
		while (!stop_requested && (int64_t)time(NULL) < next && (int64_t)time(NULL) < now + 10)
			sleep(1); /* a new revocation is looked at within 10 s */
	} while (!stop_requested);
	if (!once && gc_status_beat(ctx->ca, "crl-schedule", (int64_t)time(NULL), true) != GC_OK)
		gc_err_clear();
	if (log)
		cli_print_json(log);
	return 0;
}

/* ---- §4.8.2, §4.8.3 ---- */

struct compromise_values {
	bool confirm;
};

static const struct cli_option compromise_options[] = {
	{CLI_OPT("confirm", NULL, struct compromise_values, confirm, NULL,
	         "required: every certificate of the CA is revoked")},
	CLI_END,
};

static int cmd_ca_compromise(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	bool confirmed = ((const struct compromise_values *)values)->confirm;
	struct gc_compromise_result *res;
	gc_result rc;

	if (!confirmed)
		return cli_usage_error(cli_current(), "this revokes every certificate of the issuing CA; "
		                       "add --confirm");
	if ((res = calloc(1, sizeof(*res))) == NULL)
		return cli_fail(ctx, gc_fail(GC_E_NOMEM, "out of memory"));
	rc = gc_ca_compromise(ctx->ca, (int64_t)time(NULL), res);
	if (rc == GC_OK && ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s}", "status", "revoked", "ca", res->ca_cn,
		                      "ca_serial", res->ca_serial, "certificates_revoked",
		                      (json_int_t)res->revoked, "announcement", res->announcement);
		crls_report(ctx, res->crls, res->ncrls, o);
		json_object_set_new(o, "arl", crl_json(&res->arl));
		cli_print_json(o);
	} else if (rc == GC_OK) {
		printf("CA CN=%s (serial %s) revoked for key compromise (CPS §4.8.2)\n"
		       "  %lld certificate(s) revoked with reason cACompromise\n  announcement: %s\n",
		       res->ca_cn, res->ca_serial, (long long)res->revoked, res->announcement);
		crls_report(ctx, res->crls, res->ncrls, NULL);
		crl_print(&res->arl);
		printf("next: name the new issuing CA in gcert.json (issuing.cn, issuing.key_label,\n"
		       "profile.crl_dp, profile.full_crl_url), then run `gcert ca reissue --dir %s`\n", ctx->dir);
	}
	free(res);
	return rc == GC_OK ? 0 : cli_fail(ctx, rc);
}

static int cmd_ca_reissue(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	struct gc_reissue_result res;
	gc_result rc;

	if ((rc = gc_ca_reissue(ctx->ca, (int64_t)time(NULL), &res)) != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "status", "ok", "ca", res.ca_cn,
		                         "ca_serial", res.ca_serial, "reissued", (json_int_t)res.reissued,
		                         "mapping", res.mapping, "certificates", res.bundle));
	else if (res.reissued == 0)
		printf("issuing CA CN=%s (serial %s): nothing left to certify again\n", res.ca_cn, res.ca_serial);
	else
		printf("new issuing CA CN=%s (serial %s)\n  %lld certificate(s) certified again (CPS §4.8.3)"
		       "\n  old -> new serials: %s\n  certificates: %s\n", res.ca_cn, res.ca_serial,
		       (long long)res.reissued, res.mapping, res.bundle);
	return 0;
}

const struct cli_command cli_crl_issue = {
	.name = "crl issue", .run = cmd_crl_issue, .needs = GC_NEED_DB | GC_NEED_TOKEN, .takes = CLI_JSON,
	.summary = "issue the full and partitioned CRLs now (a supplementary CRL, App. C I)",
	.example = "gcert crl issue --dir ./demo-ca",
};

const struct cli_command cli_crl_schedule = {
	.name = "crl schedule", .run = cmd_crl_schedule, .needs = GC_NEED_DB | GC_NEED_TOKEN, .takes = CLI_JSON,
	.options = schedule_options, .values_size = sizeof(struct schedule_values),
	.summary = "issue CRLs on the CPS schedule (01:15, 06:15, 11:00 UTC) and the ARL yearly",
	.example = "gcert crl schedule --dir ./demo-ca",
};

const struct cli_command cli_arl_issue = {
	.name = "arl issue", .run = cmd_arl_issue, .needs = GC_NEED_DB | GC_NEED_TOKEN, .takes = CLI_JSON,
	.summary = "issue the root's ARL of revoked CA certificates (App. C II)",
	.example = "gcert arl issue --dir ./demo-ca",
};

const struct cli_command cli_ca_compromise = {
	.name = "ca compromise", .run = cmd_ca_compromise, .needs = GC_NEED_DB | GC_NEED_TOKEN, .takes = CLI_JSON,
	.options = compromise_options, .values_size = sizeof(struct compromise_values),
	.summary = "issuing CA key compromised: revoke all, publish CRLs and ARL, announce (§4.8.2)",
	.example = "gcert ca compromise --dir ./demo-ca --confirm",
};

const struct cli_command cli_ca_reissue = {
	.name = "ca reissue", .run = cmd_ca_reissue, .needs = GC_NEED_DB | GC_NEED_ROOT_KEY, .takes = CLI_JSON,
	.summary = "after a compromise: new issuing CA from gcert.json, subscribers certified again (§4.8.3)",
	.example = "gcert ca reissue --dir ./demo-ca",
};
