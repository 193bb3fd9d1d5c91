/*
 * cmd_serve.c - `gcert ca serve`: the CA service (DESIGN.md "services") as a list of
 * workers: the HTTP repository, and with an LDAP directory configured the CRL file
 * poller and the LDAP publisher (CPS §2.5). SIGTERM or SIGINT stops it gracefully:
 * workers finish their current step and stop, last started first.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/crl_sched.h"
#include "ca/iface_http.h"
#include "ca/repo_alerts.h"
#include "ca/repo_files.h"
#include "ca/repo_http.h"
#include "ca/repo_ldap.h"
#include "ca/sealer.h"
#include "ca/service.h"
#include "cli/cli.h"
#include "sys/fileio.h"

struct serve {
	char dbpath[GC_MAX_PATH], repo[GC_MAX_PATH], crl_dir[GC_MAX_PATH], pwfile[GC_MAX_PATH];
	char actor[128];
	const char *ldap_uri;
	const char *iface_listen; /* the interface endpoint (SPEC §3), when asked for */
	bool crl_schedule;        /* App. C: issue CRLs and the ARL on the schedule */
	struct gc_crl_sched *sched;
	struct gc_iface_http *iface;
	struct gc_repo_alerts *alerts;
	struct gc_repo_http *http;
	struct gc_repo_poller *poller;
	struct gc_repo_ldap *ldap;
	struct gc_sealer *sealer;
	struct gc_service svc;
};

static gc_result dir_path(const char *dir, const char *rel, char *out, size_t outsz)
{
	if (rel[0] == '/') {
		GC_ENSURE((size_t)snprintf(out, outsz, "%s", rel) < outsz, GC_E_CONFIG, "%s: too long", rel);
		return GC_OK;
	}
	return gc_path_join(out, outsz, dir, rel);
}

static gc_result audit_event(struct gc_ca *ca, const char *actor, enum gc_audit_event ev,
                             const char *detail)
{
	gc_result rc;

	GC_GUARD(gc_db_begin(ca->db));
	if ((rc = gc_audit_append(ca->audit, actor, ev, "ca serve", true, detail)) != GC_OK) {
		gc_db_rollback(ca->db);
		return rc;
	}
	return gc_db_commit(ca->db);
}

static gc_result serve_build(struct serve *s, struct gc_ca *ca, const char *listen)
{
	const struct gc_config *cfg = &ca->cfg;
	struct gc_repo_http_options ho = {listen, s->dbpath, s->crl_dir, cfg, NULL};

	GC_GUARD(gc_ca_db_target(ca, s->dbpath, sizeof(s->dbpath)));
	GC_GUARD(dir_path(ca->dir, cfg->repo.dir, s->repo, sizeof(s->repo)));
	GC_GUARD(gc_path_join(s->crl_dir, sizeof(s->crl_dir), s->repo, "crl"));
	GC_GUARD(gc_mkdir(s->repo, 0750, 0));
	GC_GUARD(gc_mkdir(s->crl_dir, 0750, 0));
	/* started before the HTTP server and stopped after it, so no refusal goes unrecorded */
	GC_GUARD(gc_repo_alerts_new(s->dbpath, s->actor, &s->alerts));
	GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"audit-alerts", gc_repo_alerts_start,
	                                                      gc_repo_alerts_stop, s->alerts}));
	ho.alerts = s->alerts;
	GC_GUARD(gc_repo_http_new(&ho, &s->http));
	GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"http", gc_repo_http_start,
	                                                      gc_repo_http_stop, s->http}));
	if (s->iface_listen != NULL) {
		/* the endpoint signs results with the service key: it needs the token */
		GC_GUARD(gc_ca_open_token(ca));
		GC_GUARD(gc_iface_http_new(ca, s->iface_listen, &s->iface));
		GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"interface", gc_iface_http_start,
		                                                      gc_iface_http_stop, s->iface}));
	}
	if (s->crl_schedule) {
		/* CRLs are signed in the token; started before the poller that publishes them */
		GC_GUARD(gc_ca_open_token(ca));
		GC_GUARD(gc_crl_sched_new(ca, s->actor, &s->sched));
		GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"crl-schedule", gc_crl_sched_start,
		                                                      gc_crl_sched_stop, s->sched}));
	}
	/* last started, first stopped: its final step seals what the others recorded */
	GC_GUARD(gc_sealer_new(ca, ca->cfg.seal_interval, &s->sealer));
	if (s->ldap_uri == NULL || s->ldap_uri[0] == '\0')
		return gc_service_add(&s->svc, &(struct gc_worker){"audit-sealer", gc_sealer_start,
		                                                    gc_sealer_stop, s->sealer});
	GC_GUARD(dir_path(ca->dir, cfg->repo.ldap_password_file, s->pwfile, sizeof(s->pwfile)));
	GC_GUARD(gc_repo_poller_new(&(struct gc_repo_files_options){s->crl_dir, s->dbpath, s->actor},
	                            &s->poller));
	GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"crl-poller", gc_repo_poller_start,
	                                                      gc_repo_poller_stop, s->poller}));
	GC_GUARD(gc_repo_ldap_new(&(struct gc_repo_ldap_options){s->ldap_uri, s->pwfile, s->dbpath,
	                                                          s->actor, cfg}, &s->ldap));
	GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"ldap-publisher", gc_repo_ldap_start,
	                                                      gc_repo_ldap_stop, s->ldap}));
	return gc_service_add(&s->svc, &(struct gc_worker){"audit-sealer", gc_sealer_start,
	                                                    gc_sealer_stop, s->sealer});
}

static void serve_free(struct serve *s)
{
	gc_service_stop(&s->svc);
	gc_sealer_free(s->sealer);
	gc_repo_ldap_free(s->ldap);
	gc_repo_poller_free(s->poller);
	gc_repo_http_free(s->http);
	gc_iface_http_free(s->iface);
	gc_crl_sched_free(s->sched);
	gc_repo_alerts_free(s->alerts);
}

static int wait_for_signal(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	while (sigwait(&set, &sig) != 0)
		;
	return sig;
}

int cmd_ca_serve(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
	                                     {"ldap", required_argument, NULL, 'L'},
	                                     {"interface-listen", required_argument, NULL, 'i'},
	                                     {"crl-schedule", no_argument, NULL, 'c'},
	                                     {NULL, 0, NULL, 0}};
	struct serve *s = calloc(1, sizeof(*s));
	const char *listen = NULL;
	char detail[512];
	sigset_t set;
	gc_result rc;
	int c, sig;

	if (s == NULL)
		return cli_fail(ctx, gc_fail(GC_E_NOMEM, "out of memory"));
	s->ldap_uri = ctx->ca->cfg.repo.ldap_uri;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			listen = optarg;
		else if (c == 'L')
			s->ldap_uri = strcmp(optarg, "none") == 0 ? "" : optarg;
		else if (c == 'i')
			s->iface_listen = optarg;
		else if (c == 'c')
			s->crl_schedule = true;
		else
			return free(s), cli_usage_error(cli_current(), "unknown option");
	}
	if (optind != argc || listen == NULL) {
		free(s);
		return cli_usage_error(cli_current(), optind != argc ? "unexpected argument" : "--listen is required");
	}
	snprintf(s->actor, sizeof(s->actor), "ca-serve:%s", ctx->actor);
	/* Every thread inherits this mask: only sigwait below sees the stop signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = serve_build(s, ctx->ca, listen)) != GC_OK || (rc = gc_service_start(&s->svc)) != GC_OK) {
		serve_free(s);
		free(s);
		return cli_fail(ctx, rc);
	}
	snprintf(detail, sizeof(detail), "repository on %s, LDAP %s, interface %s, CRL schedule %s",
	         listen, s->ldap != NULL ? s->ldap_uri : "off", s->iface_listen ? s->iface_listen : "off",
	         s->crl_schedule ? ctx->ca->cfg.crl_schedule : "off");
	if ((rc = audit_event(ctx->ca, s->actor, GC_EV_SERVICE_STARTED, detail)) != GC_OK) {
		serve_free(s);
		free(s);
		return cli_fail(ctx, rc);
	}
	printf("gcert: repository at http://%.*s:%d/ ; LDAP publication %s\n",
	       (int)(strrchr(listen, ':') - listen), listen, gc_repo_http_port(s->http),
	       s->ldap != NULL ? s->ldap_uri : "off");
	if (s->iface != NULL)
		printf("gcert: interface at https://%.*s:%d/interface (mutual TLS, pinned RAs only)\n",
		       (int)(strrchr(s->iface_listen, ':') - s->iface_listen), s->iface_listen,
		       gc_iface_http_port(s->iface));
	if (s->sched != NULL)
		printf("gcert: CRLs at %s UTC, ARL yearly (App. C)\n", ctx->ca->cfg.crl_schedule);
	printf("gcert: serving; stop with SIGTERM or Ctrl-C\n");
	fflush(stdout);
	sig = wait_for_signal();
	gc_service_stop(&s->svc);
	snprintf(detail, sizeof(detail), "stopped by signal %d", sig);
	rc = audit_event(ctx->ca, s->actor, GC_EV_SERVICE_STOPPED, detail);
	serve_free(s);
	free(s);
	printf("gcert: stopped\n");
	return rc == GC_OK ? 0 : cli_fail(ctx, rc);
}

/* `gcert repo republish`: every certificate and the current CRL files, queued again. */
int cmd_repo_republish(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct gc_config *cfg = &ctx->ca->cfg;
	char dbpath[GC_MAX_PATH], repo[GC_MAX_PATH], crl_dir[GC_MAX_PATH], actor[128];
	int64_t rows = 0;
	gc_result rc;

	if (argc > 1)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[1]);
	snprintf(actor, sizeof(actor), "%s", ctx->actor);
	if ((rc = gc_ca_db_target(ctx->ca, dbpath, sizeof(dbpath))) != GC_OK ||
	    (rc = dir_path(ctx->ca->dir, cfg->repo.dir, repo, sizeof(repo))) != GC_OK ||
	    (rc = gc_path_join(crl_dir, sizeof(crl_dir), repo, "crl")) != GC_OK ||
	    (rc = gc_repo_republish(&(struct gc_repo_files_options){crl_dir, dbpath, actor}, &rows)) != GC_OK)
		return cli_fail(ctx, rc);
	printf("queued %lld certificates and the current CRL files for LDAP; a running "
	       "`gcert ca serve --ldap` publishes them in order\n", (long long)rows);
	return 0;
}
