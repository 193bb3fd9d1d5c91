/*
 * cmd_serve.c - `gcert ca serve` and `gcert repo republish`: options and output of the
 * CA service, which src/service/serve.c builds and runs. SIGTERM or SIGINT stops it
 * gracefully: workers finish their current step and stop, last started first.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "service/service.h"

static void print_ready(const struct gc_serve *s, const struct gc_ca *ca)
{
	const char *ldap = gc_serve_ldap_uri(s), *iface = gc_serve_iface_address(s);

	printf("gcert: repository at http://%s/ ; LDAP publication %s\n", gc_serve_repo_address(s),
	       ldap != NULL ? ldap : "off");
	if (iface != NULL && gc_serve_iface_served(s))
		printf("gcert: interface at https://%s/interface (mutual TLS, pinned RAs only)\n", iface);
	else if (iface != NULL)
		printf("gcert: interface on %s NOT served until the CA keys are activated (its TLS key is in "
		       "the token)\n", iface);
	if (gc_serve_crl_scheduled(s))
		printf("gcert: CRLs at %s UTC, ARL yearly (App. C)\n", ca->cfg.crl_schedule);
	if (gc_config_custodial(&ca->cfg))
		printf("gcert: CA keys NOT activated: signing refused until %d of %d custodians run "
		       "gcert ca activate\n", ca->cfg.activation.threshold, ca->cfg.activation.custodians);
	printf("gcert: serving; stop with SIGTERM or Ctrl-C\n");
	fflush(stdout);
}

struct serve_values {
	const char *listen, *ldap, *interface_listen;
	bool crl_schedule;
};

static const struct cli_option serve_options[] = {
	{CLI_OPT("listen", "H:P", struct serve_values, listen, NULL,
	         "serve HTTP on this numeric address; port 0 picks a free port\n"
	         "(the first line printed names the port)"), .flags = CLI_REQUIRED},
	{CLI_OPT("ldap", "URI", struct serve_values, ldap, NULL,
	         "publish to this LDAP directory (default: repository.ldap_uri of\n"
	         "gcert.json; none: no LDAP); bind DN and password file from gcert.json")},
	{CLI_OPT("interface-listen", "H:P", struct serve_values, interface_listen, NULL,
	         "accept interface files by HTTPS with mutual TLS (opens the token)")},
	{CLI_OPT("crl-schedule", NULL, struct serve_values, crl_schedule, NULL,
	         "issue CRLs at crl.schedule (App. C I) and the ARL yearly; a slot\n"
	         "missed while down is caught up at start (opens the token)")},
	CLI_END,
};

static int cmd_ca_serve(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct serve_values *v = values;
	struct gc_serve_options o = {.ldap_uri = ctx->ca->cfg.repo.ldap_uri, .actor = ctx->actor,
	                             .listen = v->listen, .iface_listen = v->interface_listen,
	                             .crl_schedule = v->crl_schedule};
	struct gc_serve *s;
	sigset_t stop;
	gc_result rc;

	if (v->ldap != NULL)
		o.ldap_uri = strcmp(v->ldap, "none") == 0 ? "" : v->ldap;
	cli_block_stop_signals(&stop); /* only the service's main loop sees them */
	if ((rc = gc_serve_open(ctx->ca, &o, &s)) != GC_OK)
		return cli_fail(ctx, rc);
	print_ready(s, ctx->ca);
	if ((rc = gc_serve_close(s, gc_serve_run(s, &stop))) != GC_OK)
		return cli_fail(ctx, rc);
	printf("gcert: stopped\n");
	return 0;
}

/* `gcert repo republish`: every certificate and the current CRL files, queued again. */
static int cmd_repo_republish(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	int64_t rows = 0;
	gc_result rc;

	if ((rc = gc_serve_republish(ctx->ca, ctx->actor, &rows)) != GC_OK)
		return cli_fail(ctx, rc);
	printf("queued %lld certificates and the current CRL files for LDAP; a running "
	       "`gcert ca serve --ldap` publishes them in order\n", (long long)rows);
	return 0;
}

const struct cli_command cli_ca_serve = {
	.name = "ca serve", .run = cmd_ca_serve, .needs = GC_NEED_DB, .options = serve_options,
	.values_size = sizeof(struct serve_values),
	.summary = "run the CA service: repository over HTTP and LDAP, interface",
	.example = "gcert ca serve --dir ./demo-ca --listen 127.0.0.1:8080 --ldap ldap://127.0.0.1:3389",
};

const struct cli_command cli_repo_republish = {
	.name = "repo republish", .run = cmd_repo_republish, .needs = GC_NEED_DB,
	.summary = "queue the whole repository again for LDAP (a directory rebuilt from nothing)",
	.example = "gcert repo republish --dir ./demo-ca",
};
