/*
 * cmd_activate.c - `gcert ca activate` and `gcert ca deactivate` (CPS §6.2.2, §6.4):
 * M custodians rebuild the token PIN from their shares in this process, and hand it to
 * the running CA service over its control socket; it never touches the disk. Also the
 * activation state `gcert ca status` prints.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "service/service.h"
#include "cli/cli.h"

/* A refusal before the service is asked: recorded, changes nothing else. */
static gc_result refused(struct gc_ca *ca, gc_result rc, const char *who)
{
	char why[1024], detail[1400];

	snprintf(why, sizeof(why), "%s", gc_err_detail());
	snprintf(detail, sizeof(detail), "gcert ca activate refused (custodians whose shares opened: "
	         "%s): %s", who[0] ? who : "none", why);
	if (gc_db_begin(ca->db) == GC_OK) {
		if (gc_audit_append(ca->audit, ca->actor, GC_EV_CA_ACTIVATION_FAILED, ca->cfg.token_label,
		                    false, detail) != GC_OK || gc_db_commit(ca->db) != GC_OK)
			gc_db_rollback(ca->db);
	}
	return gc_fail(rc, "%s", why);
}

/* Sends one operation; a reply with status "error" becomes that error here. */
static gc_result call(const char *dir, json_t *req, json_t **out)
{
	json_t *reply = NULL;
	const char *code, *msg;
	bool running;
	int i;

	GC_GUARD(gc_control_call(dir, req, &reply, &running));
	if (json_is_string(json_object_get(reply, "status")) &&
	    strcmp(json_string_value(json_object_get(reply, "status")), "ok") == 0) {
		*out = reply;
		return GC_OK;
	}
	code = json_string_value(json_object_get(reply, "code"));
	msg = json_string_value(json_object_get(reply, "message"));
	for (i = 0; i < GC_CODE_COUNT && (code == NULL || strcmp(gc_code_name(i), code) != 0); i++)
		;
	gc_fail(i < GC_CODE_COUNT ? (gc_result)i : GC_E_CONTROL, "CA service: %s", msg ? msg : "refused");
	json_decref(reply);
	return i < GC_CODE_COUNT ? (gc_result)i : GC_E_CONTROL;
}

static gc_result activate(struct cli_ctx *ctx, const struct gc_activation_input *in, json_t **out)
{
	char pin[GC_ACTIVATION_PIN_MAX + 1], who[512] = "";
	json_t *req, *state = NULL;
	gc_result rc;

	/* the service first: custodians do not type passphrases for nothing */
	req = json_pack("{s:s}", "op", "status");
	rc = call(ctx->dir, req, &state);
	json_decref(req);
	if (rc != GC_OK)
		return refused(ctx->ca, rc, who);
	if (json_is_true(json_object_get(state, "activated"))) {
		json_decref(state);
		return refused(ctx->ca, gc_fail(GC_E_CA_STATE, "the CA service's keys are already activated"), who);
	}
	json_decref(state);
	if ((rc = gc_activation_combine(&ctx->ca->cfg, in, pin, sizeof(pin), who, sizeof(who))) != GC_OK)
		return refused(ctx->ca, rc, who);
	req = json_pack("{s:s, s:s, s:s}", "op", "activate", "pin", pin, "custodians", who);
	sodium_memzero(pin, sizeof(pin));
	rc = req ? call(ctx->dir, req, out) : gc_fail(GC_E_NOMEM, "out of memory");
	json_decref(req); /* jansson keeps its own copy of the PIN; freed here */
	return rc;
}

struct activate_values {
	struct cli_list shares, passphrases;
};

static const struct cli_option activate_options[] = {
	{CLI_OPT("shares", "L", struct activate_values, shares, cli_list,
	         "at least M custodians' activation share files"), .flags = CLI_REQUIRED},
	{CLI_OPT("passphrases", "L", struct activate_values, passphrases, cli_list,
	         "their passphrases, same order: env:NAME or file:PATH"), .flags = CLI_REQUIRED},
	CLI_END,
};

static int cmd_ca_activate(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct activate_values *o = values;
	struct gc_activation_input in;
	json_t *reply = NULL;
	gc_result rc;

	if (o->shares.n != o->passphrases.n)
		return cli_usage_error(cli_current(), "--shares and --passphrases: comma-separated lists of "
		                       "equal length, one passphrase per share");
	if (!gc_config_custodial(&ctx->ca->cfg))
		return cli_fail(ctx, gc_fail(GC_E_CA_STATE, "%s: this CA is not under M-of-N activation (made "
		                             "without --custodians); its service needs no activation", ctx->dir));
	in = (struct gc_activation_input){o->shares.n, (const char *const *)o->shares.item,
	                                  (const char *const *)o->passphrases.item};
	if ((rc = activate(ctx, &in, &reply)) != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(reply);
	else {
		const char *who = json_string_value(json_object_get(reply, "activated_by"));
		printf("CA keys activated in the running service by %s\n", who ? who : "?");
		json_decref(reply);
	}
	return 0;
}

static int cmd_ca_deactivate(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	json_t *req, *reply = NULL;
	gc_result rc;

	req = json_pack("{s:s, s:s}", "op", "deactivate", "actor", ctx->actor);
	rc = call(ctx->dir, req, &reply);
	json_decref(req);
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(reply);
	else {
		printf("CA keys deactivated: the service's token is logged out; it serves the repository "
		       "and refuses to sign until M custodians run gcert ca activate\n");
		json_decref(reply);
	}
	return 0;
}

const struct cli_command cli_ca_activate = {
	.name = "ca activate", .run = cmd_ca_activate, .needs = GC_NEED_DB, .takes = CLI_JSON,
	.options = activate_options, .values_size = sizeof(struct activate_values),
	.summary = "M custodians activate the keys of the running CA service (CPS §6.2.2, §6.4)",
	.notes = "The PIN is rebuilt in memory and handed to `gcert ca serve` over DIR/run/control.sock.",
	.example = "gcert ca activate --dir ./ca --shares alice.share,bob.share --passphrases env:PASS_ALICE,env:PASS_BOB",
};

const struct cli_command cli_ca_deactivate = {
	.name = "ca deactivate", .run = cmd_ca_deactivate, .needs = GC_NEED_DB, .takes = CLI_JSON,
	.summary = "log the running CA service's token out: it stops signing until activated again",
	.example = "gcert ca deactivate --dir ./ca",
};

void *cli_activation_state(const struct gc_ca *ca)
{
	json_t *req, *reply = NULL, *o;
	bool running = false;

	if (!gc_config_custodial(&ca->cfg))
		return json_pack("{s:s, s:b}", "mode", "single-person (PIN file)", "activated", true);
	o = json_pack("{s:s, s:i, s:i, s:s}", "mode", "M-of-N custodians", "threshold",
	              ca->cfg.activation.threshold, "custodians", ca->cfg.activation.custodians, "names",
	              ca->cfg.activation.names);
	req = json_pack("{s:s}", "op", "status");
	if (gc_control_call(ca->dir, req, &reply, &running) != GC_OK)
		gc_err_clear();
	json_decref(req);
	json_object_set_new(o, "service_running", json_boolean(running && reply != NULL));
	json_object_set_new(o, "activated", json_boolean(json_is_true(json_object_get(reply, "activated"))));
	if (json_is_string(json_object_get(reply, "activated_by")))
		json_object_set(o, "activated_by", json_object_get(reply, "activated_by"));
	json_decref(reply);
	return o;
}
