/*
 * cmd_audit.c - the audit trail for operators and auditors (CPS §4.5): verify the chain
 * and its signed checkpoints, seal a checkpoint, the daily review, the retention rule,
 * and the significant-event alerts. Also the hook every command runs at its end.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/review.h"
#include "audit/seal.h"
#include "ca/alert.h"
#include "ca/auditkey.h"
#include "cli/cli.h"

const struct cli_option cli_audit_verify_options[] = {
	{CLI_OPT("cert", "F", struct cli_audit_verify_values, cert, NULL,
	         "the audit key certificate the auditor holds: the database's must be it")},
	CLI_END,
};

/* The chain, its checkpoints and (with cert) the audit keys checked. */
gc_result cli_audit_verify_db(struct gc_db *db, const char *cert, struct gc_audit_check *chk)
{
	X509 *pinned = NULL;
	gc_result rc;

	if (cert != NULL)
		GC_GUARD(cli_read_cert(cert, &pinned));
	rc = gc_audit_verify(db, chk);
	if (rc == GC_OK && pinned != NULL)
		rc = gc_audit_key_pinned(db, pinned);
	X509_free(pinned);
	return rc;
}

void cli_audit_verify_print(const struct cli_ctx *ctx, const struct gc_audit_check *chk)
{
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "status", "ok", "records",
		                         (json_int_t)chk->records, "checkpoints", (json_int_t)chk->checkpoints,
		                         "first_record", (json_int_t)chk->first_id, "last_record",
		                         (json_int_t)chk->last_id, "sealed_up_to", (json_int_t)chk->sealed_id));
	else
		printf("audit trail intact: %ld records%s, hash chain verifies; %ld signed checkpoints "
		       "verify, sealing records up to %lld (%lld after the last checkpoint)\n",
		       chk->records, chk->first_id > 1 ? " (older ones purged after 7 years; a checkpoint "
		       "anchors the first)" : "", chk->checkpoints, (long long)chk->sealed_id,
		       (long long)(chk->last_id - chk->sealed_id));
}

static int cmd_audit_verify(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	struct gc_audit_check chk;
	char why[1024];
	gc_result rc;

	rc = cli_audit_verify_db(ctx->ca->db, ((const struct cli_audit_verify_values *)values)->cert, &chk);
	if (rc != GC_OK) {
		/* §4.5.7: a deliberate change is a significant event; it is reported by mail
		 * without touching the trail under examination */
		snprintf(why, sizeof(why), "%s", gc_err_detail());
		if (gc_alerts_queue(ctx->ca, "audit trail verification FAILED", why) != GC_OK)
			gc_err_clear();
		gc_fail(rc, "%s", why);
		return cli_fail(ctx, rc);
	}
	cli_audit_verify_print(ctx, &chk);
	return 0;
}

static int cmd_audit_checkpoint(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	bool made;
	gc_result rc;

	if ((rc = gc_ca_checkpoint(ctx->ca, &made)) != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:b}", "status", "ok", "made", made));
	else
		printf(made ? "checkpoint signed by the audit key\n" : "nothing new to seal\n");
	return 0;
}

static void print_records(const char *title, json_t *arr)
{
	size_t i;
	json_t *r;

	printf("\n%s: %zu\n", title, json_array_size(arr));
	json_array_foreach(arr, i, r)
		printf("  #%lld %s %-26s %s %s: %s\n", (long long)json_integer_value(json_object_get(r, "id")),
		       json_string_value(json_object_get(r, "at")),
		       json_string_value(json_object_get(r, "event")),
		       json_string_value(json_object_get(r, "actor")),
		       json_string_value(json_object_get(r, "object")),
		       json_string_value(json_object_get(r, "detail")));
}

const struct cli_option cli_audit_report_options[] = {
	{CLI_OPT("day", "YYYY-MM-DD", struct cli_audit_report_values, day, cli_hk_day,
	         "the day in Hong Kong time (UTC+8)"), .flags = CLI_REQUIRED},
	CLI_END,
};

static int cmd_audit_report(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	return cli_audit_report_db(ctx, ctx->ca->db, ((const struct cli_audit_report_values *)values)->day);
}

int cli_audit_report_db(struct cli_ctx *ctx, struct gc_db *db, const char *day)
{
	const char *event;
	int64_t start;
	void *out;
	json_t *r, *counts;
	gc_result rc;

	if (!gc_hk_day_parse(day, &start))
		return cli_usage_error(cli_current(), "--day: \"%s\" is not a date YYYY-MM-DD", day);
	if ((rc = gc_audit_report(db, start, &out)) != GC_OK)
		return cli_fail(ctx, rc);
	r = out;
	json_object_set_new(r, "day", json_string(day));
	json_object_set_new(r, "timezone", json_string("Asia/Hong_Kong (UTC+8)"));
	if (ctx->json) {
		cli_print_json(r);
		return 0;
	}
	printf("daily audit review for %s (Hong Kong time; UTC %s to %s), CPS §4.5.2\n"
	       "records: %lld\n\nevents:\n", day, json_string_value(json_object_get(r, "from")),
	       json_string_value(json_object_get(r, "to")),
	       (long long)json_integer_value(json_object_get(r, "records")));
	json_object_foreach(json_object_get(r, "by_event"), event, counts)
		printf("  %-28s %5lld ok %5lld failed\n", event,
		       (long long)json_integer_value(json_object_get(counts, "success")),
		       (long long)json_integer_value(json_object_get(counts, "failure")));
	print_records("failures", json_object_get(r, "failures"));
	print_records("privileged actions", json_object_get(r, "privileged"));
	json_decref(r);
	return 0;
}

/* A purge refused is itself audited: someone tried to shorten the trail (§4.5.3). */
static void audit_refusal(struct cli_ctx *ctx, const char *day, const char *why)
{
	if (gc_db_begin(ctx->ca->db) != GC_OK)
		return;
	if (gc_audit_append(ctx->ca->audit, ctx->actor, GC_EV_AUDIT_PURGE, day, false, why) != GC_OK ||
	    gc_db_commit(ctx->ca->db) != GC_OK)
		gc_db_rollback(ctx->ca->db);
}

struct purge_values {
	const char *before;
};

static const struct cli_option purge_options[] = {
	{CLI_OPT("before", "YYYY-MM-DD", struct purge_values, before, cli_hk_day,
	         "refused unless every record before D is older than 7 years; removes the\n"
	         "records sealed by the newest checkpoint signed before D (that record\n"
	         "stays and anchors the chain; `audit verify` still passes)"), .flags = CLI_REQUIRED},
	CLI_END,
};

static int cmd_audit_purge(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const char *day = ((const struct purge_values *)values)->before;
	struct gc_audit_purge p;
	char why[1024];
	int64_t before;
	gc_result rc;

	if (!gc_hk_day_parse(day, &before))
		return cli_usage_error(cli_current(), "--before: \"%s\" is not a date YYYY-MM-DD", day);
	rc = gc_audit_purge(ctx->ca->db, ctx->ca->audit, ctx->actor, before, (int64_t)time(NULL), &p);
	if (rc != GC_OK) {
		snprintf(why, sizeof(why), "%s", gc_err_detail());
		audit_refusal(ctx, day, why);
		gc_fail(rc, "%s", why);
		return cli_fail(ctx, rc);
	}
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:I, s:I, s:I}", "status", "ok", "purged", (json_int_t)p.purged,
		                         "first_kept", (json_int_t)(p.purged ? p.anchor_id : p.first_id),
		                         "checkpoint", (json_int_t)p.checkpoint_id));
	else if (p.purged == 0)
		printf("no audit records sealed by a checkpoint before %s; nothing purged\n", day);
	else
		printf("purged %lld audit records (%lld..%lld), all older than 7 years; record %lld, sealed "
		       "by checkpoint %lld, anchors the chain (gcert audit verify checks it)\n",
		       (long long)p.purged, (long long)p.first_id, (long long)p.anchor_id - 1,
		       (long long)p.anchor_id, (long long)p.checkpoint_id);
	return 0;
}

static int cmd_audit_alerts(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	long queued = 0, sent = 0, waiting = 0;
	gc_result rc;

	if ((rc = gc_alerts_scan(ctx->ca, &queued)) != GC_OK ||
	    (rc = gc_alerts_send(ctx->ca, &sent, &waiting)) != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:i, s:i, s:i}", "status", "ok", "queued", (int)queued,
		                         "sent", (int)sent, "waiting", (int)waiting));
	else
		printf("alerts: %ld queued, %ld sent, %ld waiting\n", queued, sent, waiting);
	return 0;
}

const struct cli_command cli_audit_verify = {
	.name = "audit verify", .run = cmd_audit_verify, .needs = GC_NEED_DB, .takes = CLI_JSON,
	.options = cli_audit_verify_options, .values_size = sizeof(struct cli_audit_verify_values),
	.summary = "check the audit trail: hash chain and signed checkpoints (CPS §4.5.4)",
	.notes = "Names the first bad record; exit status 7 (GC_E_AUDIT_TAMPERED) when altered.",
	.example = "gcert audit verify --dir ./demo-ca",
};

const struct cli_command cli_audit_checkpoint = {
	.name = "audit checkpoint", .run = cmd_audit_checkpoint, .needs = GC_NEED_DB | GC_NEED_TOKEN,
	.takes = CLI_JSON, .summary = "seal the audit trail with a checkpoint signed by the audit key",
	.notes = "(every command that opens the token also does this when it ends)",
	.example = "gcert audit checkpoint --dir ./demo-ca",
};

const struct cli_command cli_audit_report = {
	.name = "audit report", .run = cmd_audit_report, .needs = GC_NEED_DB, .takes = CLI_JSON,
	.options = cli_audit_report_options, .values_size = sizeof(struct cli_audit_report_values),
	.summary = "daily audit review of one Hong Kong day (CPS §4.5.2)",
	.example = "gcert audit report --dir ./demo-ca --day 2026-11-25",
};

const struct cli_command cli_audit_purge = {
	.name = "audit purge", .run = cmd_audit_purge, .needs = GC_NEED_DB, .takes = CLI_JSON,
	.options = purge_options, .values_size = sizeof(struct purge_values),
	.summary = "remove audit records older than the 7-year retention (CPS §4.5.3)",
	.example = "gcert audit purge --dir ./demo-ca --before 2019-01-01",
};

const struct cli_command cli_audit_alerts = {
	.name = "audit alerts", .run = cmd_audit_alerts, .needs = GC_NEED_DB, .takes = CLI_JSON,
	.summary = "queue and send significant-event alert mails (CPS §4.5.7)",
	.notes = "Config: \"alerts\": {\"smtp_url\": \"smtp://host:25\", \"from\": ..., \"to\": \"a@x, b@y\"}",
	.example = "gcert audit alerts --dir ./demo-ca",
};

/*
 * The end of every command that opened the CA: seal the audit trail when the token is
 * open (one signature; nothing when no record is new), then queue and send alerts. A
 * failure here does not undo the command; it is reported on stderr.
 */
void cli_after_command(struct cli_ctx *ctx)
{
	long queued, sent, waiting;
	bool made;

	if (ctx->ca == NULL)
		return;
	if (ctx->ca->hsm != NULL && gc_ca_checkpoint(ctx->ca, &made) != GC_OK)
		fprintf(stderr, "gcert: warning: audit checkpoint not taken: %s [%s]\n", gc_err_detail(),
		        gc_code_name(gc_err_code()));
	if (cli_current() == &cli_audit_alerts)
		return; /* it has just done this */
	if (gc_alerts_scan(ctx->ca, &queued) != GC_OK ||
	    gc_alerts_send(ctx->ca, &sent, &waiting) != GC_OK)
		fprintf(stderr, "gcert: warning: %s [%s]\n", gc_err_detail(), gc_code_name(gc_err_code()));
}
