/* cmd_status.c - `gcert ca status`: lifetimes and CRL freshness; exit 4 when any warns. */
#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "ca/status.h"
#include "cli/cli.h"
#include "core/timeutil.h"

static void print_item(const struct gc_status_item *it, void *arg)
{
	json_t *arr = arg;
	char until[21];
	long long days = (long long)((it->until - (int64_t)time(NULL)) / 86400);

	if (it->check) { /* issue 17: the service's checks */
		if (arr != NULL)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:s}", "kind", it->kind, "name", it->name,
			                                     "warning", it->warn, "note", it->note));
		else
			printf("%-8s %-52s %s%s\n", it->kind, it->name, it->warn ? "WARNING: " : "ok: ", it->note);
		return;
	}
	gc_time_format(it->until, until);
	if (arr != NULL) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "kind", it->kind, "name", it->name,
		                      it->number ? "next_update" : "not_after", until, "warning", it->warn);
		if (it->number)
			json_object_set_new(o, "crl_number", json_integer(it->number));
		else
			json_object_set_new(o, "days_left", json_integer(days));
		if (it->note[0])
			json_object_set_new(o, "note", json_string(it->note));
		json_array_append_new(arr, o);
		return;
	}
	if (it->number)
		printf("%-8s %-52s cRLNumber %-6lld nextUpdate %s  %s%s\n", it->kind, it->name,
		       (long long)it->number, until, it->warn ? "WARNING: " : "", it->warn ? it->note : "ok");
	else
		printf("%-8s %-52s %-16s notAfter   %s  %5lld days left  %s%s\n", it->kind, it->name,
		       it->current ? "(current)" : "(replaced)", until, days > 0 ? days : 0,
		       it->warn ? "WARNING: " : "", it->note[0] ? it->note : "ok");
}

/* CPS §6.4: whether the running service may sign. */
static void print_activation(json_t *a)
{
	const char *by = json_string_value(json_object_get(a, "activated_by"));

	if (json_object_get(a, "threshold") == NULL) {
		printf("keys     activation: single-person (PIN file)\n");
		return;
	}
	printf("keys     activation: %lld of %lld custodians (%s); service %s; %s%s%s\n",
	       (long long)json_integer_value(json_object_get(a, "threshold")),
	       (long long)json_integer_value(json_object_get(a, "custodians")),
	       json_string_value(json_object_get(a, "names")),
	       json_is_true(json_object_get(a, "service_running")) ? "running" : "not running",
	       json_is_true(json_object_get(a, "activated")) ? "ACTIVATED" : "NOT ACTIVATED (signing refused)",
	       by && *by ? " by " : "", by && *by ? by : "");
}

static int cmd_ca_status(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	json_t *arr = ctx->json ? json_array() : NULL, *act;
	int warnings = 0;
	gc_result rc;

	if ((rc = gc_ca_status(ctx->ca, (int64_t)time(NULL), print_item, arr, &warnings)) != GC_OK) {
		json_decref(arr);
		return cli_fail(ctx, rc);
	}
	act = cli_activation_state(ctx->ca);
	if (arr != NULL) {
		cli_print_json(json_pack("{s:i, s:o, s:o}", "warnings", warnings, "items", arr, "activation", act));
	} else {
		print_activation(act);
		json_decref(act);
	}
	if (arr == NULL && warnings > 0)
		printf("%d warning(s)\n", warnings);
	return warnings > 0 ? gc_category_exit(GC_CAT_CONFLICT) : 0;
}

const struct cli_command cli_ca_status = {
	.name = "ca status", .run = cmd_ca_status, .needs = GC_NEED_DB, .takes = CLI_JSON,
	.summary = "CA certificate lifetimes (§4.7) and each published CRL's nextUpdate; exit 4 on a warning",
	.example = "gcert ca status --dir ./demo-ca",
};
